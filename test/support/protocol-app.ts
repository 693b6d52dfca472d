/**
 * A small server assembled from the production HTTP building blocks (route groups, the three error envelopes, the
 * body parsers, ACS HMAC and Alibaba signature verification, the RPC dispatcher) with TEST routes and actions, so the
 * wire protocols can be driven by real clients (curl, the official Python SDKs) before the real operations exist.
 * Keys live in memory; nothing here touches Temporal or the database.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request } from 'express';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { z } from 'zod';
import { ServiceError } from '../../domain/errors';
import type { Tenant } from '../../api/context';
import { requireApiVersion } from '../../api/http/api-version';
import { type AcsAccessKey, acsHmac } from '../../api/http/auth/acs-hmac';
import { type AlibabaAccessKey, alibabaSignature, memoryNonceStore } from '../../api/http/auth/alibaba-signature';
import { tenantAuthentication } from '../../api/http/auth/strategy';
import { bodyParsers } from '../../api/http/body-parsers';
import { alibabaEnvelope } from '../../api/http/envelopes/alibaba';
import { azureEnvelope } from '../../api/http/envelopes/azure';
import { problemEnvelope } from '../../api/http/envelopes/problem';
import { defineRoute } from '../../api/http/route';
import { mountRouteGroups, type RouteGroup } from '../../api/http/route-group';
import { defineAction, type RpcAction, repeatList, rpcActionOf, rpcParams } from '../../api/http/rpc';

export const ROUTER_VERSION = '2023-11-01';
export const OUTBOUND_VERSION = '2019-12-26';

const tenant = (id: string): Tenant => ({ id, name: `Tenant ${id}`, apiKeyPrefix: 'test' });

/** ACS access keys (base64, as in a connection string's `accesskey=`), one per tenant. */
export const ACS_KEYS = {
  'tenant-a': Buffer.from('ccflow protocol test ACS key, tenant A').toString('base64'),
  'tenant-b': Buffer.from('ccflow protocol test ACS key, tenant B').toString('base64'),
} as const;
/** A well-formed key no tenant owns. */
export const UNKNOWN_ACS_KEY = Buffer.from('ccflow protocol test ACS key, nobody').toString('base64');

/** Alibaba AccessKey pairs, one per tenant. */
export const ALIBABA_KEYS = {
  LTAI5tCcflowTestTenantA: { tenant: 'tenant-a', secret: 'ccflowTestSecretForTenantA01' },
  LTAI5tCcflowTestTenantB: { tenant: 'tenant-b', secret: 'ccflowTestSecretForTenantB02' },
} as const;

const acsKeys: readonly AcsAccessKey[] = Object.entries(ACS_KEYS).map(([id, secret]) => ({
  tenant: tenant(id),
  secret,
}));

async function findAlibabaKey(accessKeyId: string): Promise<AlibabaAccessKey | undefined> {
  const entry = Object.entries(ALIBABA_KEYS).find(([id]) => id === accessKeyId)?.[1];
  return entry ? { tenant: tenant(entry.tenant), secret: entry.secret } : undefined;
}

const noAdmin = (_req: Request, _res: express.Response, next: express.NextFunction): void =>
  next(new ServiceError('forbidden', 'No administrative routes in the protocol test app.'));

/** RouterQueue as the 2023-11-01 model has it (job-router.md §3.2); the service adds `labels.Id`. */
function queueView(id: string, owner: Tenant, patch: Record<string, unknown> = {}): Record<string, unknown> {
  const labels = typeof patch.labels === 'object' && patch.labels !== null ? patch.labels : {};
  return {
    id,
    etag: '"1"',
    name: `Queue ${id}`,
    distributionPolicyId: 'dp-1',
    ...patch,
    labels: { ...labels, Id: id, Tenant: owner.id },
  };
}

const idParams = z.object({ id: z.string() });

function routingGroup(): RouteGroup {
  return {
    name: 'routing',
    prefix: '/routing',
    envelope: azureEnvelope,
    parsers: [bodyParsers.jsonAndMergePatch()],
    preconditions: [requireApiVersion(ROUTER_VERSION)],
    authenticate: { tenant: tenantAuthentication([acsHmac(async () => acsKeys)]), admin: noAdmin },
    routes: [
      defineRoute({
        method: 'get',
        path: '/things/:id',
        summary: 'TEST: echo a path parameter',
        tags: ['test'],
        auth: 'none',
        params: idParams,
        responses: { 200: { description: 'The thing' } },
        async handler({ res, params }) {
          res.json({ id: params.id });
        },
      }),
      defineRoute({
        method: 'patch',
        path: '/things/:id',
        summary: 'TEST: merge-patch a thing',
        tags: ['test'],
        auth: 'none',
        params: idParams,
        body: z.record(z.string(), z.unknown()),
        responses: { 200: { description: 'The merged thing' } },
        async handler({ req, res, params, body }) {
          res.json({ id: params.id, contentType: req.headers['content-type'], ...body });
        },
      }),
      defineRoute({
        method: 'post',
        path: '/things/:id',
        verb: 'frob',
        summary: 'TEST: a custom-verb action',
        tags: ['test'],
        auth: 'none',
        params: idParams,
        responses: { 200: { description: 'Frobbed' } },
        async handler({ res, params }) {
          res.json({ id: params.id, frobbed: true });
        },
      }),
      defineRoute({
        method: 'get',
        path: '/queues/:id',
        summary: 'TEST: a canned queue',
        tags: ['test'],
        auth: 'tenant',
        params: idParams,
        responses: { 200: { description: 'The queue' } },
        async handler({ res, params, tenant: owner }) {
          if (params.id === 'missing') throw new ServiceError('notFound', `Queue ${params.id} not found.`);
          res
            .setHeader('ETag', '"1"')
            .setHeader('Last-Modified', 'Sun, 29 Nov 2026 15:43:00 GMT')
            .json(queueView(params.id, owner));
        },
      }),
      defineRoute({
        method: 'patch',
        path: '/queues/:id',
        summary: 'TEST: upsert a queue (merge patch echoed onto the canned one)',
        tags: ['test'],
        auth: 'tenant',
        params: idParams,
        body: z.record(z.string(), z.unknown()),
        responses: { 200: { description: 'The queue' } },
        async handler({ res, params, body, tenant: owner }) {
          res.setHeader('ETag', '"2"').json(queueView(params.id, owner, body));
        },
      }),
      defineRoute({
        method: 'post',
        path: '/jobs/:id',
        verb: 'cancel',
        summary: 'TEST: cancel a job',
        tags: ['test'],
        auth: 'tenant',
        params: idParams,
        responses: { 200: { description: 'Cancelled' } },
        async handler({ res }) {
          res.json({});
        },
      }),
    ],
  };
}

const listJobsParams = z.looseObject({ InstanceId: z.string().min(1) });
const assignJobsAsyncParams = z.looseObject({
  InstanceId: z.string().min(1),
  JobGroupId: z.string().min(1),
  JobsJson: z.string().optional(),
  CallingNumber: z.string().optional(),
});
const describeJobParams = z.looseObject({ InstanceId: z.string().min(1), JobId: z.string().min(1) });

/** A job as ListJobs returns it (outbound-bot.md §1.4): bare arrays, string statuses, epoch-ms integers. */
function jobView(jobId: string, instanceId: string, owner: Tenant): Record<string, unknown> {
  return {
    JobId: jobId,
    JobGroupId: 'group-1',
    ScenarioId: 'scenario-1',
    StrategyId: 'strategy-1',
    Status: 'Succeeded',
    FailureReason: 'NoAnswer',
    Priority: 5,
    SystemPriority: 1,
    ReferenceId: `ref-${jobId}`,
    CallingNumbers: ['0571****3106'],
    Contacts: [{ ContactId: `contact-${jobId}`, ContactName: 'Ada', PhoneNumber: '135****8888', ReferenceId: 'c-1' }],
    Extras: [
      { Key: 'TenantId', Value: owner.id },
      { Key: 'InstanceId', Value: instanceId },
    ],
    Summary: [{ SummaryName: 'intent', Category: '{}', Content: 'callback' }],
    Tasks: [
      {
        TaskId: `task-${jobId}`,
        JobId: jobId,
        Status: 'SucceededFinish',
        PlanedTime: 1_700_000_000_000,
        ActualTime: 1_700_000_060_000,
        Duration: 120,
        Conversation: [{ Speaker: 'Robot', Script: 'Hello', Timestamp: 1_700_000_061_000 }],
      },
    ],
  };
}

/** Infers an action's parameter type from its schema (the array of actions is typed by the base RpcAction). */

const outboundActions: readonly RpcAction[] = [
  defineAction({
    name: 'ListJobs',
    summary: 'TEST: echo the requested job ids as jobs',
    params: listJobsParams,
    async handler({ req, tenant: owner, params }) {
      const ids = repeatList(rpcParams(req), 'JobId', 99);
      return { Jobs: ids.map((id) => jobView(id, params.InstanceId, owner)) };
    },
  }),
  defineAction({
    name: 'DescribeJob',
    summary: 'TEST: one canned job',
    params: describeJobParams,
    async handler({ tenant: owner, params }) {
      if (params.JobId === 'missing') throw new ServiceError('notFound', `Job ${params.JobId} not found.`);
      return {
        Job: { ...jobView(params.JobId, params.InstanceId, owner), InstanceId: params.InstanceId },
      };
    },
  }),
  defineAction({
    name: 'AssignJobsAsync',
    summary: 'TEST: echo the form-body parameters back in AsyncTaskId',
    params: assignJobsAsyncParams,
    async handler({ tenant: owner, params }) {
      const echo = {
        tenant: owner.id,
        instanceId: params.InstanceId,
        jobGroupId: params.JobGroupId,
        jobsJson: params.JobsJson === undefined ? null : (JSON.parse(params.JobsJson) as unknown),
        callingNumber: params.CallingNumber === undefined ? null : (JSON.parse(params.CallingNumber) as unknown),
      };
      return { AsyncTaskId: JSON.stringify(echo) };
    },
  }),
];

function outboundGroup(): RouteGroup {
  return {
    name: 'outbound',
    prefix: '/',
    owns: (req) => req.path === '/' && rpcActionOf(req) !== undefined,
    envelope: alibabaEnvelope,
    parsers: [bodyParsers.form()],
    authenticate: {
      tenant: tenantAuthentication([alibabaSignature(findAlibabaKey, memoryNonceStore())]),
      admin: noAdmin,
    },
    routes: [],
    rpc: { version: OUTBOUND_VERSION, actions: outboundActions },
  };
}

/** Owner of everything else, as the native API is in production. */
function nativeGroup(): RouteGroup {
  return {
    name: 'native',
    prefix: '/',
    envelope: problemEnvelope,
    parsers: [bodyParsers.json()],
    authenticate: { tenant: noAdmin, admin: noAdmin },
    routes: [
      defineRoute({
        method: 'get',
        path: '/v1/echo/:word',
        summary: 'TEST: echo a word',
        tags: ['test'],
        auth: 'none',
        params: z.object({ word: z.string() }),
        responses: { 200: { description: 'The word' } },
        async handler({ res, params }) {
          res.json({ word: params.word });
        },
      }),
    ],
  };
}

export function createProtocolApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(
    pinoHttp({
      logger: pino({ level: 'silent' }),
      genReqId: (_req, res) => {
        const id = randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
    }),
  );
  mountRouteGroups(app, [routingGroup(), outboundGroup(), nativeGroup()]);
  return app;
}

export interface RunningProtocolApp {
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 and an ephemeral port. Large header limit: RPC requests carry everything in the query. */
export async function startProtocolApp(): Promise<RunningProtocolApp> {
  const server = http.createServer({ maxHeaderSize: 64 * 1024 }, createProtocolApp());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
