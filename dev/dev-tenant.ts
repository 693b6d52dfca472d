import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { accessKeySecret, createAccessKey, serverKeyFrom } from '../db/access-keys';
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

/**
 * The server key that encrypts access-key secrets (CCFLOW_SECRET_KEY) for the embedded stack: 32 random bytes,
 * generated once into the data directory (mode 0600) so that keys created before a restart still decrypt.
 */
export function ensureDevSecretKey(dataDir: string): string {
  const file = path.join(dataDir, 'secret-key');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const key = randomBytes(32).toString('base64');
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

/**
 * The dev tenant's ACS access key, printed as a connection string at every start. The API shows a secret only when
 * it creates the key; the supervisor holds the server key, so it decrypts the stored secret instead of keeping a
 * second clear copy. Only the key's id is remembered (in dev-tenant-acs.json); when that key was revoked, or the
 * server key changed so it no longer decrypts, a new one is created.
 */
export async function ensureDevAcsSecret(db: Database, serverKeyBase64: string, dataDir: string): Promise<string> {
  const serverKey = serverKeyFrom(serverKeyBase64);
  const file = path.join(dataDir, 'dev-tenant-acs.json');
  if (fs.existsSync(file)) {
    const saved = devAcsFile.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (saved.success) {
      const secret = await accessKeySecret(db, serverKey, DEV_TENANT_ID, saved.data.keyId).catch(() => undefined);
      if (secret !== undefined) return secret;
    }
  }
  const created = await createAccessKey(db, serverKey, DEV_TENANT_ID, 'acs');
  fs.writeFileSync(file, JSON.stringify({ keyId: created.id }, null, 2), { mode: 0o600 });
  return created.secret;
}

const devAcsFile = z.object({ keyId: z.string() });

/**
 * The dev tenant's Alibaba access key pair (for the OutboundBot SDKs), printed at every start like the ACS key and
 * for the same reason kept the same way: dev-tenant-alibaba.json remembers the key's id and its public AccessKeyId,
 * the secret is decrypted from the store, and a revoked key (or one the server key no longer decrypts) is replaced.
 */
export async function ensureDevAlibabaKey(
  db: Database,
  serverKeyBase64: string,
  dataDir: string,
): Promise<{ accessKeyId: string; accessKeySecret: string }> {
  const serverKey = serverKeyFrom(serverKeyBase64);
  const file = path.join(dataDir, 'dev-tenant-alibaba.json');
  if (fs.existsSync(file)) {
    const saved = devAlibabaFile.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (saved.success) {
      const secret = await accessKeySecret(db, serverKey, DEV_TENANT_ID, saved.data.keyId).catch(() => undefined);
      if (secret !== undefined) return { accessKeyId: saved.data.accessKeyId, accessKeySecret: secret };
    }
  }
  const created = await createAccessKey(db, serverKey, DEV_TENANT_ID, 'alibaba');
  // createAccessKey always gives an Alibaba key its AccessKeyId; without one the pair would be unusable.
  if (!created.accessKeyId) throw new Error('the new Alibaba access key has no AccessKeyId');
  fs.writeFileSync(file, JSON.stringify({ keyId: created.id, accessKeyId: created.accessKeyId }, null, 2), {
    mode: 0o600,
  });
  return { accessKeyId: created.accessKeyId, accessKeySecret: created.secret };
}

const devAlibabaFile = z.object({ keyId: z.string(), accessKeyId: z.string() });
