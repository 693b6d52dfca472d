/**
 * Classification of a job by its classification policy (spec §3.3, §4.3–§4.5, §6.3): which queue, which priority,
 * which worker selectors are attached. Pure: `function` and `webhook` rules call out over HTTP, which only an
 * activity may do, so the activity (activities/routing/classify.ts) first calls every callout rule that
 * `calloutRules` lists and hands the results to `classify` as `ruleValues`, keyed by the rule's path in the policy.
 * Every other rule is evaluated here (domain/routing/rules).
 */
import { z } from 'zod';
import {
  type Labels,
  labelsSchema,
  type RouterQueueSelector,
  routerQueueSelectorSchema,
  type RouterWorkerSelector,
  type RouterWorkerSelectorInput,
  routerWorkerSelectorInputSchema,
} from './common';
import type { ClassificationResult } from './job-lifecycle';
import { selectorMatches } from './matching';
import type { ClassificationPolicy, RouterJob, RouterQueue } from './models';
import { evaluateLocalRule } from './rules';
import { numberFromText } from './rules/values';
import type { RouterRule } from './unions';
import { formatTimestamp } from './wire';

/** A rule's outcome: any JSON value a callout returned (or a local rule's value), or why it has none. */
export type RuleOutcome = { ok: true; value: unknown } | { ok: false; reason: string };

/** The rules only an activity can evaluate. */
export type CalloutRule = Extract<RouterRule, { kind: 'function' | 'webhook' }>;

export const isCalloutRule = (rule: RouterRule): rule is CalloutRule =>
  rule.kind === 'function' || rule.kind === 'webhook';

export interface ClassifyOptions {
  /** Seeds the weightedAllocation draws: the same seed picks the same allocations (see `classificationSeed`). */
  seed: string;
  /** The outcomes of the policy's callout rules, by path (`calloutRules`); a callout rule missing here fails. */
  ruleValues?: Readonly<Record<string, RuleOutcome>>;
}

/**
 * Every function and webhook rule of a policy with its path, the key of its outcome in `ClassifyOptions.ruleValues`:
 * `prioritizationRule`, `queueSelectorAttachments.<i>.condition|rule`, `workerSelectorAttachments.<i>.condition|rule`.
 */
export function calloutRules(policy: ClassificationPolicy): { path: string; rule: CalloutRule }[] {
  const found: { path: string; rule: CalloutRule }[] = [];
  const visit = (path: string, rule: RouterRule | undefined) => {
    if (rule && isCalloutRule(rule)) found.push({ path, rule });
  };
  visit('prioritizationRule', policy.prioritizationRule);
  for (const [list, attachments] of [
    ['queueSelectorAttachments', policy.queueSelectorAttachments],
    ['workerSelectorAttachments', policy.workerSelectorAttachments],
  ] as const) {
    for (const [index, attachment] of attachments.entries()) {
      if (attachment.kind === 'conditional') visit(`${list}.${index}.condition`, attachment.condition);
      if (attachment.kind === 'ruleEngine') visit(`${list}.${index}.rule`, attachment.rule);
    }
  }
  return found;
}

/** The seed of one classification run of a job: a retried or replayed run draws the same allocations. */
export const classificationSeed = (tenantId: string, jobId: string, run: number): string =>
  `${tenantId}\n${jobId}\n${run}`;

/** FNV-1a (32 bit) over the string's UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The first output of mulberry32 seeded with `seed`: a uniform number in [0, 1). */
function mulberry32(seed: number): number {
  let t = (seed + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A deterministic uniform draw in [0, 1) for `key` (the seed and an attachment's path). */
export const seededUniform = (key: string): number => mulberry32(fnv1a(key));

/** One allocation picked by weight with the draw `u` in [0, 1) (weights are normalised by their sum). */
export function pickByWeight<T extends { weight: number }>(allocations: readonly T[], u: number): T | undefined {
  const total = allocations.reduce((sum, allocation) => sum + allocation.weight, 0);
  const target = u * total;
  let cumulative = 0;
  for (const allocation of allocations) {
    cumulative += allocation.weight;
    if (target < cumulative) return allocation;
  }
  return allocations.at(-1);
}

/** A condition holds when its rule gives `true` or the text "true" (any case); anything else is false. */
export const isTrue = (value: unknown): boolean =>
  value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');

/** A worker selector attached at `now`: its expiry counts from the classification (spec §3.8). */
function attach(selector: RouterWorkerSelectorInput, now: number): RouterWorkerSelector {
  const expiresAt =
    selector.expiresAfterSeconds === undefined
      ? undefined
      : formatTimestamp(now + Math.round(selector.expiresAfterSeconds * 1000));
  return { ...selector, status: 'active', ...(expiresAt === undefined ? {} : { expiresAt }) };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A callout may spell an operator in PascalCase (`GreaterThan`, as older SDKs do): first letter lowered. */
function lowerOperator(value: unknown): unknown {
  if (!isPlainObject(value) || typeof value.labelOperator !== 'string' || value.labelOperator === '') return value;
  const operator = value.labelOperator;
  return { ...value, labelOperator: operator.charAt(0).toLowerCase() + operator.slice(1) };
}

const ruleQueueSelectorSchema = z.preprocess(lowerOperator, routerQueueSelectorSchema);
const ruleWorkerSelectorSchema = z.preprocess(lowerOperator, routerWorkerSelectorInputSchema);

type Selectors<S> = { ok: true; selectors: S[] } | { ok: false; reason: string };

const describeIssue = (issue: z.ZodError['issues'][number] | undefined): string =>
  issue ? `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}` : 'invalid';

/**
 * The selectors a ruleEngine rule gives: an array of selectors; labels (an object, what directMap gives), each
 * becoming an `equal` selector; text holding either as JSON (how a static or expression rule can give them); blank
 * for none.
 */
function selectorsFromRule<S>(
  value: unknown,
  schema: z.ZodType<S>,
  fromLabel: (key: string, value: Labels[string]) => S,
): Selectors<S> {
  if (value === undefined || value === null || value === '') return { ok: true, selectors: [] };
  let data: unknown = value;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data) as unknown;
    } catch {
      return { ok: false, reason: `gave the text ${show(value)}, not selectors or labels` };
    }
  }
  if (Array.isArray(data)) {
    const selectors: S[] = [];
    for (const [index, item] of data.entries()) {
      const selector = schema.safeParse(item);
      if (!selector.success) {
        return {
          ok: false,
          reason: `gave an invalid selector at ${index}: ${describeIssue(selector.error.issues[0])}`,
        };
      }
      selectors.push(selector.data);
    }
    return { ok: true, selectors };
  }
  if (isPlainObject(data)) {
    const labels = labelsSchema.safeParse(data);
    if (!labels.success) return { ok: false, reason: `gave invalid labels: ${describeIssue(labels.error.issues[0])}` };
    return { ok: true, selectors: Object.entries(labels.data).map(([key, label]) => fromLabel(key, label)) };
  }
  return { ok: false, reason: `gave ${show(data)}, not selectors or labels` };
}

/** What one queue or worker attachment contributes, generic over the selector type. */
interface AttachmentContext<S> {
  list: 'queueSelectorAttachments' | 'workerSelectorAttachments';
  schema: z.ZodType<S>;
  fromLabel: (key: string, value: Labels[string]) => S;
}

/**
 * Classifies `job` with `policy` against the tenant's `queues` at `now`. Rules are evaluated in the policy's order
 * (prioritizationRule, queue attachments, worker attachments); the first that fails is the result, its reason
 * prefixed with the rule's path. The queue is the first queue (by id) whose labels match every queue selector of
 * every attachment, else the job's own `queueId` if that queue exists (a job created with both keeps it, its
 * priority and selectors coming from the policy), else `fallbackQueueId` if that queue exists; else a failure.
 */
export function classify(
  policy: ClassificationPolicy,
  job: RouterJob,
  queues: readonly RouterQueue[],
  now: number,
  options: ClassifyOptions,
): ClassificationResult {
  const ruleValues = options.ruleValues ?? {};
  const evaluate = (rule: RouterRule, path: string): RuleOutcome => {
    const local = evaluateLocalRule(rule, { job: job.labels });
    const outcome: RuleOutcome =
      'callout' in local
        ? Object.hasOwn(ruleValues, path)
          ? (ruleValues[path] ?? { ok: false, reason: 'no value' })
          : { ok: false, reason: `the ${rule.kind} rule was not called` }
        : local;
    return outcome.ok ? outcome : { ok: false, reason: `${path}: ${outcome.reason}` };
  };

  let priority: number | undefined;
  if (policy.prioritizationRule) {
    const evaluated = evaluate(policy.prioritizationRule, 'prioritizationRule');
    if (!evaluated.ok) return evaluated;
    const value = priorityOf(evaluated.value);
    if (value === undefined) {
      return {
        ok: false,
        reason: `prioritizationRule: the ${policy.prioritizationRule.kind} rule gave ${show(evaluated.value)}, not an integer`,
      };
    }
    priority = Math.max(-100, Math.min(100, value));
  }

  /** The selectors of every attachment of one list, AND-ed by the caller. */
  function collect<S>(
    context: AttachmentContext<S>,
    attachments: readonly Attachment<S>[],
  ): { ok: true; selectors: S[] } | { ok: false; reason: string } {
    const selectors: S[] = [];
    for (const [index, attachment] of attachments.entries()) {
      const path = `${context.list}.${index}`;
      switch (attachment.kind) {
        case 'static':
          selectors.push(attachment.selector);
          break;
        case 'conditional': {
          const condition = evaluate(attachment.condition, `${path}.condition`);
          if (!condition.ok) return condition;
          if (isTrue(condition.value)) selectors.push(...attachment.selectors);
          break;
        }
        case 'passThrough': {
          const value = Object.hasOwn(job.labels, attachment.key) ? job.labels[attachment.key] : undefined;
          if (value === undefined) {
            return { ok: false, reason: `${path}: passThrough needs the job label ${JSON.stringify(attachment.key)}` };
          }
          selectors.push(attachment.selector(value));
          break;
        }
        case 'ruleEngine': {
          const evaluated = evaluate(attachment.rule, `${path}.rule`);
          if (!evaluated.ok) return evaluated;
          const given = selectorsFromRule(evaluated.value, context.schema, context.fromLabel);
          if (!given.ok) return { ok: false, reason: `${path}.rule: the ${attachment.rule.kind} rule ${given.reason}` };
          selectors.push(...given.selectors);
          break;
        }
        case 'weightedAllocation': {
          const picked = pickByWeight(attachment.allocations, seededUniform(`${options.seed}\n${path}`));
          selectors.push(...(picked?.selectors ?? []));
          break;
        }
      }
    }
    return { ok: true, selectors };
  }

  const queueSelectors = collect<RouterQueueSelector>(
    {
      list: 'queueSelectorAttachments',
      schema: ruleQueueSelectorSchema,
      fromLabel: (key, value) => ({ key, labelOperator: 'equal', value }),
    },
    policy.queueSelectorAttachments.map(queueAttachment),
  );
  if (!queueSelectors.ok) return queueSelectors;
  const workerSelectors = collect<RouterWorkerSelectorInput>(
    {
      list: 'workerSelectorAttachments',
      schema: ruleWorkerSelectorSchema,
      fromLabel: (key, value) => ({ key, labelOperator: 'equal', value }),
    },
    policy.workerSelectorAttachments.map(workerAttachment),
  );
  if (!workerSelectors.ok) return workerSelectors;

  const byId = [...queues].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const exists = (id: string | undefined): id is string => id !== undefined && byId.some((queue) => queue.id === id);
  const selected =
    queueSelectors.selectors.length > 0
      ? byId.find((queue) => queueSelectors.selectors.every((selector) => selectorMatches(selector, queue.labels)))
      : undefined;
  const queueId = selected?.id ?? [job.queueId, policy.fallbackQueueId].find(exists);
  if (queueId === undefined) return { ok: false, reason: noQueueReason(policy, job, queueSelectors.selectors) };
  return {
    ok: true,
    queueId,
    ...(priority === undefined ? {} : { priority }),
    attachedWorkerSelectors: workerSelectors.selectors.map((selector) => attach(selector, now)),
  };
}

/** Why no queue was found, naming each place a queue could have come from. */
function noQueueReason(policy: ClassificationPolicy, job: RouterJob, selectors: readonly RouterQueueSelector[]) {
  const parts = [
    selectors.length > 0 ? `no queue matches the queue selectors of ${policy.id}` : `${policy.id} selects no queue`,
    ...(job.queueId === undefined ? [] : [`the job's queue ${job.queueId} does not exist`]),
    policy.fallbackQueueId === undefined
      ? 'it has no fallbackQueueId'
      : `its fallbackQueueId ${policy.fallbackQueueId} does not exist`,
  ];
  return parts.join(', ');
}

/** A priority: an integer, or text holding one (the spec's example writes `"2"`). */
function priorityOf(value: unknown): number | undefined {
  const number = typeof value === 'string' ? numberFromText(value) : value;
  return typeof number === 'number' && Number.isInteger(number) ? number : undefined;
}

/** A value as a reason shows it: JSON, cut short. */
function show(value: unknown): string {
  if (value === undefined) return 'blank';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The queue and worker attachments in one shape, so `collect` handles both lists alike. */
type Attachment<S> =
  | { kind: 'static'; selector: S }
  | { kind: 'conditional'; condition: RouterRule; selectors: readonly S[] }
  | { kind: 'passThrough'; key: string; selector: (value: Labels[string]) => S }
  | { kind: 'ruleEngine'; rule: RouterRule }
  | { kind: 'weightedAllocation'; allocations: readonly { weight: number; selectors: readonly S[] }[] };

function queueAttachment(
  attachment: ClassificationPolicy['queueSelectorAttachments'][number],
): Attachment<RouterQueueSelector> {
  switch (attachment.kind) {
    case 'static':
      return { kind: 'static', selector: attachment.queueSelector };
    case 'conditional':
      return { kind: 'conditional', condition: attachment.condition, selectors: attachment.queueSelectors };
    case 'passThrough':
      return {
        kind: 'passThrough',
        key: attachment.key,
        selector: (value) => ({ key: attachment.key, labelOperator: attachment.labelOperator, value }),
      };
    case 'ruleEngine':
      return attachment;
    case 'weightedAllocation':
      return {
        kind: 'weightedAllocation',
        allocations: attachment.allocations.map(({ weight, queueSelectors }) => ({
          weight,
          selectors: queueSelectors,
        })),
      };
  }
}

function workerAttachment(
  attachment: ClassificationPolicy['workerSelectorAttachments'][number],
): Attachment<RouterWorkerSelectorInput> {
  switch (attachment.kind) {
    case 'static':
      return { kind: 'static', selector: attachment.workerSelector };
    case 'conditional':
      return { kind: 'conditional', condition: attachment.condition, selectors: attachment.workerSelectors };
    case 'passThrough': {
      const { key, labelOperator, expiresAfterSeconds } = attachment;
      return {
        kind: 'passThrough',
        key,
        selector: (value) => ({
          key,
          labelOperator,
          value,
          ...(expiresAfterSeconds === undefined ? {} : { expiresAfterSeconds }),
        }),
      };
    }
    case 'ruleEngine':
      return attachment;
    case 'weightedAllocation':
      return {
        kind: 'weightedAllocation',
        allocations: attachment.allocations.map(({ weight, workerSelectors }) => ({
          weight,
          selectors: workerSelectors,
        })),
      };
  }
}
