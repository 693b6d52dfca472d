/**
 * Where an AssignJobsAsync call's time went, from its workflow's history (`outbound-assign/{tenant}/{asyncTaskId}`):
 * per activity type, how many completed and their scheduled → completed times (sum, p50, max). The batches run a few
 * at a time, so the sum exceeds the workflow's wall time; the p50 is the cost of one batch under that concurrency.
 */
import type { Client } from '@temporalio/client';
import { assignJobsAsyncWorkflowId } from '../../domain/ids';
import { summarize } from '../load/page-load';

type Timestamp = { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined;

/** A protobuf Timestamp in epoch milliseconds (bench/history.ts does the same for the bulk workflow). */
function timestampMs(ts: Timestamp): number {
  if (!ts) throw new Error('history event without a time');
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds?.toNumber() ?? 0);
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000);
}

export interface AssignSplit {
  workflowMs: number;
  activities: Record<string, { count: number; totalMs: number; p50: number; maxMs: number; retried: number }>;
}

export async function assignSplit(client: Client, tenantId: string, asyncTaskId: string): Promise<AssignSplit> {
  const history = await client.workflow.getHandle(assignJobsAsyncWorkflowId(tenantId, asyncTaskId)).fetchHistory();
  const scheduled = new Map<string, { type: string; at: number }>();
  const durations: Record<string, number[]> = {};
  const retried: Record<string, number> = {};
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const event of history.events ?? []) {
    const at = timestampMs(event.eventTime);
    first = Math.min(first, at);
    last = Math.max(last, at);
    const attributes = event.activityTaskScheduledEventAttributes;
    if (attributes) {
      scheduled.set(String(event.eventId), { type: attributes.activityType?.name ?? '?', at });
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started && (started.attempt ?? 1) > 1) {
      const type = scheduled.get(String(started.scheduledEventId))?.type ?? '?';
      retried[type] = (retried[type] ?? 0) + 1;
      continue;
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const start = completed ? scheduled.get(String(completed.scheduledEventId)) : undefined;
    if (start) (durations[start.type] ??= []).push(at - start.at);
  }
  const activities: AssignSplit['activities'] = {};
  for (const [type, ms] of Object.entries(durations)) {
    const stats = summarize(ms);
    activities[type] = {
      count: ms.length,
      totalMs: Math.round(ms.reduce((sum, value) => sum + value, 0)),
      p50: stats.p50,
      maxMs: stats.max,
      retried: retried[type] ?? 0,
    };
  }
  return { workflowMs: last - first, activities };
}
