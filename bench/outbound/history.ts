/**
 * Where an AssignJobsAsync call's time went, from its workflow's history (`outbound-assign/{tenant}/{asyncTaskId}`):
 * per activity type, how many completed and their scheduled → completed times (sum, p50, max). The batches run a few
 * at a time, so the sum exceeds the workflow's wall time; the p50 is the cost of one batch under that concurrency.
 */
import type { Client } from '@temporalio/client';
import { assignJobsAsyncWorkflowId } from '../../domain/ids';
import { walkActivities } from '../history';
import { summarize } from '../load/page-load';

export interface AssignSplit {
  workflowMs: number;
  activities: Record<string, { count: number; totalMs: number; p50: number; maxMs: number; retried: number }>;
}

export async function assignSplit(client: Client, tenantId: string, asyncTaskId: string): Promise<AssignSplit> {
  const history = await client.workflow.getHandle(assignJobsAsyncWorkflowId(tenantId, asyncTaskId)).fetchHistory();
  // Every duration, not only their sum as for the bulk workflow: the p50 is the figure of interest here.
  const durations: Record<string, number[]> = {};
  const retried: Record<string, number> = {};
  const { workflowMs } = walkActivities(history.events ?? [], {
    completed(type, ms) {
      (durations[type] ??= []).push(ms);
    },
    retried(type) {
      retried[type] = (retried[type] ?? 0) + 1;
    },
  });
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
  return { workflowMs, activities };
}
