/**
 * Where the time of a bulk operation went, from its workflow history: per activity type, how many completed, the sum
 * of their scheduled → completed times, and the attempts that timed out or failed (with the reason). The rest of the
 * workflow's run is workflow-task and queueing overhead.
 */
import type { Client } from '@temporalio/client';
import { bulkOperationWorkflowId } from '../domain/ids';

export interface ActivityStats {
  count: number;
  totalMs: number;
  maxMs: number;
  /** Attempts that ended in a timeout or failure: "timedOut HEARTBEAT" → 3. */
  problems?: Record<string, number>;
}

export interface ActivitySplit {
  workflowMs: number;
  activities: Record<string, ActivityStats>;
  activityMs: number;
  overheadMs: number;
}

/** A protobuf Timestamp (seconds as a number or a Long, nanos) in epoch milliseconds, as the SDK converts it. */
function timestampMs(
  ts: { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined,
) {
  if (!ts) throw new Error('history event without a time');
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds?.toNumber() ?? 0);
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000);
}

const TIMEOUT_TYPES: Record<number, string> = {
  1: 'START_TO_CLOSE',
  2: 'SCHEDULE_TO_START',
  3: 'SCHEDULE_TO_CLOSE',
  4: 'HEARTBEAT',
};

export async function activitySplit(client: Client, tenantId: string): Promise<ActivitySplit> {
  const history = await client.workflow.getHandle(bulkOperationWorkflowId(tenantId)).fetchHistory();
  const events = history.events ?? [];
  const scheduled = new Map<string, { type: string; at: number }>();
  const activities: ActivitySplit['activities'] = {};
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  const statsOf = (type: string): ActivityStats => (activities[type] ??= { count: 0, totalMs: 0, maxMs: 0 });
  const problem = (scheduledEventId: unknown, what: string): void => {
    const start = scheduled.get(String(scheduledEventId));
    if (!start) return;
    const stats = statsOf(start.type);
    stats.problems = stats.problems ?? {};
    stats.problems[what] = (stats.problems[what] ?? 0) + 1;
  };
  for (const event of events) {
    const at = timestampMs(event.eventTime);
    first = Math.min(first, at);
    last = Math.max(last, at);
    const attributes = event.activityTaskScheduledEventAttributes;
    if (attributes) {
      scheduled.set(String(event.eventId), { type: attributes.activityType?.name ?? '?', at });
      continue;
    }
    const startedAttempt = event.activityTaskStartedEventAttributes;
    if (startedAttempt && (startedAttempt.attempt ?? 1) > 1) {
      // Retries are not separate events: the started event of the last attempt carries its number and last failure.
      const cause = startedAttempt.lastFailure;
      const reason = cause?.timeoutFailureInfo
        ? `timeout ${TIMEOUT_TYPES[Number(cause.timeoutFailureInfo.timeoutType ?? 0)] ?? '?'}`
        : (cause?.message ?? '?').slice(0, 120);
      problem(startedAttempt.scheduledEventId, `ran ${startedAttempt.attempt} attempts; last retry after: ${reason}`);
      continue;
    }
    const timedOut = event.activityTaskTimedOutEventAttributes;
    if (timedOut) {
      const type = timedOut.failure?.timeoutFailureInfo?.timeoutType ?? 0;
      problem(timedOut.scheduledEventId, `timedOut ${TIMEOUT_TYPES[Number(type)] ?? type}`);
      continue;
    }
    const failed = event.activityTaskFailedEventAttributes;
    if (failed) {
      problem(failed.scheduledEventId, `failed: ${(failed.failure?.message ?? '?').slice(0, 120)}`);
      continue;
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (!completed) continue;
    const start = scheduled.get(String(completed.scheduledEventId));
    if (!start) continue;
    const stats = statsOf(start.type);
    stats.count += 1;
    stats.totalMs += at - start.at;
    stats.maxMs = Math.max(stats.maxMs, at - start.at);
  }
  const workflowMs = last - first;
  const activityMs = Object.values(activities).reduce((sum, entry) => sum + entry.totalMs, 0);
  return { workflowMs, activities, activityMs, overheadMs: workflowMs - activityMs };
}

export function describeSplit(split: ActivitySplit): string {
  const parts = Object.entries(split.activities)
    .sort(([, a], [, b]) => b.totalMs - a.totalMs)
    .map(([type, { count, totalMs, problems }]) => {
      const trouble = problems
        ? ` [${Object.entries(problems)
            .map(([what, n]) => `${n}× ${what}`)
            .join(', ')}]`
        : '';
      return `${type}×${count} ${Math.round(totalMs)} ms${trouble}`;
    });
  return `workflow ${Math.round(split.workflowMs)} ms = ${parts.join(' + ')} + workflow/queue overhead ${Math.round(split.overheadMs)} ms`;
}
