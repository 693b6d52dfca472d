import { z } from 'zod';
import type { ConfigData } from '../../domain/bulk/rows';

/**
 * The layout of stored configuration objects, as pure functions: a tenant's objects of one type are held in key
 * order in immutable **chunks** (documents of up to a few hundred objects), listed in order by one **head** document
 * per tenant and type. Every read and write is then a handful of lookups by `_id` — the one query shape FerretDB
 * answers from an index — instead of sorted, ranged, `$in` or counted queries, which it answers by decoding every
 * document of the collection. Why and how it performs: docs/architecture.md, "The embedded store".
 *
 * A write never changes a chunk in place: the chunks it touches are rewritten under new ids and the head, written
 * last, switches to them (copy-on-write). A reader therefore always sees a head and chunks that belong together, and
 * a chunk id always names the same content, so chunks can be cached by id.
 */

export const storedObjectSchema = z.object({
  key: z.string(),
  // Written by the importer from validated rows; on read only its shape is checked, not every column again.
  data: z.custom<ConfigData>((value) => typeof value === 'object' && value !== null && !Array.isArray(value)),
  version: z.number().int(),
  lastOperationId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type StoredObject = z.infer<typeof storedObjectSchema>;

export const chunkRefSchema = z.object({
  id: z.string(),
  firstKey: z.string(),
  lastKey: z.string(),
  count: z.number().int(),
});
export type ChunkRef = z.infer<typeof chunkRefSchema>;

export interface ConfigHead {
  /** 0 for a type that holds nothing yet; +1 per committed write. */
  version: number;
  count: number;
  chunks: ChunkRef[];
}

export const EMPTY_HEAD: ConfigHead = { version: 0, count: 0, chunks: [] };

/**
 * Chunk sizes: a page of 100 spans one or two chunks; a write rewrites whole chunks, so smaller chunks cost less per
 * changed object (a batch of 1000 keys spread over a type rewrites up to 1000 chunks) and more lookups per page.
 * A chunk is split once it exceeds the maximum, into pieces of the target size.
 */
export const CHUNK_LIMITS = {
  targetObjects: 64,
  maxObjects: 128,
  targetBytes: 128 * 1024,
  maxBytes: 256 * 1024,
} as const;

/** Key order: plain string comparison, the order of pages and exports. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Index of the chunk a key belongs to: the last one whose first key is ≤ key (the first chunk for smaller keys). */
export function chunkIndexOf(chunks: readonly ChunkRef[], key: string): number {
  let low = 0;
  let high = chunks.length - 1;
  let found = 0;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const chunk = chunks[middle];
    if (chunk && compareKeys(chunk.firstKey, key) <= 0) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/** Index of the first chunk that may hold a key greater than `afterKey` (chunks.length when none can). */
export function firstChunkAfter(chunks: readonly ChunkRef[], afterKey: string | undefined): number {
  if (afterKey === undefined) return 0;
  const index = chunkIndexOf(chunks, afterKey);
  const chunk = chunks[index];
  return chunk && compareKeys(chunk.lastKey, afterKey) <= 0 ? index + 1 : index;
}

/** Chunk indexes holding (or due to hold) the given keys, in chunk order. */
export function chunkIndexesFor(chunks: readonly ChunkRef[], keys: Iterable<string>): number[] {
  if (chunks.length === 0) return [];
  const indexes = new Set<number>();
  for (const key of keys) indexes.add(chunkIndexOf(chunks, key));
  return [...indexes].sort((a, b) => a - b);
}

const sizeOf = (object: StoredObject): number => JSON.stringify(object).length;

/** Cuts a key-ordered run into chunks: whole when within the maxima, otherwise pieces of about the target size. */
export function cutIntoChunks(objects: readonly StoredObject[]): StoredObject[][] {
  const sizes = objects.map(sizeOf);
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (objects.length <= CHUNK_LIMITS.maxObjects && total <= CHUNK_LIMITS.maxBytes) {
    return objects.length === 0 ? [] : [objects.slice()];
  }
  const pieces: StoredObject[][] = [];
  let piece: StoredObject[] = [];
  let bytes = 0;
  objects.forEach((object, index) => {
    const size = sizes[index] ?? 0;
    if (piece.length > 0 && (piece.length >= CHUNK_LIMITS.targetObjects || bytes + size > CHUNK_LIMITS.targetBytes)) {
      pieces.push(piece);
      piece = [];
      bytes = 0;
    }
    piece.push(object);
    bytes += size;
  });
  if (piece.length > 0) pieces.push(piece);
  return pieces;
}

export interface NewChunk {
  id: string;
  objects: StoredObject[];
}

export interface ChunkRewrite {
  baseVersion: number;
  head: ConfigHead;
  chunks: NewChunk[];
  /** Chunks the new head no longer lists. */
  removed: string[];
}

/**
 * The copy-on-write step of one write: `changes` (whole objects, any order, one per key) merged into the chunks they
 * fall in. `current` must hold the objects of every chunk that `chunkIndexesFor(head.chunks, changed keys)` names.
 * New chunk ids come from `newChunkId(n)`, n = 0, 1, …; they must never have been used before.
 */
export function planChunkRewrite(
  head: ConfigHead,
  current: ReadonlyMap<string, readonly StoredObject[]>,
  changes: readonly StoredObject[],
  newChunkId: (n: number) => string,
): ChunkRewrite {
  const sorted = [...changes].sort((a, b) => compareKeys(a.key, b.key));
  const byChunk = new Map<number, StoredObject[]>();
  for (const change of sorted) {
    const index = head.chunks.length === 0 ? 0 : chunkIndexOf(head.chunks, change.key);
    const list = byChunk.get(index) ?? [];
    list.push(change);
    byChunk.set(index, list);
  }
  const chunks: NewChunk[] = [];
  const refs: ChunkRef[] = [];
  const removed: string[] = [];
  let count = head.count;
  const emit = (objects: StoredObject[]) => {
    for (const piece of cutIntoChunks(objects)) {
      const first = piece[0];
      const last = piece[piece.length - 1];
      if (!first || !last) continue;
      const id = newChunkId(chunks.length);
      chunks.push({ id, objects: piece });
      refs.push({ id, firstKey: first.key, lastKey: last.key, count: piece.length });
    }
  };
  if (head.chunks.length === 0) {
    emit(sorted);
    count = sorted.length;
  }
  head.chunks.forEach((ref, index) => {
    const incoming = byChunk.get(index);
    if (!incoming) {
      refs.push(ref);
      return;
    }
    const existing = current.get(ref.id);
    if (!existing) throw new Error(`chunk ${ref.id} was not read before planning a write into it`);
    const merged = mergeByKey(existing, incoming);
    count += merged.length - existing.length;
    removed.push(ref.id);
    emit(merged);
  });
  return { baseVersion: head.version, head: { version: head.version + 1, count, chunks: refs }, chunks, removed };
}

/** Two key-ordered runs merged; an object of `incoming` replaces the one with the same key. */
function mergeByKey(existing: readonly StoredObject[], incoming: readonly StoredObject[]): StoredObject[] {
  const merged: StoredObject[] = [];
  let i = 0;
  let j = 0;
  while (i < existing.length || j < incoming.length) {
    const a = existing[i];
    const b = incoming[j];
    if (a && (!b || compareKeys(a.key, b.key) < 0)) {
      merged.push(a);
      i += 1;
    } else if (b) {
      if (a && a.key === b.key) i += 1;
      merged.push(b);
      j += 1;
    }
  }
  return merged;
}
