import { z } from 'zod';
import { createTenantWithKey } from '../db/api-keys';
import type { ApiDeps } from './context';
import { defineRoute } from './http/route';

const tenantSchema = z.object({ id: z.string(), name: z.string() });
const createTenantBody = z.object({ name: z.string().trim().min(1).max(200) });
const createdTenantSchema = tenantSchema.extend({
  apiKey: z.string().describe('Shown once; only its hash is stored'),
});

export function tenantRoutes({ db }: ApiDeps) {
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
  ];
}
