/**
 * Router event subscriptions on the native API (`/v1/routing/event-subscriptions…`, Bearer API key, problem+json):
 * where a tenant's Job Router events go (docs/routing.md "Events"). Secrets are write-only: stored sealed with the
 * server key, never shown again.
 */
import { z } from 'zod';
import { serverKeyFrom } from '../../db/access-keys';
import { type EventSubscription, MAX_SUBSCRIPTIONS, TooManySubscriptions } from '../../db/routing/event-subscriptions';
import { ServiceError } from '../../domain/errors';
import { EVENT_SCHEMAS } from '../../domain/routing/event-envelopes';
import { parseRouterEventType, type RouterEventType } from '../../domain/routing/events';
import type { ApiDeps } from '../context';
import { defineRoute } from '../http/route';

const BASE = '/v1/routing/event-subscriptions';

const subscriptionParams = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be 1-100 letters, digits, ".", "_" or "-", starting with one'),
});

const putBody = z.object({
  endpointUrl: z
    .url()
    .regex(/^https?:\/\//i, 'must be an http:// or https:// URL')
    .max(2048)
    .describe('Where events are POSTed (a JSON array per request)'),
  eventTypes: z
    .array(
      z.string().refine((value) => parseRouterEventType(value) !== undefined, {
        message: 'must be one of the 21 Microsoft.Communication.Router* event types (or its short name)',
      }),
    )
    .min(1)
    .max(21)
    .optional()
    .describe('Only these types (e.g. Microsoft.Communication.RouterJobQueued or RouterJobQueued); absent: all'),
  schema: z
    .enum(EVENT_SCHEMAS)
    .default('eventGrid')
    .describe('eventGrid: Event Grid schema (application/json); cloudEvents: CloudEvents 1.0 JSON batch'),
  secret: z
    .string()
    .min(16)
    .max(512)
    .optional()
    .describe('HMAC-SHA256 key of the x-ccflow-signature header; write-only'),
});

const subscriptionSchema = z.object({
  id: z.string(),
  endpointUrl: z.string(),
  eventTypes: z.array(z.string()).optional().describe('Absent: every event type'),
  schema: z.enum(EVENT_SCHEMAS),
  hasSecret: z.boolean().describe('Whether requests are signed (the secret itself is never shown)'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

const attemptSchema = z.object({
  at: z.iso.datetime(),
  deliveryId: z.string().describe('x-ccflow-delivery-id: the same for every attempt of a batch'),
  attempt: z.number().int().describe('1 for the first POST of a batch; 0 for a drop without a POST'),
  eventIds: z.array(z.string()).describe('The first 20 event ids of the batch'),
  eventCount: z.number().int(),
  outcome: z.enum(['delivered', 'failed', 'dropped']),
  status: z.number().int().optional().describe("The receiver's HTTP status"),
  error: z.string().optional(),
  durationMs: z.number().optional(),
  nextRetryAt: z.iso.datetime().optional(),
});

export function eventSubscriptionRoutes({ db, config }: Pick<ApiDeps, 'db' | 'config'>) {
  const serverKey = config.CCFLOW_SECRET_KEY ? serverKeyFrom(config.CCFLOW_SECRET_KEY) : undefined;
  const existing = async (tenantId: string, id: string): Promise<EventSubscription> => {
    const found = await db.eventSubscriptions.get(tenantId, id);
    if (!found) throw new ServiceError('notFound', `Event subscription ${id} not found.`);
    return found;
  };
  return [
    defineRoute({
      method: 'put',
      path: `${BASE}/:id`,
      summary: 'Create or replace a router event subscription (201 created, 200 replaced)',
      tags: ['routing events'],
      auth: 'tenant',
      params: subscriptionParams,
      body: putBody,
      responses: {
        200: { description: 'Replaced', schema: subscriptionSchema },
        201: { description: 'Created', schema: subscriptionSchema },
      },
      async handler({ res, params, body, tenant }) {
        if (body.secret !== undefined && !serverKey) {
          throw new ServiceError(
            'notReady',
            'Signed event subscriptions are disabled: CCFLOW_SECRET_KEY is not set on the server.',
          );
        }
        const eventTypes = body.eventTypes
          ? [...new Set(body.eventTypes.map((type) => parseRouterEventType(type) as RouterEventType))]
          : undefined;
        try {
          const { subscription, created } = await db.eventSubscriptions.put(
            tenant.id,
            {
              id: params.id,
              endpointUrl: body.endpointUrl,
              ...(eventTypes ? { eventTypes } : {}),
              schema: body.schema,
              ...(body.secret === undefined ? {} : { secret: body.secret }),
            },
            serverKey,
          );
          res.status(created ? 201 : 200).json(subscription);
        } catch (error) {
          if (error instanceof TooManySubscriptions) {
            throw new ServiceError('conflict', `${error.message} Delete one first.`, { limit: MAX_SUBSCRIPTIONS });
          }
          throw error;
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: BASE,
      summary: "The tenant's router event subscriptions (never their secrets)",
      tags: ['routing events'],
      auth: 'tenant',
      responses: {
        200: { description: 'In creation order', schema: z.object({ items: z.array(subscriptionSchema) }) },
      },
      async handler({ res, tenant }) {
        res.json({ items: await db.eventSubscriptions.list(tenant.id) });
      },
    }),
    defineRoute({
      method: 'get',
      path: `${BASE}/:id`,
      summary: 'One router event subscription (never its secret)',
      tags: ['routing events'],
      auth: 'tenant',
      params: subscriptionParams,
      responses: { 200: { description: 'The subscription', schema: subscriptionSchema } },
      async handler({ res, params, tenant }) {
        res.json(await existing(tenant.id, params.id));
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${BASE}/:id`,
      summary: 'Delete a router event subscription and its deliveries log; undelivered events are dropped',
      tags: ['routing events'],
      auth: 'tenant',
      params: subscriptionParams,
      responses: { 204: { description: 'Deleted' } },
      async handler({ res, params, tenant }) {
        if (!(await db.eventSubscriptions.remove(tenant.id, params.id))) {
          throw new ServiceError('notFound', `Event subscription ${params.id} not found.`);
        }
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: `${BASE}/:id/deliveries`,
      summary: 'Recent delivery attempts of a subscription (the last 100) and, apart, its last 50 failures',
      tags: ['routing events'],
      auth: 'tenant',
      params: subscriptionParams,
      responses: {
        200: {
          description: 'Newest first',
          schema: z.object({ items: z.array(attemptSchema), failures: z.array(attemptSchema) }),
        },
      },
      async handler({ res, params, tenant }) {
        await existing(tenant.id, params.id);
        const { attempts, failures } = await db.eventSubscriptions.deliveries(tenant.id, params.id);
        res.json({ items: attempts, failures });
      },
    }),
  ];
}
