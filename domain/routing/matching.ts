import type { Labels, PrimitiveValue, RouterWorkerSelector } from './common';
import type { LabelOperator } from './enums';
import type { RouterChannel } from './models';
import type { DistributionMode } from './unions';

/**
 * The matching engine of the per-tenant router workflow (spec §6.4–§6.6, §4.1): which workers may take a job, in
 * which order jobs are served, and which offers one pass issues. Pure and deterministic: time is a parameter (epoch
 * ms), every sort is a total order, and strings compare by code unit (never `localeCompare`, which depends on the
 * host's ICU data and would make replays diverge).
 */

/** A pending offer held by a worker (consumes capacity, spec §6.6). */
export interface HeldOffer {
  offerId: string;
  jobId: string;
  channelId: string;
  capacityCost: number;
  offeredAt: number;
  expiresAt: number;
}

/** An assignment held by a worker: assigned or completed-but-not-closed (consumes capacity, §6.4 step 4). */
export interface HeldAssignment {
  assignmentId: string;
  jobId: string;
  channelId: string;
  capacityCost: number;
  assignedAt: number;
}

export interface MatchWorker {
  id: string;
  availableForOffers: boolean;
  capacity: number;
  queues: string[];
  channels: RouterChannel[];
  /** Includes the auto-added `Id`. */
  labels: Labels;
  offers: HeldOffer[];
  assignments: HeldAssignment[];
  /** ms: when the worker last became idle-or-registered; longestIdle and tie-breaks prefer the smallest. */
  availableSince: number;
}

export interface WaitingJob {
  jobId: string;
  queueId: string;
  channelId: string;
  priority: number;
  /** ms */
  enqueuedAt: number;
  /** For bestWorker default scoring. */
  labels: Labels;
  /** requested ∪ attached selectors; only `status !== 'expired'` ones constrain (an expired selector is ignored). */
  selectors: RouterWorkerSelector[];
  /** Workers that declined: value = retryOfferAt ms, or null = excluded until the worker re-registers. */
  declinedBy: Record<string, number | null>;
}

export interface QueueDistribution {
  offerExpiresAfterSeconds: number;
  mode: DistributionMode;
}

export interface PlannedOffer {
  jobId: string;
  workerId: string;
  channelId: string;
  capacityCost: number;
}

/** Scores one worker for one job under bestWorker; higher is better unless `descendingOrder` is false. */
export type WorkerScorer = (job: WaitingJob, worker: MatchWorker) => number;

export interface MatchingInput {
  workers: readonly MatchWorker[];
  /** Jobs waiting in queues (status queued, not assigned). */
  jobs: readonly WaitingJob[];
  /** Distribution per queue id; a job whose queue is missing here is skipped (its config is not loaded yet). */
  distributions: Readonly<Record<string, QueueDistribution>>;
  /** roundRobin: last worker id offered per queue id. */
  roundRobinCursors: Readonly<Record<string, string>>;
  now: number;
  /**
   * Seam for bestWorker `scoringRule` evaluation: when given it replaces {@link defaultBestWorkerScore}. Rules may
   * call out (function, webhook), so the workflow evaluates them beforehand and passes the results in here.
   */
  score?: WorkerScorer;
}

export interface MatchingPlan {
  offers: PlannedOffer[];
  roundRobinCursors: Record<string, string>;
}

/** What a worker holds; enough to compute load and state without the rest of the worker. */
export interface Holdings {
  readonly offers: readonly HeldOffer[];
  readonly assignments: readonly HeldAssignment[];
}

type SelectorTest = Pick<RouterWorkerSelector, 'key' | 'labelOperator' | 'value'>;

export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Labels come from JSON: a key such as `constructor` must not resolve through Object.prototype.
function labelOf(labels: Labels, key: string): PrimitiveValue | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

// ----- Label selectors (§3.8; the gaps are listed in §10) -----

/**
 * Whether one selector accepts a worker's (or queue's) labels. Decisions for the gaps of spec §10:
 * - a missing key fails every operator except `notEqual` (as §4.1 default scoring counts it);
 * - `notEqual` is exactly the negation of `equal`, in every case below;
 * - without a `value`, `equal` means "has the key" and `notEqual` "lacks it"; ordering operators fail;
 * - `equal` compares type and value strictly: 1 ≠ "1", true ≠ "true";
 * - ordering compares two numbers numerically and two strings by UTF-16 code unit (so "B" < "a" and "10" < "9");
 *   booleans and mixed types never match, since there is no order that clients could rely on.
 */
export function selectorMatches(selector: SelectorTest, labels: Labels): boolean {
  const actual = labelOf(labels, selector.key);
  switch (selector.labelOperator) {
    case 'equal':
      return labelEquals(actual, selector.value);
    case 'notEqual':
      return !labelEquals(actual, selector.value);
    default:
      return orderedMatches(selector.labelOperator, actual, selector.value);
  }
}

function labelEquals(actual: PrimitiveValue | undefined, expected: PrimitiveValue | undefined): boolean {
  if (actual === undefined) return false;
  if (expected === undefined) return true;
  return actual === expected;
}

function orderedMatches(
  operator: Exclude<LabelOperator, 'equal' | 'notEqual'>,
  actual: PrimitiveValue | undefined,
  expected: PrimitiveValue | undefined,
): boolean {
  const comparable =
    (typeof actual === 'number' && typeof expected === 'number') ||
    (typeof actual === 'string' && typeof expected === 'string');
  if (!comparable) return false;
  const order = actual < expected ? -1 : actual > expected ? 1 : 0;
  switch (operator) {
    case 'lessThan':
      return order < 0;
    case 'lessThanOrEqual':
      return order <= 0;
    case 'greaterThan':
      return order > 0;
    case 'greaterThanOrEqual':
      return order >= 0;
  }
}

/** Expiry is folded into `status` by the workflow when `expiresAt` passes; only that flag is read here. */
export function activeSelectors<S extends Pick<RouterWorkerSelector, 'status'>>(selectors: readonly S[]): S[] {
  return selectors.filter((selector) => selector.status !== 'expired');
}

// ----- Capacity and state (§3.6, §6.4 step 4, §6.5) -----

/** Offers count as well as assignments: a pending offer reserves its cost (§6.6). */
export function consumedCapacity(worker: Holdings): number {
  let total = 0;
  for (const held of [...worker.offers, ...worker.assignments]) total += held.capacityCost;
  return total;
}

/**
 * consumed ÷ capacity, clamped to 0..1 (capacity may have been lowered below what is held). With capacity 0 the
 * ratio is undefined: a worker holding anything (even zero-cost jobs) counts as fully loaded, an empty one as idle,
 * so longestIdle still prefers the empty one and no NaN reaches a sort.
 */
export function loadRatio(worker: Holdings & { readonly capacity: number }): number {
  if (worker.capacity <= 0) return worker.offers.length + worker.assignments.length > 0 ? 1 : 0;
  return Math.min(1, Math.max(0, consumedCapacity(worker) / worker.capacity));
}

/** Jobs on one channel, offers included, for `maxNumberOfJobs`. */
export function channelJobCount(worker: Holdings, channelId: string): number {
  return (
    worker.offers.filter((offer) => offer.channelId === channelId).length +
    worker.assignments.filter((assignment) => assignment.channelId === channelId).length
  );
}

/** §6.5. Offers are revoked on deregistration, but one still held (a race) must not report `inactive`. */
export function workerState(
  worker: Holdings & { readonly availableForOffers: boolean },
): 'active' | 'draining' | 'inactive' {
  if (worker.availableForOffers) return 'active';
  return worker.offers.length + worker.assignments.length > 0 ? 'draining' : 'inactive';
}

// ----- Eligibility (§6.4) -----

/** The first §6.4 condition a worker fails, in the spec's order; for logs and tests. */
export type Ineligibility =
  | 'unavailable'
  | 'queue'
  | 'channel'
  | 'capacity'
  | 'channelLimit'
  | 'selectors'
  | 'declined'
  | 'offerHeld'
  | 'assigned';

export interface EligibilityOptions {
  /** The distribution mode's `bypassSelectors`. */
  readonly bypassSelectors: boolean;
}

export function ineligibility(
  worker: MatchWorker,
  job: WaitingJob,
  options: EligibilityOptions,
  now: number,
): Ineligibility | undefined {
  // availableForOffers is what makes a worker `active` (§6.5), so it covers step 1's state check too.
  if (!worker.availableForOffers) return 'unavailable';
  if (!worker.queues.includes(job.queueId)) return 'queue';
  const channel = worker.channels.find((entry) => entry.channelId === job.channelId);
  if (channel === undefined) return 'channel';
  if (consumedCapacity(worker) + channel.capacityCostPerJob > worker.capacity) return 'capacity';
  // typeof, not !== undefined: a stored null must mean "no limit", not "limit 0".
  if (typeof channel.maxNumberOfJobs === 'number' && channelJobCount(worker, job.channelId) >= channel.maxNumberOfJobs)
    return 'channelLimit';
  if (!options.bypassSelectors && !activeSelectors(job.selectors).every((s) => selectorMatches(s, worker.labels)))
    return 'selectors';
  if (Object.hasOwn(job.declinedBy, worker.id)) {
    const retryOfferAt = job.declinedBy[worker.id];
    // Anything but a time is treated as a plain decline: excluded until the worker re-registers.
    if (typeof retryOfferAt !== 'number' || now < retryOfferAt) return 'declined';
  }
  if (worker.offers.some((offer) => offer.jobId === job.jobId)) return 'offerHeld';
  if (worker.assignments.some((assignment) => assignment.jobId === job.jobId)) return 'assigned';
  return undefined;
}

export function isEligible(worker: MatchWorker, job: WaitingJob, options: EligibilityOptions, now: number): boolean {
  return ineligibility(worker, job, options, now) === undefined;
}

// ----- Job order (§6.4, "Selection and queue ordering") -----

export function isExpedited(job: Pick<WaitingJob, 'selectors'>): boolean {
  return activeSelectors(job.selectors).some((selector) => selector.expedite === true);
}

/**
 * Expedited first, then priority descending, then FIFO by enqueue time, then job id so the order is total. `_now` is
 * accepted for call-site stability; selector expiry already reaches this function as `status`.
 */
export function orderJobs(jobs: readonly WaitingJob[], _now?: number): WaitingJob[] {
  const keyed = jobs.map((job) => ({ job, expedited: isExpedited(job) }));
  keyed.sort(
    (a, b) =>
      Number(b.expedited) - Number(a.expedited) ||
      b.job.priority - a.job.priority ||
      a.job.enqueuedAt - b.job.enqueuedAt ||
      compareIds(a.job.jobId, b.job.jobId),
  );
  return keyed.map((entry) => entry.job);
}

// ----- bestWorker default scoring (§4.1) -----

const logistic = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * Default bestWorker score (spec §4.1, DOCS-distribution), in 0..2:
 *
 *   score = matchedJobLabels / jobLabelCount                      (0 when the job has no labels)
 *         + (Σ selectorScore) / activeSelectorCount               (only when the job has active selectors)
 *
 *   selectorScore(equal | notEqual)  = 1 if {@link selectorMatches}, else 0 (a missing key satisfies notEqual)
 *   selectorScore(> | >=)            = 1 / (1 + e^-x),  x = (label − value) / |value|
 *   selectorScore(< | <=)            = 1 / (1 + e^-x),  x = (value − label) / |value|
 *
 * A label matches when the worker has the same key with a strictly equal value. Magnitude selectors add their
 * logistic term whether or not they are satisfied (the doc: "a lesser amount if it doesn't exceed"), which matters
 * under bypassSelectors. They add 0 when the label or the value is not a number or the value is 0 (no ratio). The
 * doc divides by `value`; |value| is used so that exceeding a negative threshold still raises the score (identical for
 * the positive values of every documented example).
 */
export function defaultBestWorkerScore(
  job: Pick<WaitingJob, 'labels' | 'selectors'>,
  worker: Pick<MatchWorker, 'labels'>,
): number {
  const jobKeys = Object.keys(job.labels);
  const matchedLabels = jobKeys.filter((key) => {
    const workerValue = labelOf(worker.labels, key);
    return workerValue !== undefined && workerValue === job.labels[key];
  }).length;
  const labelScore = jobKeys.length === 0 ? 0 : matchedLabels / jobKeys.length;
  const selectors = activeSelectors(job.selectors);
  if (selectors.length === 0) return labelScore;
  let selectorTotal = 0;
  for (const selector of selectors) selectorTotal += selectorScore(selector, worker.labels);
  return labelScore + selectorTotal / selectors.length;
}

function selectorScore(selector: SelectorTest, labels: Labels): number {
  const operator = selector.labelOperator;
  if (operator === 'equal' || operator === 'notEqual') return selectorMatches(selector, labels) ? 1 : 0;
  const label = labelOf(labels, selector.key);
  const value = selector.value;
  if (typeof label !== 'number' || typeof value !== 'number' || value === 0) return 0;
  const margin = operator === 'greaterThan' || operator === 'greaterThanOrEqual' ? label - value : value - label;
  return logistic(margin / Math.abs(value));
}

// ----- The matching pass (§4.1, §6.4, §6.6) -----

interface Candidate {
  /** The caller's worker, handed to the scorer unchanged. */
  readonly original: MatchWorker;
  /** A copy whose `offers` grows as this pass plans offers, so capacity is charged immediately. */
  readonly state: MatchWorker;
}

const byAvailableThenId = (a: MatchWorker, b: MatchWorker): number =>
  a.availableSince - b.availableSince || compareIds(a.id, b.id);

// A NaN score (a broken scoring rule) ranks last in either direction instead of poisoning the sort.
function compareScores(a: number, b: number, descending: boolean): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  if (a === b) return 0;
  return a > b === descending ? -1 : 1;
}

/** Eligible candidates in the order the mode offers to them. */
function rankCandidates(
  eligible: Candidate[],
  job: WaitingJob,
  mode: DistributionMode,
  cursor: string | undefined,
  score: WorkerScorer,
): Candidate[] {
  switch (mode.kind) {
    case 'longestIdle': {
      const keyed = eligible.map((candidate) => ({ candidate, load: loadRatio(candidate.state) }));
      keyed.sort((a, b) => a.load - b.load || byAvailableThenId(a.candidate.state, b.candidate.state));
      return keyed.map((entry) => entry.candidate);
    }
    case 'roundRobin': {
      const sorted = [...eligible].sort((a, b) => compareIds(a.state.id, b.state.id));
      // The cursor may name a worker that is gone or ineligible now: "first id after it" still works.
      const start = cursor === undefined ? -1 : sorted.findIndex((candidate) => candidate.state.id > cursor);
      return start <= 0 ? sorted : [...sorted.slice(start), ...sorted.slice(0, start)];
    }
    case 'bestWorker': {
      const descending = mode.scoringRuleOptions?.descendingOrder !== false;
      const keyed = eligible.map((candidate) => ({ candidate, score: score(job, candidate.original) }));
      keyed.sort(
        (a, b) =>
          compareScores(a.score, b.score, descending) || byAvailableThenId(a.candidate.state, b.candidate.state),
      );
      return keyed.map((entry) => entry.candidate);
    }
  }
}

/**
 * One matching pass: for each job in {@link orderJobs} order, tops its offers up to `maxConcurrentOffers` from the
 * workers its queue's mode ranks first. A job with no offer yet waits until at least `minConcurrentOffers` workers
 * are eligible, so they all receive the offer at once. Every planned offer is charged to the worker before the next
 * job is considered: one pass never over-commits a worker. The input is not mutated.
 */
export function planOffers(input: MatchingInput): MatchingPlan {
  const candidates: Candidate[] = input.workers.map((worker) => ({
    original: worker,
    state: { ...worker, offers: [...worker.offers], assignments: [...worker.assignments] },
  }));
  // A Map, not an object: a queue id such as `__proto__` must stay an ordinary key.
  const cursors = new Map(Object.entries(input.roundRobinCursors));
  const score = input.score ?? defaultBestWorkerScore;
  const offers: PlannedOffer[] = [];

  for (const job of orderJobs(input.jobs, input.now)) {
    const distribution = Object.hasOwn(input.distributions, job.queueId) ? input.distributions[job.queueId] : undefined;
    if (distribution === undefined) continue;
    const { mode } = distribution;
    let outstanding = 0;
    for (const { state } of candidates) outstanding += state.offers.filter((o) => o.jobId === job.jobId).length;
    const room = mode.maxConcurrentOffers - outstanding;
    if (room <= 0) continue;
    const eligible = candidates.filter(({ state }) => isEligible(state, job, mode, input.now));
    if (outstanding === 0 && eligible.length < Math.min(mode.minConcurrentOffers, mode.maxConcurrentOffers)) continue;

    const chosen = rankCandidates(eligible, job, mode, cursors.get(job.queueId), score).slice(0, room);
    for (const { state } of chosen) {
      const channel = state.channels.find((entry) => entry.channelId === job.channelId);
      if (channel === undefined) continue; // unreachable: eligibility requires the channel
      const capacityCost = channel.capacityCostPerJob;
      offers.push({ jobId: job.jobId, workerId: state.id, channelId: job.channelId, capacityCost });
      state.offers.push({
        offerId: `planned:${job.jobId}`,
        jobId: job.jobId,
        channelId: job.channelId,
        capacityCost,
        offeredAt: input.now,
        expiresAt: input.now + distribution.offerExpiresAfterSeconds * 1000,
      });
    }
    const last = chosen.at(-1);
    if (mode.kind === 'roundRobin' && last !== undefined) cursors.set(job.queueId, last.state.id);
  }
  return { offers, roundRobinCursors: Object.fromEntries(cursors) };
}
