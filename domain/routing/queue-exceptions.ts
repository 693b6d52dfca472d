/**
 * When exception rules fire (spec §4.6), decided in the tenant's router: a job joining a queue takes a snapshot of
 * that queue's rules (a policy changed later applies to jobs queued afterwards); `queueLength` is tested then,
 * against the jobs already waiting ahead of it, and `waitTime` when its time has come. Each rule fires once per
 * queueing; the job runs the actions (job-exceptions.ts).
 */
import type { ExceptionTrigger } from './job-exceptions';
import type { WaitingJob } from './matching';
import type { QueueConfig, QueueingExceptions } from './messages';
import type { ExceptionRule } from './models';

const dueAt = (entry: QueueingExceptions, rule: ExceptionRule): number | undefined =>
  rule.trigger.kind === 'waitTime' && !entry.fired.includes(rule.id)
    ? entry.enqueuedAt + Math.round(rule.trigger.thresholdSeconds * 1000)
    : undefined;

/** When the next wait-time rule of a waiting job falls due. */
export function nextExceptionDue(exceptions: Readonly<Record<string, QueueingExceptions>>): number | undefined {
  let next: number | undefined;
  for (const entry of Object.values(exceptions)) {
    for (const rule of entry.rules) {
      const due = dueAt(entry, rule);
      if (due !== undefined && (next === undefined || due < next)) next = due;
    }
  }
  return next;
}

/**
 * The rules that fire now. Updates `exceptions` in place (the router's state): a snapshot for each job queued
 * anew, and each fired rule marked. A job whose queue's configuration is not loaded yet waits for the next pass.
 */
export function fireDueExceptions(
  waiting: Readonly<Record<string, WaitingJob>>,
  exceptions: Record<string, QueueingExceptions>,
  queueConfigs: Readonly<Record<string, QueueConfig | null>>,
  now: number,
): { jobId: string; trigger: ExceptionTrigger }[] {
  const fired: { jobId: string; trigger: ExceptionTrigger }[] = [];
  const fire = (jobId: string, entry: QueueingExceptions, rule: ExceptionRule): void => {
    entry.fired.push(rule.id);
    fired.push({ jobId, trigger: { ruleId: rule.id, enqueuedAt: entry.enqueuedAt, actions: rule.actions } });
  };
  for (const job of Object.values(waiting)) {
    let entry = exceptions[job.jobId];
    if (!entry || entry.enqueuedAt !== job.enqueuedAt || entry.queueId !== job.queueId) {
      const config = queueConfigs[job.queueId];
      if (config === undefined) continue;
      const ahead = Object.values(waiting).filter(
        (other) => other.queueId === job.queueId && other.jobId !== job.jobId && other.enqueuedAt <= job.enqueuedAt,
      ).length;
      entry = { queueId: job.queueId, enqueuedAt: job.enqueuedAt, rules: config?.exceptionRules ?? [], fired: [] };
      exceptions[job.jobId] = entry;
      for (const rule of entry.rules) {
        if (rule.trigger.kind === 'queueLength' && ahead > rule.trigger.threshold) fire(job.jobId, entry, rule);
      }
    }
    for (const rule of entry.rules) {
      const due = dueAt(entry, rule);
      if (due !== undefined && due <= now) fire(job.jobId, entry, rule);
    }
  }
  return fired;
}
