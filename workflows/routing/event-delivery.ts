import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { RouterEventActivities } from '../../activities/routing/events';
import {
  EVENT_REJECTED,
  type QueuedRouterEvent,
  type RouterEventBatch,
  type RouterEventDeliveryInput,
  routerEventDeliveryStatusQuery,
  routerEventsSignal,
} from '../../domain/routing/event-messages';
import { eventLane } from '../../domain/routing/events';

/** Continue as new before the history gets long (each POST adds a few events, each signal one). */
const MAX_HISTORY = 10_000;
const MAX_HISTORY_BYTES = 10 * 1024 * 1024;
/** Event ids remembered, so a retried fan-out (same events, same ids) is not delivered twice. */
const SEEN_KEPT = 2_000;
/** Before continuing as new, in-flight POSTs get this long to finish; the rest are sent again by the next run. */
const DRAIN_MS = 10_000;

const { recordRouterEventDrops } = proxyActivities<RouterEventActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});

function describe(error: unknown): string {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  // The innermost cause says what happened last (the receiver's answer, a timeout).
  while (current instanceof Error && current.cause instanceof Error) {
    current = current.cause;
    message = current instanceof Error && current.message ? current.message : message;
  }
  return message;
}

const rejected = (error: unknown): boolean =>
  error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === EVENT_REJECTED;

/**
 * Delivers a tenant's router events to one subscriber (workflow id `router-events/{tenant}/{subscription}`), started
 * by the first event's signal-with-start and ended after `idleMs` without events.
 *
 * - **Order per job**: events wait in lanes (one per job, one per worker for its registration events); a lane has at
 *   most one batch in flight and a batch holds a lane's events in emission order, so a receiver that handles
 *   requests in arrival order sees each job's events in order. Lanes do not wait for each other: up to `maxInFlight`
 *   POSTs of different lanes run at once.
 * - **Durable retries**: a POST is an activity retried by Temporal with exponential backoff (`initialIntervalMs`
 *   doubling up to `maximumIntervalMs`) until `maxAgeMs` after the batch was formed; then its events are dropped and
 *   the drop is logged. A 400 or 413 answer drops the batch at once.
 * - **Deduplication**: a batch keeps its delivery id across retries and across continue-as-new; event ids are
 *   stable. Receivers deduplicate by either.
 * - **Bounded**: at most `maxBacklogBytes` of undelivered events are kept (the oldest are dropped and logged beyond
 *   it), so the state carried across continue-as-new stays under Temporal's payload limit.
 */
export async function routerEventDelivery(input: RouterEventDeliveryInput): Promise<void> {
  const { tenantId, subscriptionId, tuning } = input;
  const pending: QueuedRouterEvent[] = [...(input.state?.pending ?? [])];
  let pendingBytes = pending.reduce((total, queued) => total + queued.bytes, 0);
  const resend: RouterEventBatch[] = [...(input.state?.batches ?? [])];
  const seenOrder: string[] = [...(input.state?.seen ?? [])];
  const seen = new Set(seenOrder);
  const inFlight = new Map<string, RouterEventBatch>();
  const busyLanes = new Set<string>();
  let drops: { deliveryId: string; eventIds: string[]; reason: string }[] = [];
  /** Bumped by every signal and every finished POST: the main loop wakes on it. */
  let changes = 0;

  const remember = (id: string): void => {
    seen.add(id);
    seenOrder.push(id);
    if (seenOrder.length > SEEN_KEPT) seen.delete(seenOrder.shift() ?? '');
  };

  setHandler(routerEventsSignal, ({ events }) => {
    for (const event of events) {
      if (seen.has(event.id)) continue;
      remember(event.id);
      const bytes = JSON.stringify(event).length;
      pending.push({ event, lane: eventLane(event), bytes });
      pendingBytes += bytes;
    }
    const overflow: string[] = [];
    while (pendingBytes > tuning.maxBacklogBytes && pending.length > 0) {
      const oldest = pending.shift();
      if (!oldest) break;
      pendingBytes -= oldest.bytes;
      overflow.push(oldest.event.id);
    }
    if (overflow.length > 0) {
      drops.push({ deliveryId: uuid4(), eventIds: overflow, reason: 'backlog full: the oldest undelivered events' });
    }
    changes += 1;
  });

  setHandler(routerEventDeliveryStatusQuery, () => ({
    pending: pending.length,
    inFlight: [...inFlight.values()].map((batch) => ({
      deliveryId: batch.deliveryId,
      events: batch.events.length,
      createdAt: batch.createdAt,
    })),
  }));

  /** The next batch: the oldest events of lanes with nothing in flight, each lane's events in order. */
  const nextBatch = (): RouterEventBatch | undefined => {
    const taken: QueuedRouterEvent[] = [];
    const kept: QueuedRouterEvent[] = [];
    const held = new Set<string>();
    let bytes = 0;
    for (const queued of pending) {
      const fits =
        taken.length < tuning.maxBatchEvents && (taken.length === 0 || bytes + queued.bytes <= tuning.maxBatchBytes);
      if (fits && !busyLanes.has(queued.lane) && !held.has(queued.lane)) {
        taken.push(queued);
        bytes += queued.bytes;
      } else {
        // A later event of this lane must not overtake this one.
        held.add(queued.lane);
        kept.push(queued);
      }
    }
    if (taken.length === 0) return undefined;
    pending.splice(0, pending.length, ...kept);
    pendingBytes -= bytes;
    return { deliveryId: uuid4(), createdAt: Date.now(), events: taken };
  };

  const send = async (batch: RouterEventBatch): Promise<void> => {
    const deadline = batch.createdAt + tuning.maxAgeMs;
    try {
      const { postRouterEvents } = proxyActivities<RouterEventActivities>({
        startToCloseTimeout: tuning.httpTimeoutMs + 10_000,
        // Retries stop here: the batch is then dropped. At least one attempt, even for a batch carried over late.
        scheduleToCloseTimeout: Math.max(1_000, deadline - Date.now()),
        retry: {
          initialInterval: tuning.initialIntervalMs,
          backoffCoefficient: 2,
          maximumInterval: tuning.maximumIntervalMs,
          nonRetryableErrorTypes: [EVENT_REJECTED],
        },
      });
      const result = await postRouterEvents({
        tenantId,
        subscriptionId,
        deliveryId: batch.deliveryId,
        events: batch.events.map((queued) => queued.event),
        deadline,
      });
      if (result.gone) {
        // The subscription was deleted: nothing waiting for it will ever be delivered.
        pending.length = 0;
        pendingBytes = 0;
        resend.length = 0;
      }
    } catch (error) {
      // A rejection was logged by the attempt itself; anything else here means the retries ran out.
      if (!rejected(error)) {
        drops.push({
          deliveryId: batch.deliveryId,
          eventIds: batch.events.map((queued) => queued.event.id),
          reason: `not delivered within ${Math.round(tuning.maxAgeMs / 1000)} s: ${describe(error)}`,
        });
      }
    } finally {
      inFlight.delete(batch.deliveryId);
      for (const queued of batch.events) busyLanes.delete(queued.lane);
      changes += 1;
    }
  };

  const launch = (): void => {
    while (inFlight.size < tuning.maxInFlight) {
      // Carried-over batches go first: until they are all in flight no new batch is formed, so no later event of
      // their lanes can overtake them.
      const batch = resend.shift() ?? nextBatch();
      if (!batch) return;
      for (const queued of batch.events) busyLanes.add(queued.lane);
      inFlight.set(batch.deliveryId, batch);
      void send(batch);
    }
  };

  const flushDrops = async (): Promise<void> => {
    if (drops.length === 0) return;
    const logged = drops;
    drops = [];
    await recordRouterEventDrops({ tenantId, subscriptionId, drops: logged }).catch(() => undefined);
  };

  const shouldContinueAsNew = (): boolean => {
    const info = workflowInfo();
    return info.historyLength > MAX_HISTORY || info.historySize > MAX_HISTORY_BYTES || info.continueAsNewSuggested;
  };

  for (;;) {
    launch();
    await flushDrops();
    const seenChanges = changes;
    if (pending.length === 0 && inFlight.size === 0 && resend.length === 0) {
      if (!(await condition(() => changes !== seenChanges, tuning.idleMs))) {
        await condition(allHandlersFinished);
        await flushDrops();
        if (pending.length === 0) return;
      }
    } else {
      await condition(() => changes !== seenChanges);
    }
    if (shouldContinueAsNew()) {
      await condition(() => inFlight.size === 0, DRAIN_MS);
      await condition(allHandlersFinished);
      await flushDrops();
      return continueAsNew<typeof routerEventDelivery>({
        tenantId,
        subscriptionId,
        tuning,
        state: { pending, batches: [...resend, ...inFlight.values()], seen: seenOrder },
      });
    }
  }
}
