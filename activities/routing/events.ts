/**
 * Router events leave ccflow here (docs/routing.md "Events"):
 *
 * - `deliverRouterEvents` is what the routing workflows call with the events of a change: it reads the tenant's
 *   subscriptions (cached a few seconds), keeps for each the event types it wants, fills in queue names and labels,
 *   and signals each subscription's delivery workflow (`router-events/{tenant}/{subscription}`, started if needed).
 *   It never talks to a subscriber, so a slow or broken receiver cannot hold up routing.
 * - `postRouterEvents` is one POST of a batch to a subscriber, run by the delivery workflow with a retry policy
 *   (exponential backoff, up to `maxAgeMs`). Every attempt is written to the subscription's deliveries log.
 * - `recordRouterEventDrops` logs events the delivery workflow gave up on.
 *
 * Idempotent: a retried fan-out signals the same events (same ids), which the delivery workflow ignores; a retried
 * POST carries the same delivery id, by which receivers deduplicate.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { serverKeyFrom } from '../../db/access-keys';
import type { DeliveryTarget } from '../../db/routing/event-subscriptions';
import { durationMs } from '../../domain/config';
import { taskQueue } from '../../domain/ids';
import {
  DEFAULT_DELIVERY_TUNING,
  type DeliveryAttempt,
  EVENT_DELIVERY_FAILED,
  EVENT_REJECTED,
  ROUTER_EVENT_DELIVERY_WORKFLOW,
  type DeliveryTuning,
  routerEventDeliveryWorkflowId,
  routerEventsSignal,
} from '../../domain/routing/event-messages';
import {
  DELIVERY_ID_HEADER,
  eventBatchBody,
  eventSignature,
  routerEventTopic,
  SIGNATURE_HEADER,
} from '../../domain/routing/event-envelopes';
import { eventTypeSelected, type RouterEvent } from '../../domain/routing/events';
import { routerQueueSchema } from '../../domain/routing/models';
import { CapabilityAttribute, TenantIdAttribute } from '../../domain/search-attributes';
import type { ActivityDeps } from '../deps';

/**
 * Environment variables that shorten (or lengthen) delivery: durations such as `500ms`, `30s`, `10m`, `24h`.
 * CCFLOW_EVENT_RETRY_INITIAL (1s), CCFLOW_EVENT_RETRY_MAX (10m), CCFLOW_EVENT_RETRY_FOR (24h),
 * CCFLOW_EVENT_HTTP_TIMEOUT (30s), CCFLOW_EVENT_SUBSCRIPTION_CACHE (5s).
 */
export const DELIVERY_TUNING_ENV = {
  CCFLOW_EVENT_RETRY_INITIAL: 'initialIntervalMs',
  CCFLOW_EVENT_RETRY_MAX: 'maximumIntervalMs',
  CCFLOW_EVENT_RETRY_FOR: 'maxAgeMs',
  CCFLOW_EVENT_HTTP_TIMEOUT: 'httpTimeoutMs',
  CCFLOW_EVENT_SUBSCRIPTION_CACHE: 'subscriptionCacheMs',
} as const satisfies Record<string, keyof DeliveryTuning>;

/** Delivery settings from the defaults, then the environment (or the same keys on the config), then `overrides`. */
export function deliveryTuning(
  sources: readonly Record<string, unknown>[],
  overrides: Partial<DeliveryTuning> = {},
): DeliveryTuning {
  const tuning: DeliveryTuning = { ...DEFAULT_DELIVERY_TUNING };
  for (const source of sources) {
    for (const [name, field] of Object.entries(DELIVERY_TUNING_ENV)) {
      const value = source[name];
      if (typeof value === 'string' && value !== '') tuning[field] = durationMs(value);
      else if (typeof value === 'number') tuning[field] = value;
    }
  }
  return { ...tuning, ...overrides };
}

export interface RouterEventActivityOptions {
  /** Replaces the configured delivery settings (tests). */
  tuning?: Partial<DeliveryTuning>;
}

/** The next retry of attempt `attempt` under Temporal's exponential policy, unless it falls after the deadline. */
export function nextRetryAt(
  tuning: DeliveryTuning,
  attempt: number,
  now: number,
  deadline: number,
): number | undefined {
  const interval = Math.min(tuning.initialIntervalMs * 2 ** Math.max(0, attempt - 1), tuning.maximumIntervalMs);
  const at = now + interval;
  return at < deadline ? at : undefined;
}

function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1; // called outside an activity (tests)
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String(cause.code) : undefined;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'no answer within the timeout';
  return code ? `${error.message}: ${code}` : error.message;
}

export function createRouterEventActivities(
  { db, temporal, config, logger }: ActivityDeps,
  options: RouterEventActivityOptions = {},
) {
  const tuning = deliveryTuning([process.env, config as unknown as Record<string, unknown>], options.tuning);
  const serverKey = config.CCFLOW_SECRET_KEY ? serverKeyFrom(config.CCFLOW_SECRET_KEY) : undefined;
  const routerTaskQueue = taskQueue('routing', config.CCFLOW_TASK_QUEUE_PREFIX);

  type Target = DeliveryTarget & { secretError?: string };
  const cache = new Map<string, { at: number; targets: Promise<Target[]> }>();
  const targetsOf = (tenantId: string): Promise<Target[]> => {
    const now = Date.now();
    const cached = cache.get(tenantId);
    if (cached && now - cached.at < tuning.subscriptionCacheMs) return cached.targets;
    const targets = db.eventSubscriptions.targets(tenantId, serverKey);
    cache.set(tenantId, { at: now, targets });
    // A failed read is not cached.
    targets.catch(() => cache.delete(tenantId));
    if (cache.size > 10_000) cache.delete(cache.keys().next().value ?? '');
    return targets;
  };

  /** QueueDetails `{id, name, labels}` from the queue resources (the workflows know only the id). */
  async function enrichQueueDetails(tenantId: string, events: readonly RouterEvent[]): Promise<RouterEvent[]> {
    const details = (value: unknown): value is { id: string } =>
      typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string';
    const ids = new Set<string>();
    for (const event of events) {
      const { queueDetails, queueAssignments } = event.data;
      if (details(queueDetails)) ids.add(queueDetails.id);
      if (Array.isArray(queueAssignments)) for (const entry of queueAssignments) if (details(entry)) ids.add(entry.id);
    }
    if (ids.size === 0) return [...events];
    const known = new Map<string, Record<string, unknown>>();
    await Promise.all(
      [...ids].map(async (id) => {
        const stored = await db.routing.get(tenantId, 'queues', id);
        const parsed = stored ? routerQueueSchema.safeParse(stored.resource) : undefined;
        known.set(
          id,
          parsed?.success
            ? { id, ...(parsed.data.name === undefined ? {} : { name: parsed.data.name }), labels: parsed.data.labels }
            : { id, labels: {} },
        );
      }),
    );
    const fill = (value: unknown): unknown => (details(value) ? (known.get(value.id) ?? value) : value);
    return events.map((event) => {
      const { queueDetails, queueAssignments } = event.data;
      if (!details(queueDetails) && !Array.isArray(queueAssignments)) return event;
      const data = { ...event.data };
      if (details(queueDetails)) data.queueDetails = fill(queueDetails);
      if (Array.isArray(queueAssignments)) data.queueAssignments = queueAssignments.map(fill);
      return { ...event, data };
    });
  }

  async function record(tenantId: string, subscriptionId: string, attempts: DeliveryAttempt[]): Promise<void> {
    try {
      await db.eventSubscriptions.record(tenantId, subscriptionId, attempts);
    } catch (error) {
      // The log is diagnostic: a failed write must not turn a delivered batch into a retried one.
      logger.warn({ err: error, tenantId, subscriptionId }, 'router event deliveries log not written');
    }
  }

  return {
    /**
     * Hands a change's events to every subscription that wants them (signal-with-start of its delivery workflow).
     * Events are in emission order; call it again only after the previous call finished, so a job's events stay in
     * order. Returns how many subscriptions were signalled.
     */
    async deliverRouterEvents(input: { tenantId: string; events: RouterEvent[] }): Promise<{ subscriptions: number }> {
      const { tenantId, events } = input;
      if (events.length === 0) return { subscriptions: 0 };
      const targets = await targetsOf(tenantId);
      const wanted = targets
        .map((target) => ({
          target,
          ids: new Set(events.filter((e) => eventTypeSelected(e.eventType, target.eventTypes)).map((e) => e.id)),
        }))
        .filter(({ ids }) => ids.size > 0);
      if (wanted.length === 0) return { subscriptions: 0 };
      const enriched = await enrichQueueDetails(tenantId, events);
      await Promise.all(
        wanted.map(({ target, ids }) =>
          temporal.workflow.signalWithStart(ROUTER_EVENT_DELIVERY_WORKFLOW, {
            workflowId: routerEventDeliveryWorkflowId(tenantId, target.id),
            taskQueue: routerTaskQueue,
            args: [{ tenantId, subscriptionId: target.id, tuning }],
            signal: routerEventsSignal,
            signalArgs: [{ events: enriched.filter((event) => ids.has(event.id)) }],
            typedSearchAttributes: [
              { key: TenantIdAttribute, value: tenantId },
              { key: CapabilityAttribute, value: 'routing' },
            ],
          }),
        ),
      );
      return { subscriptions: wanted.length };
    },

    /**
     * One POST of a batch: 2xx delivers it; 400 and 413 reject it for good (the same bytes would be refused
     * again); anything else (5xx, 429, 3xx, no answer) fails this attempt and Temporal retries it with backoff.
     * `gone` when the subscription no longer exists.
     */
    async postRouterEvents(input: {
      tenantId: string;
      subscriptionId: string;
      deliveryId: string;
      events: RouterEvent[];
      /** ms: the batch is dropped after this; no retry is announced beyond it. */
      deadline: number;
    }): Promise<{ status?: number; gone?: boolean }> {
      const { tenantId, subscriptionId, deliveryId, events } = input;
      const attempt = currentAttempt();
      const target = (await targetsOf(tenantId)).find((candidate) => candidate.id === subscriptionId);
      if (!target) return { gone: true };
      const { body, contentType } = eventBatchBody(events, target.schema, routerEventTopic(tenantId));
      const entry = (fields: Partial<DeliveryAttempt>): DeliveryAttempt => ({
        at: new Date().toISOString(),
        deliveryId,
        attempt,
        eventIds: events.map((event) => event.id),
        eventCount: events.length,
        outcome: 'failed',
        ...fields,
      });
      const retryAt = (): string | undefined => {
        const at = nextRetryAt(tuning, attempt, Date.now(), input.deadline);
        return at === undefined ? undefined : new Date(at).toISOString();
      };

      if (target.secretError !== undefined) {
        const error = `not sent: ${target.secretError}`;
        await record(tenantId, subscriptionId, [entry({ error, ...optional('nextRetryAt', retryAt()) })]);
        throw ApplicationFailure.retryable(error, EVENT_DELIVERY_FAILED);
      }
      const headers: Record<string, string> = {
        'content-type': contentType,
        'aeg-event-type': 'Notification',
        'aeg-subscription-name': subscriptionId,
        'aeg-delivery-count': String(attempt - 1),
        'aeg-data-version': '1.0',
        'aeg-metadata-version': '1',
        [DELIVERY_ID_HEADER]: deliveryId,
        'x-ccflow-delivery-attempt': String(attempt),
        'user-agent': 'ccflow-router-events/1',
      };
      if (target.secret !== undefined) headers[SIGNATURE_HEADER] = eventSignature(target.secret, body);

      const started = Date.now();
      let status: number | undefined;
      let error: string | undefined;
      try {
        const response = await fetch(target.endpointUrl, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(tuning.httpTimeoutMs),
        });
        status = response.status;
        await response.body?.cancel().catch(() => undefined);
      } catch (caught) {
        error = describeError(caught);
      }
      const durationMs = Date.now() - started;
      if (status !== undefined && status >= 200 && status < 300) {
        await record(tenantId, subscriptionId, [entry({ outcome: 'delivered', status, durationMs })]);
        return { status };
      }
      if (status === 400 || status === 413) {
        const message = `${target.endpointUrl} rejected the batch with ${status}; it is not sent again`;
        await record(tenantId, subscriptionId, [entry({ outcome: 'dropped', status, durationMs, error: message })]);
        throw ApplicationFailure.nonRetryable(message, EVENT_REJECTED);
      }
      const why = error ?? `answered ${status ?? '?'}`;
      await record(tenantId, subscriptionId, [
        entry({ ...optional('status', status), durationMs, error: why, ...optional('nextRetryAt', retryAt()) }),
      ]);
      throw ApplicationFailure.retryable(`POST ${target.endpointUrl}: ${why}`, EVENT_DELIVERY_FAILED);
    },

    /** Logs events the delivery workflow gave up on (too old, backlog full). */
    async recordRouterEventDrops(input: {
      tenantId: string;
      subscriptionId: string;
      drops: { deliveryId: string; eventIds: string[]; reason: string }[];
    }): Promise<void> {
      const { tenantId, subscriptionId } = input;
      if (!(await targetsOf(tenantId)).some((target) => target.id === subscriptionId)) return;
      logger.warn({ tenantId, subscriptionId, drops: input.drops.length }, 'router events dropped');
      await record(
        tenantId,
        subscriptionId,
        input.drops.map((drop) => ({
          at: new Date().toISOString(),
          deliveryId: drop.deliveryId,
          attempt: 0,
          eventIds: drop.eventIds,
          eventCount: drop.eventIds.length,
          outcome: 'dropped',
          error: drop.reason,
        })),
      );
    },
  };
}

const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

export type RouterEventActivities = ReturnType<typeof createRouterEventActivities>;
