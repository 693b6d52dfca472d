import { LRUCache } from 'lru-cache';
import { type Connection, Schema, type InferSchemaType, type mongo } from 'mongoose';
import { z } from 'zod';
import type { ObjectTypeId } from '../../domain/bulk/object-type-ids';
import { mapBounded } from '../bounded';
import {
  type ChunkRef,
  type ChunkRewrite,
  type ConfigHead,
  EMPTY_HEAD,
  type StoredObject,
  chunkIndexOf,
  chunkIndexesFor,
  chunkRefSchema,
  firstChunkAfter,
  planChunkRewrite,
  storedObjectSchema,
} from './config-chunks';

/**
 * Configuration objects, stored as key-ordered chunks listed by one head per tenant and type (config-chunks.ts has
 * the layout). Two collections: `bulk_config_heads` (`_id = {tenant}:{type}`) and `bulk_config_chunks`
 * (`_id = {tenant}:{type}:{write tag}:{n}`). Every statement below filters on `_id` alone: on FerretDB (built with
 * ccflow's `_id` index patch) and on MongoDB alike that is one index lookup, whatever the collections hold.
 * The chunk list and a chunk's objects are JSON text: FerretDB converts a document field by field, so 100 nested
 * objects cost ~12 ms to read where one string of the same bytes costs a fraction of that.
 */
const configHeadSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    objectType: { type: String, required: true },
    version: { type: Number, required: true },
    count: { type: Number, required: true },
    chunks: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

const configChunkSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    objectType: { type: String, required: true },
    count: { type: Number, required: true },
    objects: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// The storage sweep's query (old chunks); every other statement is by `_id`.
configChunkSchema.index({ createdAt: 1 });

export type ConfigHeadDoc = InferSchemaType<typeof configHeadSchema> & { _id: string };
export type ConfigChunkDoc = InferSchemaType<typeof configChunkSchema> & { _id: string };

export const CONFIG_HEADS_COLLECTION = 'bulk_config_heads';
export const CONFIG_CHUNKS_COLLECTION = 'bulk_config_chunks';

export const configHeadId = (tenantId: string, type: ObjectTypeId): string => `${tenantId}:${type}`;
export const configChunkId = (tenantId: string, type: ObjectTypeId, tag: string, n: number): string =>
  `${tenantId}:${type}:${tag}:${n}`;

/** Parsed chunks by id, bounded by their JSON size: a chunk id always names the same objects (never mutate them). */
export type ChunkCache = LRUCache<string, { objects: StoredObject[]; size: number }>;
const CHUNK_CACHE_BYTES = 64 * 1024 * 1024;

export interface ConfigStore {
  heads: mongo.Collection<ConfigHeadDoc>;
  chunks: mongo.Collection<ConfigChunkDoc>;
  cache: ChunkCache;
  parsedHeads: LRUCache<string, { version: number; chunksText: string; head: ConfigHead }>;
}

/** The models declare the collections (and their `_id` index) for mongoose's init; reads go through the driver. */
export function configStoreOf(connection: Connection): ConfigStore {
  const heads = connection.model<ConfigHeadDoc>('ConfigHead', configHeadSchema, CONFIG_HEADS_COLLECTION);
  const chunks = connection.model<ConfigChunkDoc>('ConfigChunk', configChunkSchema, CONFIG_CHUNKS_COLLECTION);
  return {
    heads: heads.collection as unknown as mongo.Collection<ConfigHeadDoc>,
    chunks: chunks.collection as unknown as mongo.Collection<ConfigChunkDoc>,
    cache: new LRUCache({ maxSize: CHUNK_CACHE_BYTES, sizeCalculation: (chunk) => Math.max(1, chunk.size) }),
    parsedHeads: new LRUCache({ max: 10_000 }),
  };
}

const chunkListSchema = z.array(chunkRefSchema);
const objectListSchema = z.array(storedObjectSchema);

export async function readConfigHead(store: ConfigStore, tenantId: string, type: ObjectTypeId): Promise<ConfigHead> {
  const id = configHeadId(tenantId, type);
  const doc = await store.heads.findOne({ _id: id });
  if (!doc) return EMPTY_HEAD;
  // Pages re-read the head on every request; its chunk list is parsed again only when it changed.
  const parsed = store.parsedHeads.get(id);
  if (parsed && parsed.version === doc.version && parsed.chunksText === doc.chunks) return parsed.head;
  const head = parseConfigHead(doc);
  store.parsedHeads.set(id, { version: doc.version, chunksText: doc.chunks, head });
  return head;
}

export function parseConfigHead(doc: Pick<ConfigHeadDoc, 'version' | 'count' | 'chunks'> | null): ConfigHead {
  if (!doc) return EMPTY_HEAD;
  return { version: doc.version, count: doc.count, chunks: chunkListSchema.parse(JSON.parse(doc.chunks)) };
}

/**
 * `cached` for reads that come back (pages, single objects); whole-type reads (exports, an import's planning) go to
 * the store, so they neither push the pages out of the cache nor measure the cache instead of the store.
 */
async function readChunk(store: ConfigStore, ref: ChunkRef, cached = true): Promise<StoredObject[]> {
  const hit = cached ? store.cache.get(ref.id) : undefined;
  if (hit) return hit.objects;
  const doc = await store.chunks.findOne({ _id: ref.id });
  // Heads are written after their chunks and chunks are deleted after the head that drops them: a missing chunk
  // means the head read is stale (a write committed since), which a fresh read resolves.
  if (!doc) throw new ChunkMissingError(ref.id);
  const objects = objectListSchema.parse(JSON.parse(doc.objects));
  if (cached) store.cache.set(ref.id, { objects, size: doc.objects.length });
  return objects;
}

export class ChunkMissingError extends Error {
  constructor(readonly chunkId: string) {
    super(`configuration chunk ${chunkId} is gone (a newer write replaced it)`);
  }
}

/** Reads against one head, retried once on a fresh head when a concurrent write removed a chunk meanwhile. */
async function withFreshHead<T>(
  store: ConfigStore,
  tenantId: string,
  type: ObjectTypeId,
  read: (head: ConfigHead) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read(await readConfigHead(store, tenantId, type));
    } catch (error) {
      if (!(error instanceof ChunkMissingError) || attempt >= 3) throw error;
    }
  }
}

/** Chunk reads an import's planning keeps in flight. */
const CHUNK_READS_IN_FLIGHT = 8;

/** Chunks read with bounded parallelism (uncached: whole-type and planning reads), in the order given. */
async function readChunks(store: ConfigStore, refs: readonly ChunkRef[]): Promise<Map<string, StoredObject[]>> {
  const read = await mapBounded(refs, CHUNK_READS_IN_FLIGHT, (ref) => readChunk(store, ref, false));
  return new Map(refs.map((ref, index) => [ref.id, read[index] ?? []]));
}

export async function readConfigObject(
  store: ConfigStore,
  tenantId: string,
  type: ObjectTypeId,
  key: string,
): Promise<StoredObject | undefined> {
  return withFreshHead(store, tenantId, type, async (head) => {
    const ref = head.chunks[chunkIndexOf(head.chunks, key)];
    if (!ref) return undefined;
    return (await readChunk(store, ref)).find((object) => object.key === key);
  });
}

/** Up to `limit` objects with keys after `afterKey`, in key order, and whether more follow. */
export async function readConfigPage(
  store: ConfigStore,
  tenantId: string,
  type: ObjectTypeId,
  page: { afterKey?: string; limit: number },
): Promise<{ objects: StoredObject[]; more: boolean }> {
  return withFreshHead(store, tenantId, type, async (head) => {
    const objects: StoredObject[] = [];
    for (let index = firstChunkAfter(head.chunks, page.afterKey); index < head.chunks.length; index += 1) {
      const ref = head.chunks[index];
      if (!ref) break;
      for (const object of await readChunk(store, ref)) {
        if (page.afterKey !== undefined && object.key <= page.afterKey) continue;
        if (objects.length === page.limit) return { objects, more: true };
        objects.push(object);
      }
    }
    return { objects, more: false };
  });
}

export async function countConfigObjects(store: ConfigStore, tenantId: string, type: ObjectTypeId): Promise<number> {
  return (await readConfigHead(store, tenantId, type)).count;
}

/** What a write is planned against: the head, the chunks holding the wanted keys, and the objects found. */
export interface ConfigSnapshot {
  tenantId: string;
  objectType: ObjectTypeId;
  head: ConfigHead;
  chunks: Map<string, StoredObject[]>;
  objects: Map<string, StoredObject>;
}

export async function readConfigSnapshot(
  store: ConfigStore,
  tenantId: string,
  type: ObjectTypeId,
  keys: Iterable<string>,
): Promise<ConfigSnapshot> {
  const wanted = new Set(keys);
  return withFreshHead(store, tenantId, type, async (head) => {
    const refs = chunkIndexesFor(head.chunks, wanted).flatMap((index) => head.chunks[index] ?? []);
    const chunks = await readChunks(store, refs);
    const objects = new Map<string, StoredObject>();
    for (const list of chunks.values()) {
      for (const object of list) if (wanted.has(object.key)) objects.set(object.key, object);
    }
    return { tenantId, objectType: type, head, chunks, objects };
  });
}

/**
 * Every object of a type, a chunk at a time in key order, as of one head (a concurrent import would only remove
 * chunks after its head is written; the one-operation-per-tenant rule means an export never races one).
 */
export async function* configObjectChunks(
  store: ConfigStore,
  tenantId: string,
  type: ObjectTypeId,
): AsyncGenerator<StoredObject[]> {
  const head = await readConfigHead(store, tenantId, type);
  const inFlight: Promise<StoredObject[]>[] = [];
  let next = 0;
  const readMore = () => {
    while (inFlight.length < EXPORT_READS_IN_FLIGHT && next < head.chunks.length) {
      const ref = head.chunks[next];
      next += 1;
      if (!ref) continue;
      const read = readChunk(store, ref, false);
      read.catch(() => undefined); // awaited below; an abandoned scan must not leave an unhandled rejection
      inFlight.push(read);
    }
  };
  readMore();
  for (let read = inFlight.shift(); read; read = inFlight.shift()) {
    readMore();
    yield await read;
  }
}

/** Chunk reads a whole-type scan keeps in flight: each is one lookup by `_id`, so they overlap well. */
const EXPORT_READS_IN_FLIGHT = 4;

/** A planned write: JSON, saved with an import batch's plan so that a retry writes exactly the same chunks. */
export interface ConfigWrite {
  tenantId: string;
  objectType: ObjectTypeId;
  rewrite: ChunkRewrite;
}

/** Plans writing `changes` (whole objects) against a snapshot holding their keys; `tag` must be unique per plan. */
export function planConfigWrite(snapshot: ConfigSnapshot, changes: readonly StoredObject[], tag: string): ConfigWrite {
  const { tenantId, objectType } = snapshot;
  const rewrite = planChunkRewrite(snapshot.head, snapshot.chunks, changes, (n) =>
    configChunkId(tenantId, objectType, tag, n),
  );
  return { tenantId, objectType, rewrite };
}

/** The head moved to a version this write was not planned against: plan again from what is stored now. */
export class ConfigWriteConflict extends Error {
  constructor(write: ConfigWrite, found: number) {
    super(
      `${write.objectType} of tenant ${write.tenantId} changed while a write was planned (planned against version ` +
        `${write.rewrite.baseVersion}, found ${found})`,
    );
  }
}

const isDuplicateKeyError = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === 11000;

/**
 * Applies a planned write: new chunks, then the head (the commit point), then the removal of the chunks it replaced.
 * Idempotent: a retry of a committed write only finishes the removals; a retry of an uncommitted one writes the same
 * chunks again. `beforeWrite` runs before each write up to the commit, so a cancelled attempt stops there.
 */
export async function applyConfigWrite(
  store: ConfigStore,
  write: ConfigWrite,
  beforeWrite: () => void = () => undefined,
): Promise<void> {
  const { tenantId, objectType, rewrite } = write;
  const headId = configHeadId(tenantId, objectType);
  const stored = await store.heads.findOne({ _id: headId }, { projection: { version: 1, chunks: 1 } });
  const storedVersion = stored?.version ?? 0;
  const committed = storedVersion === rewrite.head.version && stored?.chunks === JSON.stringify(rewrite.head.chunks);
  if (!committed) {
    if (storedVersion !== rewrite.baseVersion) throw new ConfigWriteConflict(write, storedVersion);
    const now = new Date();
    const docs = rewrite.chunks.map((chunk) => ({
      _id: chunk.id,
      tenantId,
      objectType,
      count: chunk.objects.length,
      objects: JSON.stringify(chunk.objects),
      createdAt: now,
    }));
    beforeWrite();
    try {
      if (docs.length > 0) await store.chunks.insertMany(docs, { ordered: false });
    } catch (error) {
      // An earlier attempt wrote some of them: write each one again (same id, same content).
      if (!isDuplicateKeyError(error)) throw error;
      for (const doc of docs) {
        beforeWrite();
        await store.chunks.replaceOne({ _id: doc._id }, doc, { upsert: true });
      }
    }
    beforeWrite();
    await store.heads.replaceOne(
      { _id: headId },
      {
        tenantId,
        objectType,
        version: rewrite.head.version,
        count: rewrite.head.count,
        chunks: JSON.stringify(rewrite.head.chunks),
        updatedAt: now,
      },
      { upsert: true },
    );
  }
  for (const id of rewrite.removed) {
    store.cache.delete(id);
    await store.chunks.deleteOne({ _id: id });
  }
}

/** Writes whole objects outside an import (seeding, tools): read, plan and apply in one go; one writer at a time. */
export async function writeConfigObjects(
  store: ConfigStore,
  tenantId: string,
  type: ObjectTypeId,
  objects: readonly StoredObject[],
  tag: string,
): Promise<void> {
  const snapshot = await readConfigSnapshot(
    store,
    tenantId,
    type,
    objects.map((object) => object.key),
  );
  await applyConfigWrite(store, planConfigWrite(snapshot, objects, tag));
}

/**
 * Removes chunks that no head lists and that were written before `olderThan`: those of a write abandoned before its
 * commit (a later retry of it writes all its chunks again, with a fresh `createdAt`, before its head), and any a
 * removal missed. A chunk younger than the cutoff may belong to a write in progress and is left alone.
 */
export async function deleteUnreferencedChunks(store: ConfigStore, olderThan: Date): Promise<number> {
  const old = store.chunks.find(
    { createdAt: { $lt: olderThan } },
    { projection: { _id: 1, tenantId: 1, objectType: 1 } },
  );
  const listed = new Map<string, Set<string>>();
  let deleted = 0;
  for await (const chunk of old) {
    const headId = `${chunk.tenantId}:${chunk.objectType}`;
    let ids = listed.get(headId);
    if (!ids) {
      const head = parseConfigHead(await store.heads.findOne({ _id: headId }));
      ids = new Set(head.chunks.map((ref) => ref.id));
      listed.set(headId, ids);
    }
    if (ids.has(chunk._id)) continue;
    // Read the head again right before deleting: a write may have committed this chunk since the first read.
    const current = parseConfigHead(await store.heads.findOne({ _id: headId }));
    if (current.chunks.some((ref) => ref.id === chunk._id)) continue;
    await store.chunks.deleteOne({ _id: chunk._id });
    deleted += 1;
  }
  return deleted;
}
