import { LRUCache } from 'lru-cache';
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

/**
 * Tenants are never renamed or deleted, so their names are cached per database (process); keys are always read, so a
 * key that is removed stops working at the next request.
 */
const tenantNames = new WeakMap<Database, LRUCache<string, string>>();

async function tenantName(db: Database, tenantId: string): Promise<string | undefined> {
  let cache = tenantNames.get(db);
  if (!cache) {
    cache = new LRUCache<string, string>({ max: 10_000 });
    tenantNames.set(db, cache);
  }
  const cached = cache.get(tenantId);
  if (cached !== undefined) return cached;
  const tenant = await db.tenants.findById(tenantId).lean();
  if (tenant) cache.set(tenantId, tenant.name);
  return tenant?.name;
}

export async function resolveApiKey(
  db: Database,
  apiKey: string,
): Promise<{ id: string; name: string; apiKeyPrefix: string } | undefined> {
  const key = await db.apiKeys.findById(hashApiKey(apiKey)).lean();
  if (!key) return undefined;
  const name = await tenantName(db, key.tenantId);
  return name === undefined ? undefined : { id: key.tenantId, name, apiKeyPrefix: key.prefix };
}
