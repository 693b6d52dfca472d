/**
 * Where the time of a bulk operation went, from its workflow history: per activity type, how many completed, the sum
 * of their scheduled → completed times, and the attempts that timed out or failed (with the reason). The rest of the
 * workflow's run is workflow-task and queueing overhead. The history walk (`walkActivities`) also serves the outbound
 * benchmarks' AssignJobsAsync split (bench/outbound/history.ts).
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
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

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** A protobuf Timestamp (seconds as a number or a Long, nanos) in epoch milliseconds, as the SDK converts it. */
function timestampMs(
  ts: { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined,
) {
  if (!ts) throw new Error('history event without a time');
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds?.toNumber() ?? 0);
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000);
}

/** What `walkActivities` reports of each activity, named by its type (from its scheduled event). */
export interface ActivityListener {
  /** It completed `ms` after it was scheduled. */
  completed?(type: string, ms: number): void;
  /**
   * It ran more than one attempt. Retries are not separate events: the started event of the last attempt carries its
   * number and last failure.
   */
  retried?(type: string, started: temporal.api.history.v1.IActivityTaskStartedEventAttributes): void;
  timedOut?(type: string, timedOut: temporal.api.history.v1.IActivityTaskTimedOutEventAttributes): void;
  failed?(type: string, failed: temporal.api.history.v1.IActivityTaskFailedEventAttributes): void;
}

/**
 * Walks a workflow history once, pairing every activity event with its scheduled event (for the type and the time
 * the activity waited from); returns the workflow's time, first event → last event.
 */
export function walkActivities(events: readonly HistoryEvent[], on: ActivityListener): { workflowMs: number } {
  const scheduled = new Map<string, { type: string; at: number }>();
  const activity = (scheduledEventId: unknown) => scheduled.get(String(scheduledEventId));
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const event of events) {
    const at = timestampMs(event.eventTime);
    first = Math.min(first, at);
    last = Math.max(last, at);
    const attributes = event.activityTaskScheduledEventAttributes;
    if (attributes) {
      scheduled.set(String(event.eventId), { type: attributes.activityType?.name ?? '?', at });
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    const timedOut = event.activityTaskTimedOutEventAttributes;
    const failed = event.activityTaskFailedEventAttributes;
    const completed = event.activityTaskCompletedEventAttributes;
    const start = activity((started ?? timedOut ?? failed ?? completed)?.scheduledEventId);
    if (!start) continue;
    if (started) {
      if ((started.attempt ?? 1) > 1) on.retried?.(start.type, started);
    } else if (timedOut) on.timedOut?.(start.type, timedOut);
    else if (failed) on.failed?.(start.type, failed);
    else if (completed) on.completed?.(start.type, at - start.at);
  }
  return { workflowMs: last - first };
}

const TIMEOUT_TYPES: Record<number, string> = {
  1: 'START_TO_CLOSE',
  2: 'SCHEDULE_TO_START',
  3: 'SCHEDULE_TO_CLOSE',
  4: 'HEARTBEAT',
};

export async function activitySplit(client: Client, tenantId: string): Promise<ActivitySplit> {
  const history = await client.workflow.getHandle(bulkOperationWorkflowId(tenantId)).fetchHistory();
  const activities: ActivitySplit['activities'] = {};
  const statsOf = (type: string): ActivityStats => (activities[type] ??= { count: 0, totalMs: 0, maxMs: 0 });
  const problem = (type: string, what: string): void => {
    const stats = statsOf(type);
    stats.problems = stats.problems ?? {};
    stats.problems[what] = (stats.problems[what] ?? 0) + 1;
  };
  const { workflowMs } = walkActivities(history.events ?? [], {
    completed(type, ms) {
      const stats = statsOf(type);
      stats.count += 1;
      stats.totalMs += ms;
      stats.maxMs = Math.max(stats.maxMs, ms);
    },
    retried(type, started) {
      const cause = started.lastFailure;
      const reason = cause?.timeoutFailureInfo
        ? `timeout ${TIMEOUT_TYPES[Number(cause.timeoutFailureInfo.timeoutType ?? 0)] ?? '?'}`
        : (cause?.message ?? '?').slice(0, 120);
      problem(type, `ran ${started.attempt} attempts; last retry after: ${reason}`);
    },
    timedOut(type, timedOut) {
      const timeoutType = timedOut.failure?.timeoutFailureInfo?.timeoutType ?? 0;
      problem(type, `timedOut ${TIMEOUT_TYPES[Number(timeoutType)] ?? timeoutType}`);
    },
    failed(type, failed) {
      problem(type, `failed: ${(failed.failure?.message ?? '?').slice(0, 120)}`);
    },
  });
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
