import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Database } from './connection';

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

function generateApiKey(): string {
  return `ccf_${randomBytes(32).toString('base64url')}`;
}

export function newTenantId(): string {
  return `t-${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

export interface CreatedTenant {
  tenantId: string;
  name: string;
  apiKey: string;
}

/** Creates a tenant and its first API key; only the key's hash is stored, so the caller must show it now. */
export async function createTenantWithKey(
  db: Database,
  name: string,
  tenantId = newTenantId(),
): Promise<CreatedTenant> {
  await db.tenants.create({ _id: tenantId, name });
  const apiKey = await issueApiKey(db, tenantId);
  return { tenantId, name, apiKey };
}

export async function issueApiKey(db: Database, tenantId: string, label = 'default'): Promise<string> {
  const apiKey = generateApiKey();
  await db.apiKeys.create({ _id: hashApiKey(apiKey), tenantId, prefix: apiKey.slice(0, 10), label });
  return apiKey;
}

export async function resolveApiKey(
  db: Database,
  apiKey: string,
): Promise<{ id: string; name: string; apiKeyPrefix: string } | undefined> {
  const key = await db.apiKeys.findById(hashApiKey(apiKey)).lean();
  if (!key) return undefined;
  const tenant = await db.tenants.findById(key.tenantId).lean();
  return tenant ? { id: tenant._id, name: tenant.name, apiKeyPrefix: key.prefix } : undefined;
}
