import { setTimeout as sleep } from 'node:timers/promises';
import { type Connection, Schema } from 'mongoose';
import { z } from 'zod';
import {
  OPERATION_KINDS,
  OPERATION_STATUSES,
  type OperationKind,
  type OperationStatus,
} from '../../domain/bulk/status';
import { mapBounded } from '../bounded';
import type { Database } from '../connection';
import { isDuplicateKey } from '../read-model';

/**
 * The per-tenant list of bulk operations, in submission order, so that `GET /v1/bulk/operations` never scans.
 *
 * Why not a query: FerretDB 1.x on SQLite executes only `{_id: "<string>"}` filters without reading (and decoding)
 * the whole collection; a filter on `tenantId`, a range, a sort or a count costs ~0.1 ms per stored document, seconds
 * at 10,000 operations. And why not an index of ids with one read per operation: each read by `_id` costs ~1 ms of
 * FerretDB's CPU, so a page of 100 took ~130 ms. So the list keeps, per tenant, what a page shows (`bulk_operation_index`):
 *
 * - chunks `{_id: "{tenantId}:{chunkNo}", tenantId, chunkNo, entries}`: one entry per operation in append order, about
 *   `OPERATION_INDEX_CHUNK_SIZE` each, an entry being the operation's summary (its read-model fields, `version`
 *   included) as one compact JSON string (`encodeEntry`). Strings, because FerretDB decodes a chunk of 100 nested
 *   documents in ~25 ms and the same data as 100 strings in ~4 ms. Chunk numbers start at 0 and are contiguous; new
 *   entries go to the newest.
 * - a head `{_id: "{tenantId}", tenantId, latestChunk}`: where the newest chunk is. It is a hint written after the chunk
 *   it names exists; readers also probe the chunk above it, so a lost or stale head write costs one more read, never a
 *   missing operation.
 *
 * A page is the head, the newest chunk (one or two for 100 operations), and a read by `_id` of the few operations whose
 * entry still says `new`/`inProgress`: the operation's own document is the source of truth, and an entry is a copy that
 * a lost concurrent update could leave behind. Ended entries are exact: an ended operation never changes again. A
 * position in the list, `{chunkNo, offset}`, stays valid while chunks grow, because entries are only ever appended.
 *
 * Writers: the API when it records a submitted operation, and the workflow's every state save, each with the state's
 * version (an entry is replaced only by a newer version; appending an operation that is already there does nothing).
 * Writes replace the whole chunk with a filter on `_id` alone, then read it back and try again if a concurrent writer
 * overwrote them. Concurrent writers of one tenant are rare: a tenant runs one operation at a time.
 *
 * Retention (activities/bulk/purge.ts) deletes whole chunks whose operations are all purged, oldest first and never the
 * newest (the workflow may be writing to it), so the stored chunks are always a contiguous range ending at the newest:
 * a missing chunk below a stored one means the list ends there. Entries of purged operations in kept chunks are hidden
 * by the list (they ended before the retention period).
 *
 * Every query of this collection is by `_id`, which is indexed everywhere; no other index is needed on MongoDB either.
 */
const operationIndexSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    /** Chunks only. */
    chunkNo: { type: Number },
    /** Chunks only: an encoded `OperationSummary` each (`encodeEntry`), oldest first. */
    entries: { type: [String], default: undefined },
    /** The head only. */
    latestChunk: { type: Number },
  },
  { versionKey: false },
);

export const bulkOperationIndexModel = (connection: Connection) =>
  connection.model('BulkOperationIndex', operationIndexSchema, 'bulk_operation_index');

export const OPERATION_INDEX_CHUNK_SIZE = 100;
/** Attempts of one write before it gives up (each re-reads; only concurrent writers of one tenant need more than 1). */
const WRITE_ATTEMPTS = 12;

/** What the list shows of an operation: the fields of its read model (dates as ISO strings), and their version. */
export interface OperationSummary {
  id: string;
  version: number;
  kind: OperationKind;
  objectType: string;
  fileName: string;
  status: OperationStatus;
  failureReason?: string;
  dryRun: boolean;
  submittedBy: string;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  counts: { total: number; succeeded: number; failed: number };
  processed: number;
  errorsKey?: string;
  resultKey?: string;
  retryOf?: string;
}

/**
 * An entry as stored: the summary under one-letter keys, dates as epoch milliseconds, counts as a triple. FerretDB's
 * cost of reading a chunk grows with its bytes, and this takes an entry from ~450 to ~300 bytes.
 */
const storedEntrySchema = z.object({
  i: z.string(), // id
  v: z.number(), // version
  k: z.enum(OPERATION_KINDS),
  t: z.string(), // objectType
  f: z.string(), // fileName
  s: z.enum(OPERATION_STATUSES),
  r: z.string().optional(), // failureReason
  d: z.boolean(), // dryRun
  b: z.string(), // submittedBy
  c: z.number(), // createdAt
  a: z.number().optional(), // startedAt
  e: z.number().optional(), // endedAt
  n: z.tuple([z.number(), z.number(), z.number()]), // counts: total, succeeded, failed
  p: z.number(), // processed
  x: z.string().optional(), // errorsKey
  o: z.string().optional(), // resultKey
  y: z.string().optional(), // retryOf
});
type StoredEntry = z.infer<typeof storedEntrySchema>;

const epoch = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));
const isoOf = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

function encodeEntry(summary: OperationSummary): string {
  const { counts } = summary;
  const stored: StoredEntry = {
    i: summary.id,
    v: summary.version,
    k: summary.kind,
    t: summary.objectType,
    f: summary.fileName,
    s: summary.status,
    r: summary.failureReason,
    d: summary.dryRun,
    b: summary.submittedBy,
    c: Date.parse(summary.createdAt),
    a: epoch(summary.startedAt),
    e: epoch(summary.endedAt),
    n: [counts.total, counts.succeeded, counts.failed],
    p: summary.processed,
    x: summary.errorsKey,
    o: summary.resultKey,
    y: summary.retryOf,
  };
  return JSON.stringify(stored); // undefined fields are left out
}

function decodeEntry(raw: string): OperationSummary | undefined {
  let parsed: ReturnType<typeof storedEntrySchema.safeParse>;
  try {
    parsed = storedEntrySchema.safeParse(JSON.parse(raw));
  } catch {
    return undefined;
  }
  if (!parsed.success) return undefined;
  const { i, v, k, t, f, s, r, d, b, c, a, e, n, p, x, o, y } = parsed.data;
  const optional = { failureReason: r, startedAt: isoOf(a), endedAt: isoOf(e), errorsKey: x, resultKey: o, retryOf: y };
  return {
    id: i,
    version: v,
    kind: k,
    objectType: t,
    fileName: f,
    status: s,
    dryRun: d,
    submittedBy: b,
    createdAt: new Date(c).toISOString(),
    counts: { total: n[0], succeeded: n[1], failed: n[2] },
    processed: p,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
}

const headId = (tenantId: string): string => tenantId;
const chunkId = (tenantId: string, chunkNo: number): string => `${tenantId}:${chunkNo}`;

/** An entry as stored, and parsed; `summary` is undefined when the stored text is not a summary (never written so). */
interface Entry {
  raw: string;
  summary?: OperationSummary;
}

interface Chunk {
  chunkNo: number;
  entries: Entry[];
}

function parseEntry(raw: string): Entry {
  const summary = decodeEntry(raw);
  return summary ? { raw, summary } : { raw };
}

async function readChunk(db: Database, tenantId: string, chunkNo: number): Promise<Chunk | undefined> {
  if (chunkNo < 0) return undefined;
  const doc = await db.bulkOperationIndex
    .findById(chunkId(tenantId, chunkNo), { entries: 1 })
    .lean<{ entries?: string[] }>();
  return doc ? { chunkNo, entries: (doc.entries ?? []).map(parseEntry) } : undefined;
}

const positionOf = (chunk: Chunk | undefined, operationId: string): number =>
  chunk ? chunk.entries.findIndex((entry) => entry.summary?.id === operationId) : -1;

interface Top {
  /** The newest chunk, if the tenant has any. */
  latest?: Chunk;
  /** What the head says, if it exists. */
  headChunk?: number;
}

/** The newest chunk: the head, then the chunk it names and the one above it at once (the probe of a stale head). */
async function readTop(db: Database, tenantId: string): Promise<Top> {
  const head = await db.bulkOperationIndex
    .findById(headId(tenantId), { latestChunk: 1 })
    .lean<{ latestChunk?: number }>();
  const headChunk = head?.latestChunk;
  let chunkNo = headChunk ?? 0;
  let [latest, next] = await Promise.all([readChunk(db, tenantId, chunkNo), readChunk(db, tenantId, chunkNo + 1)]);
  // The head lags behind (a crash or a lost write after a chunk was created): the chunks above it are newer.
  while (next) {
    chunkNo += 1;
    [latest, next] = [next, await readChunk(db, tenantId, chunkNo + 1)];
  }
  return { ...(latest ? { latest } : {}), ...(headChunk !== undefined ? { headChunk } : {}) };
}

/** Random, growing pause between attempts, so that racing writers stop colliding. */
const backoff = (attempt: number): Promise<void> => sleep(Math.random() * Math.min(500, 5 * 2 ** attempt));

async function replaceChunk(db: Database, tenantId: string, chunkNo: number, entries: string[]): Promise<void> {
  await db.bulkOperationIndex.replaceOne({ _id: chunkId(tenantId, chunkNo) }, { tenantId, chunkNo, entries });
}

/** Written after the chunk it names exists; a stale value only costs readers a probe (see readTop). */
async function writeHead(db: Database, tenantId: string, latestChunk: number): Promise<void> {
  await db.bulkOperationIndex.replaceOne({ _id: headId(tenantId) }, { tenantId, latestChunk }, { upsert: true });
}

/**
 * Puts the operation's summary in its tenant's list: appended when the operation is not listed yet, replacing its
 * entry when this version is newer, nothing otherwise (the API and every state save of the workflow call it, retries
 * included). Only the newest two chunks are searched: a tenant runs one operation at a time, so an operation's entry is
 * never more than one chunk away from the newest when its own writers run.
 */
export async function indexOperation(db: Database, tenantId: string, summary: OperationSummary): Promise<void> {
  const raw = encodeEntry(summary);
  for (let attempt = 1; ; attempt += 1) {
    const top = await readTop(db, tenantId);
    let chunk = top.latest;
    let at = positionOf(chunk, summary.id);
    if (at < 0 && chunk && chunk.chunkNo > 0) {
      const previous = await readChunk(db, tenantId, chunk.chunkNo - 1);
      const inPrevious = positionOf(previous, summary.id);
      if (inPrevious >= 0) [chunk, at] = [previous, inPrevious];
    }
    let target: number;
    const listed = chunk?.entries[at]?.summary;
    if (chunk && listed) {
      if (listed.version >= summary.version) return;
      target = chunk.chunkNo;
      await replaceChunk(
        db,
        tenantId,
        target,
        chunk.entries.map((entry, index) => (index === at ? raw : entry.raw)),
      );
    } else if (top.latest && top.latest.entries.length < OPERATION_INDEX_CHUNK_SIZE) {
      target = top.latest.chunkNo;
      await replaceChunk(db, tenantId, target, [...top.latest.entries.map((entry) => entry.raw), raw]);
      if (top.headChunk !== target) await writeHead(db, tenantId, target);
    } else {
      target = top.latest ? top.latest.chunkNo + 1 : (top.headChunk ?? 0);
      try {
        await db.bulkOperationIndex.create({
          _id: chunkId(tenantId, target),
          tenantId,
          chunkNo: target,
          entries: [raw],
        });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Another writer created this chunk first: re-read and join it.
        if (attempt >= WRITE_ATTEMPTS) throw writeFailed(tenantId, summary.id);
        await backoff(attempt);
        continue;
      }
      await writeHead(db, tenantId, target);
    }
    // Replacing is read-modify-write: a concurrent writer may have overwritten ours (or written a newer version).
    const written = await readChunk(db, tenantId, target);
    const stored = written?.entries[positionOf(written, summary.id)]?.summary;
    if (stored && stored.version >= summary.version) return;
    if (attempt >= WRITE_ATTEMPTS) throw writeFailed(tenantId, summary.id);
    await backoff(attempt);
  }
}

const writeFailed = (tenantId: string, operationId: string): Error =>
  new Error(`could not list operation ${operationId} for tenant ${tenantId}: concurrent writers kept overwriting it`);

/** Where a walk of the list resumes: the entries before `offset` in chunk `chunkNo`, then every older chunk. */
export interface IndexPosition {
  chunkNo: number;
  offset: number;
}

export interface IndexEntry {
  /** Undefined for an entry that cannot be read (the walk goes on past it). */
  summary?: OperationSummary;
  /** The position just after this entry (newest-first): resuming there yields the entry before it. */
  position: IndexPosition;
}

export interface OperationIndexWalk {
  /** Up to `count` next entries, newest first; fewer only at the end of the list. */
  take(count: number): Promise<IndexEntry[]>;
  /** True once nothing older is left (false may still be followed by an empty `take` at a purged bottom). */
  readonly exhausted: boolean;
}

/**
 * Walks a tenant's list newest-first from `from` (a position of an earlier walk) or from the newest entry. A position
 * whose chunk has been purged meanwhile ends the walk: every older chunk is purged too. `readAhead` older chunks are
 * read together with each chunk the walk moves on to: a filtered page that may examine hundreds of entries then waits
 * for one read per group of chunks instead of one per chunk (reads by `_id` run in parallel in the store).
 */
export async function walkOperationIndex(
  db: Database,
  tenantId: string,
  from?: IndexPosition,
  options: { readAhead?: number } = {},
): Promise<OperationIndexWalk> {
  let chunk = from ? await readChunk(db, tenantId, from.chunkNo) : (await readTop(db, tenantId)).latest;
  let offset = Math.min(from?.offset ?? Number.MAX_SAFE_INTEGER, chunk?.entries.length ?? 0);
  const ahead = new Map<number, Promise<Chunk | undefined>>();
  const read = (chunkNo: number): Promise<Chunk | undefined> => {
    const pending = ahead.get(chunkNo);
    ahead.delete(chunkNo);
    if (pending) return pending;
    for (let older = chunkNo - 1; older >= Math.max(0, chunkNo - (options.readAhead ?? 0)); older -= 1) {
      const early = readChunk(db, tenantId, older);
      early.catch(() => undefined); // awaited when the walk gets there; unused when the page ends first
      ahead.set(older, early);
    }
    return readChunk(db, tenantId, chunkNo);
  };
  return {
    async take(count) {
      const taken: IndexEntry[] = [];
      while (taken.length < count && chunk) {
        if (offset > 0) {
          offset -= 1;
          const summary = chunk.entries[offset]?.summary;
          taken.push({ ...(summary ? { summary } : {}), position: { chunkNo: chunk.chunkNo, offset } });
          continue;
        }
        chunk = await read(chunk.chunkNo - 1);
        offset = chunk?.entries.length ?? 0;
      }
      return taken;
    },
    get exhausted() {
      return !chunk || (offset === 0 && chunk.chunkNo === 0);
    },
  };
}

/** Parallel reads by `_id` while checking whether a chunk still lists a stored operation. */
const PURGE_READ_CONCURRENCY = 8;

/**
 * Retention, after the operations that ended before `endedBefore` were deleted: deletes the tenant's oldest chunks while
 * none of the operations they list is stored any more, stopping at the first chunk that still lists a stored operation
 * and never touching the newest chunk (the head's), which the workflow may be writing to. Deleting from the bottom up
 * keeps the stored chunks contiguous even when interrupted. An entry that ended before `endedBefore` is known to be
 * purged; any other is looked up by `_id`. Returns how many chunks were deleted.
 */
export async function removePurgedIndexChunks(db: Database, tenantId: string, endedBefore: Date): Promise<number> {
  const model = db.bulkOperationIndex;
  const head = await model.findById(headId(tenantId), { latestChunk: 1 }).lean<{ latestChunk?: number }>();
  const newest = head?.latestChunk;
  if (newest === undefined) return 0;
  let oldest = newest;
  while (oldest > 0 && (await model.exists({ _id: chunkId(tenantId, oldest - 1) }))) oldest -= 1;
  let removed = 0;
  for (let chunkNo = oldest; chunkNo < newest; chunkNo += 1) {
    const chunk = await readChunk(db, tenantId, chunkNo);
    if (!chunk) break;
    const unsure = chunk.entries.flatMap(({ summary }) =>
      summary && !(summary.endedAt && new Date(summary.endedAt) < endedBefore) ? [summary.id] : [],
    );
    const stored = await mapBounded(unsure, PURGE_READ_CONCURRENCY, (id) => db.bulkOperations.exists({ _id: id }));
    if (stored.some(Boolean)) break;
    await model.deleteOne({ _id: chunkId(tenantId, chunkNo) });
    removed += 1;
  }
  return removed;
}
