/**
 * Router event subscriptions and their deliveries log. Every read is by `_id` (the embedded FerretDB only uses an
 * index for `_id` equality, docs/architecture.md "The embedded store"):
 *
 * - collection `routing_event_subscriptions`, `_id = {tenantId}`: the tenant's subscriptions as JSON text (a tenant
 *   has few; the delivery activities read the whole list for every fan-out, so one read is the point). Secrets are
 *   sealed with the server key (AES-256-GCM, db/access-keys.ts), the tenant and subscription id as associated data.
 * - collection `routing_event_deliveries`, `_id = {tenantId}:{subscriptionId}`: the last attempts (and, apart, the
 *   last failures, so a stream of successes does not push them out), as JSON text.
 *
 * FerretDB 1.x has no atomic read-modify-write: writes of one document are serialized inside the process (a mutex
 * per `_id`). The API is the only writer of subscriptions, so that is exact for one API process; the deliveries log
 * is written by the worker's POST activities, where two worker processes writing the same subscription's log at the
 * same instant may lose one entry (it is a diagnostic log).
 */
import { type Connection, Schema } from 'mongoose';
import { z } from 'zod';
import type { DeliveryAttempt } from '../../domain/routing/event-messages';
import { EVENT_SCHEMAS, type EventSchema } from '../../domain/routing/event-envelopes';
import { decryptSecret, encryptSecret } from '../access-keys';
import { KeyedMutex } from './resources';

/** Attempts kept per subscription, and failures kept apart. */
export const DELIVERIES_KEPT = 100;
export const FAILURES_KEPT = 50;
/** Event ids listed per attempt (the count is always exact). */
export const EVENT_IDS_LISTED = 20;
/** Subscriptions per tenant (each is one delivery workflow and one POST per batch). */
export const MAX_SUBSCRIPTIONS = 25;

const listDocSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    /** JSON text: StoredEventSubscription[] in creation order. */
    body: { type: String, required: true },
  },
  { versionKey: false },
);

const logDocSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    subscriptionId: { type: String, required: true },
    /** JSON text: {attempts: DeliveryAttempt[], failures: DeliveryAttempt[]}, oldest first. */
    body: { type: String, required: true },
  },
  { versionKey: false },
);

export const eventSubscriptionModel = (connection: Connection) =>
  connection.model('RoutingEventSubscriptions', listDocSchema, 'routing_event_subscriptions');
export const eventDeliveryLogModel = (connection: Connection) =>
  connection.model('RoutingEventDeliveries', logDocSchema, 'routing_event_deliveries');

/** A subscription as the API shows it: never its secret. */
export interface EventSubscription {
  id: string;
  endpointUrl: string;
  /** Full event types; absent = every type. */
  eventTypes?: string[];
  schema: EventSchema;
  hasSecret: boolean;
  /** ISO 8601 */
  createdAt: string;
  updatedAt: string;
}

const storedSchema = z.object({
  id: z.string(),
  endpointUrl: z.string(),
  eventTypes: z.array(z.string()).optional(),
  schema: z.enum(EVENT_SCHEMAS),
  /** `v1.<iv>.<tag>.<ciphertext>` (db/access-keys.ts encryptSecret). */
  sealedSecret: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
type StoredSubscription = z.infer<typeof storedSchema>;

/** What the delivery activities need: the subscription with its clear secret. */
export interface DeliveryTarget {
  id: string;
  endpointUrl: string;
  eventTypes?: string[];
  schema: EventSchema;
  secret?: string;
}

export interface EventSubscriptionInput {
  id: string;
  endpointUrl: string;
  eventTypes?: string[];
  schema: EventSchema;
  secret?: string;
}

const logSchema = z.object({
  attempts: z.array(z.custom<DeliveryAttempt>()),
  failures: z.array(z.custom<DeliveryAttempt>()),
});

export interface EventSubscriptionStore {
  list(tenantId: string): Promise<EventSubscription[]>;
  get(tenantId: string, id: string): Promise<EventSubscription | undefined>;
  /**
   * Creates or replaces a subscription (PUT: absent fields are not kept); `created` when the id was new. Throws
   * `TooManySubscriptions` when a new one would exceed MAX_SUBSCRIPTIONS. `serverKey` is needed when a secret is set.
   */
  put(
    tenantId: string,
    input: EventSubscriptionInput,
    serverKey: Buffer | undefined,
  ): Promise<{ subscription: EventSubscription; created: boolean }>;
  /** Removes a subscription and its deliveries log; false when it did not exist. */
  remove(tenantId: string, id: string): Promise<boolean>;
  /** Every subscription with its clear secret (undecryptable secrets: `secretError` instead). */
  targets(tenantId: string, serverKey: Buffer | undefined): Promise<(DeliveryTarget & { secretError?: string })[]>;
  /** Appends attempts to the subscription's log (the newest DELIVERIES_KEPT are kept). */
  record(tenantId: string, subscriptionId: string, attempts: readonly DeliveryAttempt[]): Promise<void>;
  /** The log, newest first. */
  deliveries(
    tenantId: string,
    subscriptionId: string,
  ): Promise<{ attempts: DeliveryAttempt[]; failures: DeliveryAttempt[] }>;
}

export class TooManySubscriptions extends Error {}

const mutex = new KeyedMutex();
const logDocId = (tenantId: string, subscriptionId: string): string => `${tenantId}:${subscriptionId}`;
const secretContext = (tenantId: string, subscriptionId: string): string =>
  `event-subscription/${tenantId}/${subscriptionId}`;

const publicView = (stored: StoredSubscription): EventSubscription => ({
  id: stored.id,
  endpointUrl: stored.endpointUrl,
  ...(stored.eventTypes === undefined ? {} : { eventTypes: stored.eventTypes }),
  schema: stored.schema,
  hasSecret: stored.sealedSecret !== undefined,
  createdAt: stored.createdAt,
  updatedAt: stored.updatedAt,
});

export function eventSubscriptionStore(connection: Connection): EventSubscriptionStore {
  const lists = eventSubscriptionModel(connection);
  const logs = eventDeliveryLogModel(connection);

  const readList = async (tenantId: string): Promise<StoredSubscription[]> => {
    const doc: unknown = await lists.findById(tenantId).lean();
    if (doc === null || doc === undefined) return [];
    const { body } = z.object({ body: z.string() }).parse(doc);
    return z.array(storedSchema).parse(JSON.parse(body));
  };
  const writeList = async (tenantId: string, items: readonly StoredSubscription[]): Promise<void> => {
    if (items.length === 0) {
      await lists.deleteOne({ _id: tenantId });
      return;
    }
    await lists.replaceOne(
      { _id: tenantId },
      { _id: tenantId, tenantId, body: JSON.stringify(items) },
      { upsert: true },
    );
  };
  const readLog = async (tenantId: string, subscriptionId: string) => {
    const doc: unknown = await logs.findById(logDocId(tenantId, subscriptionId)).lean();
    if (doc === null || doc === undefined) return { attempts: [], failures: [] };
    const { body } = z.object({ body: z.string() }).parse(doc);
    return logSchema.parse(JSON.parse(body));
  };

  return {
    list: async (tenantId) => (await readList(tenantId)).map(publicView),

    get: async (tenantId, id) => {
      const found = (await readList(tenantId)).find((item) => item.id === id);
      return found && publicView(found);
    },

    put: (tenantId, input, serverKey) =>
      mutex.run(`subscriptions:${tenantId}`, async () => {
        const items = await readList(tenantId);
        const existing = items.find((item) => item.id === input.id);
        if (!existing && items.length >= MAX_SUBSCRIPTIONS) {
          throw new TooManySubscriptions(`A tenant has at most ${MAX_SUBSCRIPTIONS} event subscriptions.`);
        }
        if (input.secret !== undefined && !serverKey) throw new Error('a secret needs the server key');
        const now = new Date().toISOString();
        const stored: StoredSubscription = {
          id: input.id,
          endpointUrl: input.endpointUrl,
          ...(input.eventTypes === undefined ? {} : { eventTypes: input.eventTypes }),
          schema: input.schema,
          ...(input.secret === undefined || !serverKey
            ? {}
            : { sealedSecret: encryptSecret(serverKey, input.secret, secretContext(tenantId, input.id)) }),
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
        };
        const next = existing ? items.map((item) => (item === existing ? stored : item)) : [...items, stored];
        await writeList(tenantId, next);
        return { subscription: publicView(stored), created: !existing };
      }),

    remove: (tenantId, id) =>
      mutex.run(`subscriptions:${tenantId}`, async () => {
        const items = await readList(tenantId);
        if (!items.some((item) => item.id === id)) return false;
        await writeList(
          tenantId,
          items.filter((item) => item.id !== id),
        );
        await mutex.run(`log:${logDocId(tenantId, id)}`, () => logs.deleteOne({ _id: logDocId(tenantId, id) }));
        return true;
      }),

    targets: async (tenantId, serverKey) =>
      (await readList(tenantId)).map((item) => {
        const target: DeliveryTarget & { secretError?: string } = {
          id: item.id,
          endpointUrl: item.endpointUrl,
          ...(item.eventTypes === undefined ? {} : { eventTypes: item.eventTypes }),
          schema: item.schema,
        };
        if (item.sealedSecret === undefined) return target;
        if (!serverKey) return { ...target, secretError: 'CCFLOW_SECRET_KEY is not set: the secret cannot be read' };
        try {
          return { ...target, secret: decryptSecret(serverKey, item.sealedSecret, secretContext(tenantId, item.id)) };
        } catch {
          return { ...target, secretError: 'the secret does not decrypt with the current CCFLOW_SECRET_KEY' };
        }
      }),

    record: (tenantId, subscriptionId, attempts) => {
      const docId = logDocId(tenantId, subscriptionId);
      return mutex.run(`log:${docId}`, async () => {
        const log = await readLog(tenantId, subscriptionId);
        const trimmed = attempts.map((attempt) => ({
          ...attempt,
          eventIds: attempt.eventIds.slice(0, EVENT_IDS_LISTED),
        }));
        const next = {
          attempts: [...log.attempts, ...trimmed].slice(-DELIVERIES_KEPT),
          failures: [...log.failures, ...trimmed.filter((attempt) => attempt.outcome !== 'delivered')].slice(
            -FAILURES_KEPT,
          ),
        };
        await logs.replaceOne(
          { _id: docId },
          { _id: docId, tenantId, subscriptionId, body: JSON.stringify(next) },
          { upsert: true },
        );
      });
    },

    deliveries: async (tenantId, subscriptionId) => {
      const log = await readLog(tenantId, subscriptionId);
      return { attempts: [...log.attempts].reverse(), failures: [...log.failures].reverse() };
    },
  };
}
