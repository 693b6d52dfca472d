import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { issueApiKey, resolveApiKey } from '../db/api-keys';
import type { Database } from '../db/connection';

export const DEV_TENANT_ID = 'dev';

/**
 * The development tenant, created on the first `npm start`. Keys are stored hashed, so the clear key is kept in
 * the local data directory (never in the database) to be printed again at every start.
 */
export async function ensureDevTenant(db: Database, dataDir: string): Promise<{ tenantId: string; apiKey: string }> {
  const file = path.join(dataDir, 'dev-tenant.json');
  if (fs.existsSync(file)) {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { tenantId: string; apiKey: string };
    if (await resolveApiKey(db, saved.apiKey)) return saved;
  }
  const existing = await db.tenants.findById(DEV_TENANT_ID).lean();
  if (!existing) await db.tenants.create({ _id: DEV_TENANT_ID, name: 'Development tenant' });
  const apiKey = await issueApiKey(db, DEV_TENANT_ID, 'dev');
  const saved = { tenantId: DEV_TENANT_ID, apiKey };
  fs.writeFileSync(file, JSON.stringify(saved, null, 2), { mode: 0o600 });
  return saved;
}

/** The admin key for the embedded stack, generated once and kept in the data directory. */
export function ensureDevAdminKey(dataDir: string): string {
  const file = path.join(dataDir, 'admin-key');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const key = `ccfadm_${randomBytes(24).toString('base64url')}`;
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
