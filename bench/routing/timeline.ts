/**
 * Where the time of one routing step went, from workflow histories: the events of a workflow between two instants,
 * each with its time relative to `originMs` (epoch ms, e.g. when the client sent its request; the Temporal dev server
 * runs on the same machine, so its event times share the clock) and what it is (`WorkflowTaskCompleted`,
 * `MarkerRecorded` for a local activity, `WorkflowExecutionSignaled jobChanged`, `WorkflowExecutionUpdateAccepted
 * upsertJob`, …).
 */
import type { Client } from '@temporalio/client';

export interface TimelineEvent {
  ms: number;
  event: string;
}

type Timestamp = { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined;

function timestampMs(ts: Timestamp): number {
  if (!ts) return 0;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds?.toNumber() ?? 0);
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000);
}

/** The event's kind from its attributes field (`workflowTaskCompletedEventAttributes` → `WorkflowTaskCompleted`). */
function describe(event: Record<string, unknown>): string {
  const field = Object.keys(event).find((key) => key.endsWith('EventAttributes') && event[key]);
  if (!field) return '?';
  const kind = field.replace(/EventAttributes$/, '');
  const attributes = event[field] as Record<string, unknown>;
  const name =
    (attributes.signalName as string | undefined) ??
    (attributes.acceptedRequest as { input?: { name?: string } } | undefined)?.input?.name ??
    (attributes.markerName as string | undefined);
  return `${kind[0]?.toUpperCase() ?? ''}${kind.slice(1)}${name ? ` ${name}` : ''}`;
}

/** The events of `workflowId` (its current run) from `fromMs` to `toMs` (epoch ms), relative to `originMs`. */
export async function timeline(
  client: Client,
  workflowId: string,
  originMs: number,
  fromMs: number,
  toMs: number,
): Promise<TimelineEvent[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const out: TimelineEvent[] = [];
  for (const event of history.events ?? []) {
    const at = timestampMs(event.eventTime as Timestamp);
    if (at < fromMs || at > toMs) continue;
    out.push({ ms: at - originMs, event: describe(event as unknown as Record<string, unknown>) });
  }
  return out;
}

export const describeTimeline = (events: readonly TimelineEvent[]): string =>
  events.map((e) => `+${e.ms} ${e.event}`).join(', ');

export interface WorkflowTaskStats {
  runs: number;
  workflowTasks: number;
  /** Scheduled → started: waiting for the worker to pick the task up. */
  queuedMs: { mean: number; p95: number };
  /** Started → completed: the worker processing it (local activities included). */
  processingMs: { mean: number; p95: number };
  /** Share of the window during which a workflow task of this workflow was scheduled or running. */
  busyShare: number;
  signals: Record<string, number>;
  localActivities: number;
  events: number;
}

/**
 * The workflow tasks of every run of `workflowId` (continued-as-new runs included) from `fromMs` to `toMs`: how many,
 * how long each waited and ran, and how much of the window the workflow had one in progress — a workflow that handles
 * one task at a time and is busy nearly all the window is where a pipeline queues.
 */
export async function workflowTaskStats(
  client: Client,
  workflowId: string,
  fromMs: number,
  toMs: number,
): Promise<WorkflowTaskStats> {
  const runIds: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runIds.push(execution.runId);
  }
  const queued: number[] = [];
  const processing: number[] = [];
  const signals: Record<string, number> = {};
  let busy = 0;
  let localActivities = 0;
  let events = 0;
  for (const runId of runIds) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    let scheduledAt: number | undefined;
    let startedAt: number | undefined;
    for (const event of history.events ?? []) {
      const at = timestampMs(event.eventTime as Timestamp);
      if (at < fromMs || at > toMs) continue;
      events += 1;
      if (event.workflowTaskScheduledEventAttributes) scheduledAt = at;
      else if (event.workflowTaskStartedEventAttributes) startedAt = at;
      else if (event.workflowTaskCompletedEventAttributes || event.workflowTaskFailedEventAttributes) {
        if (scheduledAt !== undefined && startedAt !== undefined) {
          queued.push(startedAt - scheduledAt);
          processing.push(at - startedAt);
          busy += at - scheduledAt;
        }
        scheduledAt = undefined;
        startedAt = undefined;
      } else if (event.workflowExecutionSignaledEventAttributes) {
        const name = event.workflowExecutionSignaledEventAttributes.signalName ?? '?';
        signals[name] = (signals[name] ?? 0) + 1;
      } else if (event.markerRecordedEventAttributes) localActivities += 1;
    }
  }
  const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mean = values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
    const p95 = sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)] ?? 0;
    return { mean: Math.round(mean), p95 };
  };
  return {
    runs: runIds.length,
    workflowTasks: queued.length,
    queuedMs: stats(queued),
    processingMs: stats(processing),
    busyShare: Math.round((busy / Math.max(1, toMs - fromMs)) * 100) / 100,
    signals,
    localActivities,
    events,
  };
}
