import { z } from 'zod';
import { ACCESS_KEY_KINDS, createAccessKey, listAccessKeys, revokeAccessKey, serverKeyFrom } from '../db/access-keys';
import { createTenantWithKey } from '../db/api-keys';
import { publicBaseUrl } from '../domain/config';
import { ServiceError } from '../domain/errors';
import type { ApiDeps } from './context';
import { defineRoute } from './http/route';
import { acsConnectionString } from './routing';

const tenantSchema = z.object({ id: z.string(), name: z.string() });
const createTenantBody = z.object({ name: z.string().trim().min(1).max(200) });
const createdTenantSchema = tenantSchema.extend({
  apiKey: z.string().describe('Shown once; only its hash is stored'),
});

const accessKeySchema = z.object({
  id: z.string(),
  kind: z.enum(ACCESS_KEY_KINDS),
  createdAt: z.iso.datetime(),
  accessKeyId: z.string().optional().describe('alibaba: the AccessKeyId requests name'),
});
const createAccessKeyBody = z.object({ kind: z.enum(ACCESS_KEY_KINDS) });
const createdAccessKeySchema = accessKeySchema.extend({
  connectionString: z
    .string()
    .optional()
    .describe('acs: `endpoint=<tenant endpoint>/;accesskey=<base64 secret>`; shown once, never listed'),
  accessKeySecret: z.string().optional().describe('alibaba: the AccessKeySecret; shown once, never listed'),
});
const accessKeyParams = z.object({ id: z.string().min(1).max(100) });

export function tenantRoutes({ db, config }: ApiDeps) {
  // Parsed once: a malformed value was already refused by the config schema at start-up.
  const serverKey = config.CCFLOW_SECRET_KEY ? serverKeyFrom(config.CCFLOW_SECRET_KEY) : undefined;
  return [
    defineRoute({
      method: 'post',
      path: '/v1/admin/tenants',
      summary: 'Create a tenant and its first API key (admin key required)',
      tags: ['tenants'],
      auth: 'admin',
      body: createTenantBody,
      responses: { 201: { description: 'Created', schema: createdTenantSchema } },
      async handler({ res, body }) {
        const created = await createTenantWithKey(db, body.name);
        res.status(201).json({ id: created.tenantId, name: created.name, apiKey: created.apiKey });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/tenants/me',
      summary: "The caller's tenant",
      tags: ['tenants'],
      auth: 'tenant',
      responses: { 200: { description: 'The tenant the API key belongs to', schema: tenantSchema } },
      async handler({ res, tenant }) {
        res.json({ id: tenant.id, name: tenant.name });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/tenants/me/access-keys',
      summary: 'Create an access key for a signature scheme (acs: Job Router HMAC; alibaba: outbound RPC)',
      tags: ['tenants'],
      auth: 'tenant',
      body: createAccessKeyBody,
      responses: {
        201: { description: 'Created; the secret is in this response only', schema: createdAccessKeySchema },
      },
      async handler({ res, body, tenant }) {
        if (!serverKey) {
          throw new ServiceError('notReady', 'Access keys are disabled: CCFLOW_SECRET_KEY is not set on the server.');
        }
        const created = await createAccessKey(db, serverKey, tenant.id, body.kind);
        const listed = { id: created.id, kind: created.kind, createdAt: created.createdAt.toISOString() };
        if (created.kind === 'acs') {
          // The tenant's own endpoint: HMAC requests name no key, so the path is what says whose keys to try.
          const connectionString = acsConnectionString(publicBaseUrl(config), tenant.id, created.secret);
          res.status(201).json({ ...listed, connectionString });
          return;
        }
        res.status(201).json({ ...listed, accessKeyId: created.accessKeyId, accessKeySecret: created.secret });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/tenants/me/access-keys',
      summary: "The caller's access keys (never their secrets)",
      tags: ['tenants'],
      auth: 'tenant',
      responses: {
        200: { description: 'Active keys, oldest first', schema: z.object({ items: z.array(accessKeySchema) }) },
      },
      async handler({ res, tenant }) {
        const keys = await listAccessKeys(db, tenant.id);
        res.json({
          items: keys.map((key) => ({
            id: key.id,
            kind: key.kind,
            createdAt: key.createdAt.toISOString(),
            ...(key.accessKeyId ? { accessKeyId: key.accessKeyId } : {}),
          })),
        });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/tenants/me/access-keys/:id',
      summary: 'Revoke an access key: the next request signed with it is refused',
      tags: ['tenants'],
      auth: 'tenant',
      params: accessKeyParams,
      responses: { 204: { description: 'Revoked' } },
      async handler({ res, params, tenant }) {
        if (!(await revokeAccessKey(db, tenant.id, params.id))) {
          throw new ServiceError('notFound', `Access key ${params.id} not found.`);
        }
        res.status(204).end();
      },
    }),
  ];
}
