/**
 * The messages of the router-event delivery workflow (`routerEventDelivery`, one per tenant and subscription,
 * workflow id `router-events/{tenantId}/{subscriptionId}`), defined once for its callers (the routing activities)
 * and the workflow itself. Secrets and endpoint URLs never cross Temporal: the POST activity reads them from the
 * subscription store at each attempt.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RouterEvent } from './events';

/** The workflow type of the delivery workflow (workflows/routing/event-delivery.ts). */
export const ROUTER_EVENT_DELIVERY_WORKFLOW = 'routerEventDelivery';

/** Failure types of the POST activity: a rejection (400, 413) is never retried; any other failure is. */
export const EVENT_REJECTED = 'RouterEventRejected';
export const EVENT_DELIVERY_FAILED = 'RouterEventDeliveryFailed';

/** The delivery workflow of a tenant's subscription. (Candidate for domain/ids.ts.) */
export const routerEventDeliveryWorkflowId = (tenantId: string, subscriptionId: string): string =>
  `router-events/${tenantId}/${subscriptionId}`;

/**
 * How hard delivery tries, all in milliseconds. Production defaults in DEFAULT_DELIVERY_TUNING; tests shorten them
 * (CCFLOW_EVENT_RETRY_* environment variables, or the activities factory's options).
 */
export interface DeliveryTuning {
  /** First retry after a failed POST; each later one waits twice as long… */
  initialIntervalMs: number;
  /** …up to this. */
  maximumIntervalMs: number;
  /** A batch not delivered this long after it was formed is dropped (and recorded as dropped). */
  maxAgeMs: number;
  /** One POST waits this long for an answer. */
  httpTimeoutMs: number;
  /** Events per POST (Event Grid delivers arrays). */
  maxBatchEvents: number;
  /** JSON bytes per POST, about. */
  maxBatchBytes: number;
  /** POSTs in flight per subscription (each for other jobs: a job's events are never in two at once). */
  maxInFlight: number;
  /** Undelivered events kept per subscription (JSON bytes); beyond it the oldest are dropped and recorded. */
  maxBacklogBytes: number;
  /** The workflow ends after this long without events (the next event starts it again). */
  idleMs: number;
  /** How long the activities cache a tenant's subscriptions. */
  subscriptionCacheMs: number;
}

export const DEFAULT_DELIVERY_TUNING: DeliveryTuning = {
  initialIntervalMs: 1_000,
  maximumIntervalMs: 10 * 60_000,
  maxAgeMs: 24 * 60 * 60_000,
  httpTimeoutMs: 30_000,
  maxBatchEvents: 50,
  maxBatchBytes: 128 * 1024,
  maxInFlight: 4,
  maxBacklogBytes: 1024 * 1024,
  idleMs: 10 * 60_000,
  subscriptionCacheMs: 5_000,
};

/** Events on their way to one subscriber, in emission order. */
export interface QueuedRouterEvent {
  event: RouterEvent;
  lane: string;
  /** JSON size of the event (batch and backlog limits). */
  bytes: number;
}

/** One POST: its events and the delivery id that stays the same across its retries. */
export interface RouterEventBatch {
  deliveryId: string;
  /** ms: when the batch was formed; it is dropped `maxAgeMs` later if still not delivered. */
  createdAt: number;
  events: QueuedRouterEvent[];
}

export interface RouterEventDeliveryInput {
  tenantId: string;
  subscriptionId: string;
  tuning: DeliveryTuning;
  /** Carried across continue-as-new. */
  state?: {
    pending: QueuedRouterEvent[];
    /** Batches that were in flight: sent again with the same delivery id (receivers deduplicate by it). */
    batches: RouterEventBatch[];
    /** Recently accepted event ids (a retried fan-out signals the same events again). */
    seen: string[];
  };
}

/** Events for the subscription, already filtered by its event types. */
export const routerEventsSignal = defineSignal<[{ events: RouterEvent[] }]>('routerEvents');

export interface RouterEventDeliveryStatus {
  pending: number;
  inFlight: { deliveryId: string; events: number; createdAt: number }[];
}
/** What is waiting and in flight (for operators, from the Web UI). */
export const routerEventDeliveryStatusQuery = defineQuery<RouterEventDeliveryStatus>('deliveryStatus');

/** One POST attempt (or a drop) as the deliveries log shows it. */
export interface DeliveryAttempt {
  /** ISO 8601 */
  at: string;
  deliveryId: string;
  /** 1 for the first POST of a batch; 0 for a drop that made no POST. */
  attempt: number;
  eventIds: string[];
  eventCount: number;
  /** delivered: 2xx; failed: retried later; dropped: given up (rejected with 400/413, too old, backlog full). */
  outcome: 'delivered' | 'failed' | 'dropped';
  status?: number;
  error?: string;
  durationMs?: number;
  /** ISO 8601: when the next attempt is due (failed only, when one is left). */
  nextRetryAt?: string;
}
