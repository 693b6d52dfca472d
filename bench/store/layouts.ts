/**
 * The store benchmark's data and the driver-level ways of storing and querying it (bench/benchmarks/store.ts; the
 * product's own layout, driven through db/bulk/config-objects.ts, is in chunks.ts):
 *
 * - `oneCollection`: the statements ccflow ran before the chunked store (run on the unpatched and on the patched
 *   FerretDB, and on PostgreSQL) — one collection per object type, `_id = {tenant}:{key}`, index `{tenantId, key}`;
 *   pages `find({tenantId, _id: {$gt}}).sort({_id}).limit(100)`, batches `_id: {$in}`, writes
 *   `deleteMany(_id ∈ batch)` + `insertMany`, counts `countDocuments({tenantId})`.
 * - `perTenant`: the same statements without the tenant filter on one collection per tenant (index `{key}`).
 * - `pushdown`: only `_id` equality, the one filter FerretDB's SQLite backend pushes down to SQL (every other filter,
 *   sort, range, `$in` and count is evaluated in Go over every document of the collection): batch lookups are 1000
 *   `findOne({_id})` over a pool of connections; pages read the tenant's ordered key list (a header document and
 *   chunks of ≤ 2000 keys, each read by `_id`), then the 100 documents by `_id`; writes stay the old two statements
 *   (per-document upserts cost a commit each, see writeBatch) plus the key list's changed chunks and header by `_id`
 *   (the header also holds the count).
 */
import type { mongo } from 'mongoose';

export const TENANTS = 10;
export const PER_TENANT = 5000;
export const PAGE = 100;
export const BATCH = 1000;
/** Connections (and requests in flight) for the parallel `_id` lookups of the pushdown layout. */
export const PARALLEL = 16;
const CHUNK = 1000;

export interface StoreDoc {
  _id: string;
  tenantId: string;
  key: string;
  data: { name: string; description: string; timezone: string; enabled: boolean; capacity: number };
  version: number;
  lastOperationId: string;
  createdAt: Date;
  updatedAt: Date;
}

export const tenantId = (t: number): string => `tenant-${String(t).padStart(2, '0')}`;
export const keyOf = (i: number): string => `site-${String(i).padStart(5, '0')}`;
export const docId = (tenant: string, key: string): string => `${tenant}:${key}`;

/** Deterministic filler text (xorshift word picks), ~200 characters: documents of ~400 bytes like a `sites` row. */
function prose(seed: number): string {
  const words = ['queue', 'agent', 'site', 'routing', 'skill', 'desktop', 'flow', 'campaign', 'team', 'region'];
  let state = seed * 2654435761 + 1;
  const out: string[] = [];
  let length = 0;
  while (length < 200) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const word = words[Math.abs(state) % words.length] ?? 'site';
    out.push(word);
    length += word.length + 1;
  }
  return out.join(' ');
}

export function makeDoc(tenant: string, key: string, version: number, operationId: string): StoreDoc {
  const seed = [...key].reduce((sum, char) => sum * 31 + char.charCodeAt(0), 7) >>> 0;
  const now = new Date();
  return {
    _id: docId(tenant, key),
    tenantId: tenant,
    key,
    data: {
      name: `Site ${key}`,
      description: prose(seed + version),
      timezone: 'Europe/Berlin',
      enabled: seed % 2 === 0,
      capacity: seed % 500,
    },
    version,
    lastOperationId: operationId,
    createdAt: now,
    updatedAt: now,
  };
}

/** Every tenant's documents, tenant after tenant in key order (as imports of sorted CSVs store them). */
export function seedDocs(): StoreDoc[] {
  const docs: StoreDoc[] = [];
  for (let t = 0; t < TENANTS; t += 1) {
    for (let i = 0; i < PER_TENANT; i += 1) docs.push(makeDoc(tenantId(t), keyOf(i), 1, 'seed'));
  }
  return docs;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** What the benchmark checks of a document or object read back. */
export interface Found {
  key: string;
  version: number;
}

/** The shapes ccflow runs, one implementation per layout. */
export interface Layout {
  seed(docs: StoreDoc[]): Promise<void>;
  byId(tenant: string, key: string): Promise<Found | null>;
  byTenantKey(tenant: string, key: string): Promise<Found | null>;
  /** The page of PAGE documents after `cursorKey`, in key order. */
  pageAfter(tenant: string, cursorKey: string): Promise<Found[]>;
  lookup(tenant: string, keys: string[]): Promise<Found[]>;
  /** Writes a batch (replacing stored documents, creating the keys listed in `created`). */
  writeBatch(tenant: string, docs: StoreDoc[], created: string[]): Promise<void>;
  count(tenant: string): Promise<number>;
  /** A read cache in front of the store (the chunked layout's), cleared before each timed sample of a read. */
  cache?: { clear(): void };
}

async function insertAll(collection: mongo.Collection<StoreDoc>, docs: StoreDoc[]): Promise<void> {
  for (let start = 0; start < docs.length; start += BATCH) {
    await collection.insertMany(docs.slice(start, start + BATCH), { ordered: false });
  }
}

/** One collection: the statements of api/bulk/config-objects.ts and activities/bulk/apply-import.ts before the chunks. */
export function oneCollection(db: mongo.Db): Layout {
  const objects = db.collection<StoreDoc>('bulk_config_sites');
  return {
    async seed(docs) {
      await objects.createIndex({ tenantId: 1, key: 1 }, { unique: true });
      await insertAll(objects, docs);
    },
    byId: (tenant, key) => objects.findOne({ _id: docId(tenant, key) }),
    byTenantKey: (tenant, key) => objects.findOne({ tenantId: tenant, key }),
    pageAfter: (tenant, cursorKey) =>
      objects
        .find({ tenantId: tenant, _id: { $gt: docId(tenant, cursorKey) } })
        .sort({ _id: 1 })
        .limit(PAGE)
        .toArray(),
    lookup: (tenant, keys) => objects.find({ _id: { $in: keys.map((key) => docId(tenant, key)) } }).toArray(),
    async writeBatch(_tenant, docs) {
      await objects.deleteMany({ _id: { $in: docs.map((doc) => doc._id) } });
      await objects.insertMany(docs, { ordered: false });
    },
    count: (tenant) => objects.countDocuments({ tenantId: tenant }),
  };
}

/** One collection per tenant: the same statements without the tenant filter. */
export function perTenant(db: mongo.Db): Layout {
  const of = (tenant: string) => db.collection<StoreDoc>(`bulk_config_sites_${tenant.replaceAll('-', '_')}`);
  return {
    async seed(docs) {
      const tenants = [...new Set(docs.map((doc) => doc.tenantId))];
      for (const tenant of tenants) {
        await of(tenant).createIndex({ key: 1 }, { unique: true });
        await insertAll(
          of(tenant),
          docs.filter((doc) => doc.tenantId === tenant),
        );
      }
    },
    byId: (tenant, key) => of(tenant).findOne({ _id: docId(tenant, key) }),
    byTenantKey: (tenant, key) => of(tenant).findOne({ key }),
    pageAfter: (tenant, cursorKey) =>
      of(tenant)
        .find({ _id: { $gt: docId(tenant, cursorKey) } })
        .sort({ _id: 1 })
        .limit(PAGE)
        .toArray(),
    lookup: (tenant, keys) =>
      of(tenant)
        .find({ _id: { $in: keys.map((key) => docId(tenant, key)) } })
        .toArray(),
    async writeBatch(tenant, docs) {
      await of(tenant).deleteMany({ _id: { $in: docs.map((doc) => doc._id) } });
      await of(tenant).insertMany(docs, { ordered: false });
    },
    count: (tenant) => of(tenant).countDocuments({}),
  };
}

/** A tenant's ordered key list: chunk ids with their first key, and the number of keys (the tenant's count). */
interface KeyListHeader {
  _id: string;
  count: number;
  nextChunk: number;
  chunks: { id: string; first: string }[];
}

interface KeyListChunk {
  _id: string;
  keys: string[];
}

const headerId = (tenant: string): string => `${tenant}#header`;

/** Index of the chunk that holds (or would hold) `key`: the last one whose first key is ≤ key. */
function chunkIndexOf(header: KeyListHeader, key: string): number {
  let found = 0;
  header.chunks.forEach((chunk, index) => {
    if (chunk.first <= key) found = index;
  });
  return found;
}

/** Only `_id` equality: parallel single-document reads and writes, an ordered key list for pages and counts. */
export function pushdown(db: mongo.Db): Layout {
  const objects = db.collection<StoreDoc>('bulk_config_sites');
  const headers = db.collection<KeyListHeader>('bulk_config_sites_keys');
  const chunks = db.collection<KeyListChunk>('bulk_config_sites_key_chunks');
  const getById = (tenant: string, key: string) => objects.findOne({ _id: docId(tenant, key) });
  const readHeader = async (tenant: string): Promise<KeyListHeader> => {
    const header = await headers.findOne({ _id: headerId(tenant) });
    if (!header) throw new Error(`no key list for ${tenant}`);
    return header;
  };
  const readChunk = async (id: string): Promise<KeyListChunk> => {
    const chunk = await chunks.findOne({ _id: id });
    if (!chunk) throw new Error(`key list chunk ${id} is missing`);
    return chunk;
  };
  return {
    async seed(docs) {
      await objects.createIndex({ tenantId: 1, key: 1 }, { unique: true });
      await insertAll(objects, docs);
      const byTenant = new Map<string, string[]>();
      for (const doc of docs) {
        const keys = byTenant.get(doc.tenantId) ?? [];
        keys.push(doc.key);
        byTenant.set(doc.tenantId, keys);
      }
      for (const [tenant, keys] of byTenant) {
        keys.sort();
        const header: KeyListHeader = { _id: headerId(tenant), count: keys.length, nextChunk: 0, chunks: [] };
        const written: KeyListChunk[] = [];
        for (let start = 0; start < keys.length; start += CHUNK) {
          const part = keys.slice(start, start + CHUNK);
          const id = `${tenant}#${header.nextChunk}`;
          header.nextChunk += 1;
          header.chunks.push({ id, first: part[0] ?? '' });
          written.push({ _id: id, keys: part });
        }
        await chunks.insertMany(written);
        await headers.insertOne(header);
      }
    },
    byId: getById,
    byTenantKey: getById, // `_id` is `{tenant}:{key}`: tenant + key is an `_id` equality
    async pageAfter(tenant, cursorKey) {
      const header = await readHeader(tenant);
      const keys: string[] = [];
      for (let index = chunkIndexOf(header, cursorKey); index < header.chunks.length; index += 1) {
        const ref = header.chunks[index];
        if (!ref || keys.length >= PAGE) break;
        const chunk = await readChunk(ref.id);
        for (const key of chunk.keys) if (key > cursorKey && keys.length < PAGE) keys.push(key);
      }
      const docs = await mapLimit(keys, PARALLEL, (key) => getById(tenant, key));
      return docs.filter((doc): doc is StoreDoc => doc !== null);
    },
    async lookup(tenant, keys) {
      const docs = await mapLimit(keys, PARALLEL, (key) => getById(tenant, key));
      return docs.filter((doc): doc is StoreDoc => doc !== null);
    },
    async writeBatch(tenant, docs, created) {
      // Batched like oneCollection: per-document `replaceOne({_id}, upsert)` is pushed down but costs one SQLite commit
      // each, ~47 ms apiece once the WAL has grown (unpatched binary: 400 took 18.7 s, sequential or 16 in flight), and
      // a bulkWrite of hundreds of upserts in one `update` command stalled for minutes (FerretDB keeps every
      // statement's read open until the command ends). So the write stays `deleteMany(_id ∈ batch)` + `insertMany`
      // (two commits) plus the key list.
      await objects.deleteMany({ _id: { $in: docs.map((doc) => doc._id) } });
      await objects.insertMany(docs, { ordered: false });
      if (created.length === 0) return;
      // The key list: add the new keys to their chunks, split a chunk past 2 × CHUNK keys, rewrite what changed.
      const header = await readHeader(tenant);
      const additions = new Map<number, string[]>();
      for (const key of created) {
        const index = chunkIndexOf(header, key);
        additions.set(index, [...(additions.get(index) ?? []), key]);
      }
      const changed = await Promise.all(
        [...additions].map(async ([index, keys]) => {
          const ref = header.chunks[index];
          if (!ref) throw new Error(`chunk ${index} of ${tenant} is missing`);
          const chunk = await readChunk(ref.id);
          return { index, keys: [...new Set([...chunk.keys, ...keys])].sort() };
        }),
      );
      const writes: mongo.AnyBulkWriteOperation<KeyListChunk>[] = [];
      const refs = [...header.chunks];
      for (const { index, keys } of changed.sort((a, b) => b.index - a.index)) {
        const ref = refs[index];
        if (!ref) continue;
        const parts: string[][] = [];
        if (keys.length > 2 * CHUNK)
          for (let start = 0; start < keys.length; start += CHUNK) parts.push(keys.slice(start, start + CHUNK));
        else parts.push(keys);
        const newRefs = parts.map((part, partIndex) => {
          let id = ref.id;
          if (partIndex > 0) {
            id = `${tenant}#${header.nextChunk}`;
            header.nextChunk += 1;
          }
          writes.push({ replaceOne: { filter: { _id: id }, replacement: { keys: part }, upsert: true } });
          return { id, first: partIndex === 0 ? ref.first : (part[0] ?? '') };
        });
        refs.splice(index, 1, ...newRefs);
      }
      await chunks.bulkWrite(writes, { ordered: false });
      const { _id, ...rest } = header;
      await headers.replaceOne({ _id }, { ...rest, chunks: refs, count: header.count + created.length });
    },
    count: async (tenant) => (await readHeader(tenant)).count,
  };
}
