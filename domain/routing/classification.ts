/**
 * Classification of a job by its classification policy (spec §4.4, §4.5, §6.3): which queue, which priority, which
 * worker selectors are attached. This issue evaluates the `static` forms and `fallbackQueueId`; every other rule
 * and attachment kind is refused with a reason that names it, and the next issue plugs its rule evaluator into
 * `evaluateRule` (the one place a rule is evaluated).
 */
import type { PrimitiveValue, RouterQueueSelector, RouterWorkerSelector } from './common';
import type { ClassificationResult } from './job-lifecycle';
import { selectorMatches } from './matching';
import type { ClassificationPolicy, RouterJob, RouterQueue } from './models';
import type { RouterRule } from './unions';
import { formatTimestamp } from './wire';

export type RuleValue = { ok: true; value: PrimitiveValue | undefined } | { ok: false; reason: string };

/** The value of a rule for a job; only `static` here (rules of other kinds arrive with the next issue). */
export function evaluateRule(rule: RouterRule): RuleValue {
  if (rule.kind === 'static') return { ok: true, value: rule.value };
  return { ok: false, reason: `${rule.kind} rules are not evaluated yet (only static rules are)` };
}

const queueMatches = (queue: RouterQueue, selectors: readonly RouterQueueSelector[]): boolean =>
  selectors.every((selector) => selectorMatches(selector, queue.labels));

/** A worker selector attached at `now`: its expiry counts from the classification (spec §3.8). */
function attach(selector: RouterWorkerSelector, now: number): RouterWorkerSelector {
  const expiresAt =
    selector.expiresAfterSeconds === undefined
      ? undefined
      : formatTimestamp(now + Math.round(selector.expiresAfterSeconds * 1000));
  return { ...selector, status: 'active', ...(expiresAt === undefined ? {} : { expiresAt }) };
}

/**
 * Classifies `job` with `policy` against the tenant's `queues`. The queue is the first queue (by id) whose labels
 * match every queue selector, else the job's own `queueId` (a job created with both keeps it, its priority and
 * selectors coming from the policy), else `fallbackQueueId`; no queue is a failure.
 */
export function classify(
  policy: ClassificationPolicy,
  job: RouterJob,
  queues: readonly RouterQueue[],
  now: number,
): ClassificationResult {
  let priority: number | undefined;
  if (policy.prioritizationRule) {
    const evaluated = evaluateRule(policy.prioritizationRule);
    if (!evaluated.ok) return { ok: false, reason: `prioritizationRule: ${evaluated.reason}` };
    // The spec's own example writes the static priority as a string ("2"): numeric strings count as numbers.
    const value =
      typeof evaluated.value === 'string' && evaluated.value.trim() !== '' ? Number(evaluated.value) : evaluated.value;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      return { ok: false, reason: `prioritizationRule gave ${JSON.stringify(evaluated.value)}, not an integer` };
    }
    priority = Math.max(-100, Math.min(100, value));
  }

  const queueSelectors: RouterQueueSelector[] = [];
  for (const [index, attachment] of policy.queueSelectorAttachments.entries()) {
    if (attachment.kind !== 'static') {
      return {
        ok: false,
        reason: `queueSelectorAttachments.${index}: ${attachment.kind} attachments are not evaluated yet`,
      };
    }
    queueSelectors.push(attachment.queueSelector);
  }
  const attachedWorkerSelectors: RouterWorkerSelector[] = [];
  for (const [index, attachment] of policy.workerSelectorAttachments.entries()) {
    if (attachment.kind !== 'static') {
      return {
        ok: false,
        reason: `workerSelectorAttachments.${index}: ${attachment.kind} attachments are not evaluated yet`,
      };
    }
    attachedWorkerSelectors.push(attach(attachment.workerSelector, now));
  }

  const byId = [...queues].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const selected = queueSelectors.length > 0 ? byId.find((queue) => queueMatches(queue, queueSelectors)) : undefined;
  const queueId = selected?.id ?? job.queueId ?? policy.fallbackQueueId;
  if (queueId === undefined) {
    return { ok: false, reason: `no queue matches the queue selectors of ${policy.id} and it has no fallbackQueueId` };
  }
  return { ok: true, queueId, ...(priority === undefined ? {} : { priority }), attachedWorkerSelectors };
}
