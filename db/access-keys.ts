/**
 * Tenants' access keys for the signature schemes (ACS HMAC-SHA256 on `/routing`, Alibaba RPC signatures on the
 * outbound API). Unlike API keys these cannot be stored as hashes: the server recomputes HMACs, so it needs the
 * clear secret. Secrets are therefore encrypted at rest with AES-256-GCM under the server key (CCFLOW_SECRET_KEY).
 *
 * Every read is by `_id` (the embedded FerretDB only uses an index for `_id` equality, docs/architecture.md "The
 * embedded store"). Collection `tenant_access_keys` holds two kinds of documents:
 * - `tenant:{tenantId}`: the tenant's key list (id, kind, createdAt, encrypted secret). An ACS HMAC request does not
 *   name its key, so the server reads this one document and tries each active ACS key (a tenant has few).
 * - `{accessKeyId}` (`LTAI…`): a pointer from an Alibaba AccessKeyId (which the request names) to its tenant and key.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomInt } from 'node:crypto';
import { type Connection, Schema } from 'mongoose';
import type { Database } from './connection';

export const ACCESS_KEY_KINDS = ['acs', 'alibaba'] as const;
export type AccessKeyKind = (typeof ACCESS_KEY_KINDS)[number];

/** A key as listed: never its secret. */
export interface AccessKeyInfo {
  id: string;
  kind: AccessKeyKind;
  createdAt: Date;
  /** Alibaba only: the public half, which requests name. */
  accessKeyId?: string;
}

const storedKeySchema = new Schema(
  {
    id: { type: String, required: true },
    kind: { type: String, enum: ACCESS_KEY_KINDS, required: true },
    createdAt: { type: Date, required: true },
    accessKeyId: { type: String },
    /** `v1.<iv>.<tag>.<ciphertext>` (base64 parts), see encryptSecret. */
    secret: { type: String, required: true },
  },
  { _id: false },
);

const accessKeyDocSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    /** On `tenant:{id}` documents. */
    keys: { type: [storedKeySchema], default: undefined },
    /** On AccessKeyId pointer documents: the key's id in the tenant's list. */
    keyId: { type: String },
  },
  { versionKey: false },
);

export const accessKeyModel = (connection: Connection) =>
  connection.model('TenantAccessKeys', accessKeyDocSchema, 'tenant_access_keys');

interface StoredKey {
  id: string;
  kind: AccessKeyKind;
  createdAt: Date;
  accessKeyId?: string;
  secret: string;
}

const tenantDocId = (tenantId: string): string => `tenant:${tenantId}`;

// ---------------------------------------------------------------------------------------------------------------
// Encryption at rest

const SECRET_FORMAT = 'v1';

/** The server key from its base64 config value; throws unless it is 32 bytes (AES-256). */
export function serverKeyFrom(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error('the server key must be 32 bytes (base64)');
  return key;
}

/**
 * AES-256-GCM with a fresh 96-bit IV per secret. `context` (tenant and key id) is authenticated data: a ciphertext
 * copied into another tenant's or key's record fails to decrypt instead of becoming that key's secret.
 */
export function encryptSecret(serverKey: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', serverKey, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), data].map((part) => part.toString('base64'));
  return [SECRET_FORMAT, ...parts].join('.');
}

/** The clear secret; throws when the server key, the context or the stored bytes are not the ones it was sealed with. */
export function decryptSecret(serverKey: Buffer, sealed: string, context: string): string {
  const [format, iv, tag, data] = sealed.split('.');
  if (format !== SECRET_FORMAT || iv === undefined || tag === undefined || data === undefined) {
    throw new Error('not an encrypted secret of a known format');
  }
  const decipher = createDecipheriv('aes-256-gcm', serverKey, Buffer.from(iv, 'base64'));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
}

const secretContext = (tenantId: string, keyId: string): string => `${tenantId}/${keyId}`;

// ---------------------------------------------------------------------------------------------------------------
// Secrets in each scheme's own shape

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const alphanumeric = (length: number): string =>
  Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)] ?? 'A').join('');

/** ACS access keys are the base64 of 32 random bytes (the client base64-decodes them into the HMAC key). */
export const newAcsSecret = (): string => randomBytes(32).toString('base64');

/** Alibaba's shapes: AccessKeyId `LTAI` + 20 alphanumerics, AccessKeySecret 30 alphanumerics. */
export const newAlibabaKeyPair = (): { accessKeyId: string; accessKeySecret: string } => ({
  accessKeyId: `LTAI${alphanumeric(20)}`,
  accessKeySecret: alphanumeric(30),
});

const newKeyId = (): string => `ak-${randomBytes(8).toString('hex')}`;

// ---------------------------------------------------------------------------------------------------------------
// Store

async function storedKeysOf(db: Database, tenantId: string): Promise<StoredKey[]> {
  const doc = await db.accessKeys.findById(tenantDocId(tenantId)).lean();
  return (doc?.keys ?? []).map((key) => ({
    id: key.id,
    kind: key.kind,
    createdAt: key.createdAt,
    secret: key.secret,
    ...(key.accessKeyId ? { accessKeyId: key.accessKeyId } : {}),
  }));
}

/**
 * Writes the tenant's whole key list. FerretDB 1.x has no atomic read-modify-write, so two key changes of one tenant
 * at the same instant may lose one; key management is rare, human-paced traffic, which makes that acceptable.
 */
async function saveStoredKeys(db: Database, tenantId: string, keys: readonly StoredKey[]): Promise<void> {
  await db.accessKeys.replaceOne(
    { _id: tenantDocId(tenantId) },
    { _id: tenantDocId(tenantId), tenantId, keys },
    { upsert: true },
  );
}

const infoOf = (key: StoredKey): AccessKeyInfo => ({
  id: key.id,
  kind: key.kind,
  createdAt: key.createdAt,
  ...(key.accessKeyId ? { accessKeyId: key.accessKeyId } : {}),
});

export type CreatedAccessKey = AccessKeyInfo & { secret: string };

/** Creates a key; the returned secret is the only clear copy the caller will ever get from the API. */
export async function createAccessKey(
  db: Database,
  serverKey: Buffer,
  tenantId: string,
  kind: AccessKeyKind,
): Promise<CreatedAccessKey> {
  const id = newKeyId();
  const createdAt = new Date();
  if (kind === 'acs') {
    const secret = newAcsSecret();
    const stored: StoredKey = {
      id,
      kind,
      createdAt,
      secret: encryptSecret(serverKey, secret, secretContext(tenantId, id)),
    };
    await saveStoredKeys(db, tenantId, [...(await storedKeysOf(db, tenantId)), stored]);
    return { ...infoOf(stored), secret };
  }
  const { accessKeyId, accessKeySecret } = newAlibabaKeyPair();
  const stored: StoredKey = {
    id,
    kind,
    createdAt,
    accessKeyId,
    secret: encryptSecret(serverKey, accessKeySecret, secretContext(tenantId, id)),
  };
  // The pointer first: a key listed by the tenant is then always findable by its AccessKeyId.
  await db.accessKeys.create({ _id: accessKeyId, tenantId, keyId: id });
  await saveStoredKeys(db, tenantId, [...(await storedKeysOf(db, tenantId)), stored]);
  return { ...infoOf(stored), secret: accessKeySecret };
}

export async function listAccessKeys(db: Database, tenantId: string): Promise<AccessKeyInfo[]> {
  return (await storedKeysOf(db, tenantId)).map(infoOf);
}

/** Revokes the tenant's key `id`; false when the tenant has no such key (another tenant's id included). */
export async function revokeAccessKey(db: Database, tenantId: string, id: string): Promise<boolean> {
  const keys = await storedKeysOf(db, tenantId);
  const revoked = keys.find((key) => key.id === id);
  if (!revoked) return false;
  // The list first: once it is saved the key no longer verifies anything, even if the pointer removal fails.
  await saveStoredKeys(
    db,
    tenantId,
    keys.filter((key) => key.id !== id),
  );
  if (revoked.accessKeyId) await db.accessKeys.deleteOne({ _id: revoked.accessKeyId });
  return true;
}

/** The clear secrets of the tenant's active keys of one kind: the candidates an HMAC request may be signed with. */
export async function activeSecrets(
  db: Database,
  serverKey: Buffer,
  tenantId: string,
  kind: AccessKeyKind,
): Promise<{ id: string; secret: string }[]> {
  const keys = (await storedKeysOf(db, tenantId)).filter((key) => key.kind === kind);
  return keys.map((key) => ({
    id: key.id,
    secret: decryptSecret(serverKey, key.secret, secretContext(tenantId, key.id)),
  }));
}

/** The secret of one key of the tenant, or undefined when it does not exist (revoked). */
export async function accessKeySecret(
  db: Database,
  serverKey: Buffer,
  tenantId: string,
  id: string,
): Promise<string | undefined> {
  const key = (await storedKeysOf(db, tenantId)).find((candidate) => candidate.id === id);
  return key && decryptSecret(serverKey, key.secret, secretContext(tenantId, key.id));
}

/** An Alibaba key by the AccessKeyId a request names: two `_id` reads (pointer, then the tenant's list). */
export async function findAlibabaKey(
  db: Database,
  serverKey: Buffer,
  accessKeyId: string,
): Promise<{ tenantId: string; secret: string } | undefined> {
  const pointer = await db.accessKeys.findById(accessKeyId).lean();
  if (!pointer?.keyId) return undefined;
  const secret = await accessKeySecret(db, serverKey, pointer.tenantId, pointer.keyId);
  return secret === undefined ? undefined : { tenantId: pointer.tenantId, secret };
}
