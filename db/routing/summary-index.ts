/**
 * A per-(tenant, kind) paged index of compact summaries (jobs, workers), so that the Job Router lists
 * (`GET /routing/jobs?status=…&queueId=…`, `GET /routing/workers?state=…&hasCapacity=…`) scan a few pages read by `_id`
 * instead of filtering a collection: FerretDB 1.x answers only `_id` equality without reading every stored document
 * (docs/architecture.md "The embedded store"). Collection `routing_index`, three shapes of document:
 *
 * - pages `{_id: "{tenantId}:{kind}:page:{n}", entries}`, n = 0, 1, 2, …: `entries` is the JSON text of
 *   `Array<{id, s}>` (`s` the summary) in insertion order; JSON text because FerretDB converts nested documents field
 *   by field. New entries are appended to the last page, a new page begun when it holds `PAGE_ENTRIES`. An entry is
 *   updated in place and removed where it is; pages may shrink (even to empty) and are never compacted, so an entry
 *   never moves.
 * - the head `{_id: "{tenantId}:{kind}:head", lastPage}`: the highest page number (missing: 0). Pages up to it that are
 *   not stored are empty.
 * - locations `{_id: "{tenantId}:{kind}:loc:{id}", page}`: the page an id's entry lives on.
 *
 * **One writer per (tenant, kind)**: the tenant's router workflow's projector activity. FerretDB has no atomic
 * read-modify-write (an update reads in Go and writes back) and these writes replace whole pages planned from what
 * was read, so two concurrent writers would lose each other's entries. Readers may be many (every API process) and
 * nothing is cached across calls, so a reader sees each page as last written.
 *
 * **Crash safety**: an activity retry re-applies the same batch after a crash at any point, and gets what one clean
 * apply gives (same entries, same pages, same order). A batch writes, in this order: the location docs of new ids,
 * the head (only when it grows), the touched pages, then deletes the location docs of removed ids. So an entry on a page
 * always has a location doc naming that page; a location doc whose page lacks the id (an append or a removal cut
 * short) means "append it there" for a summary and "just delete the location" for a removal. A crash while the
 * locations are written leaves pages and head as they were, so the retry plans the same appends (in the same order, the
 * ids whose location was already written placed where it says); after that, every new id's location is written, so
 * nothing is planned afresh. The head is written before the pages it names, so it never lags behind a stored page (a
 * reader reads pages `0..lastPage` and nothing beyond). A batch abandoned for good (never retried) can leave a location
 * doc without its entry: the id's next summary is appended on that page, its removal deletes the location.
 *
 * Costs, in reads by `_id` (~2 ms each on the patched FerretDB, whatever the collection holds):
 *
 * - `apply` of n changes: 1 (head) + n (locations) in parallel, then the pages those name plus the last page, in
 *   parallel (≤ 8 in flight); writes: the new ids' locations (one `insertMany`), the head when a page is begun, each
 *   touched page once, a delete by `_id` per removed id's location.
 * - `scan`: the head and the pages it walks through, whatever the index holds: at most about
 *   `maxExamined / PAGE_ENTRIES + 2` (it stops after `maxExamined` entries). The head and the pages `limit` entries
 *   take are read together, then up to `SCAN_READ_AHEAD` pages at a time as the match rate seen so far says the rest
 *   needs: each page read costs FerretDB ~5 ms of CPU at ~40 KB (256 entries of ~150 bytes), so a scan reads few pages
 *   it does not use. Summaries under short keys make pages, and so scans, cheaper.
 * - `all`: the head and every page (≤ 8 in flight).
 *
 * Every statement filters on `_id` alone: an index lookup on FerretDB (patched) and on MongoDB alike.
 */
import { type Connection, Schema, type mongo } from 'mongoose';
import { mapBounded } from '../bounded';

export type SummaryKind = 'jobs' | 'workers';

/** One change of a batch: the id's new summary, or `null` to remove its entry. */
export interface SummaryChange {
  id: string;
  summary: Record<string, unknown> | null;
}

/**
 * A position in an index: after the last entry examined, `index` being its position in `page` plus one. `lastId` (its
 * id) lets a resumed scan find it again if entries before it were removed meanwhile.
 */
export interface IndexCursor {
  page: number;
  index: number;
  lastId?: string;
}

export interface SummaryScanOptions {
  /** Start after this position (from `next` of an earlier scan); absent: at the first entry. */
  from?: IndexCursor;
  /** Stop once this many entries matched. */
  limit: number;
  /** Stop once this many entries were examined (matching or not), so that every scan is bounded. */
  maxExamined: number;
  match: (summary: Record<string, unknown>, id: string) => boolean;
}

export interface SummaryScanResult {
  entries: Array<{ id: string; summary: Record<string, unknown> }>;
  /** Where the next scan starts; absent when the end of the index was reached. */
  next?: IndexCursor;
}

export interface SummaryIndex {
  /**
   * Applies a batch of changes (the last change of an id wins): an existing id's entry is updated in place, a new id
   * appended, a `null` summary removes the id's entry. Idempotent, and safe to re-apply after a crash at any point.
   * One writer per (tenant, kind) at a time.
   */
  apply(tenantId: string, kind: SummaryKind, changes: readonly SummaryChange[]): Promise<void>;
  /**
   * Entries in index order after `from` that `match`, stopping at `limit` matches or after `maxExamined` entries:
   * then `next` is returned even when fewer than `limit` matched (the caller returns a next link). When the entry a
   * cursor names was removed meanwhile, the scan resumes where it stood: exact when only that entry was removed, one
   * entry skipped for every other entry removed before it on its page.
   */
  scan(tenantId: string, kind: SummaryKind, options: SummaryScanOptions): Promise<SummaryScanResult>;
  /** Every entry in index order (deletion checks). */
  all(tenantId: string, kind: SummaryKind): Promise<Array<{ id: string; summary: Record<string, unknown> }>>;
}

/** Entries a page is filled to by appends (updates never move an entry, so a page never grows past it by them). */
export const PAGE_ENTRIES = 256;
/** Reads and writes by `_id` one call keeps in flight. */
const IN_FLIGHT = 8;
/** Pages a scan reads ahead of the one it examines, at most. */
const SCAN_READ_AHEAD = 4;
/** Pages of full size that `entries` entries take (at least 1). */
const pagesFor = (entries: number): number => Math.max(1, Math.ceil(entries / PAGE_ENTRIES));

export const ROUTING_INDEX_COLLECTION = 'routing_index';

const routingIndexSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** Pages: the entries, JSON text of `Array<{id, s}>`. */
    entries: { type: String },
    /** The head. */
    lastPage: { type: Number },
    /** Locations. */
    page: { type: Number },
  },
  { versionKey: false },
);

interface IndexDoc {
  _id: string;
  entries?: string;
  lastPage?: number;
  page?: number;
}

export const routingIndexModel = (connection: Connection) =>
  connection.model('RoutingIndex', routingIndexSchema, ROUTING_INDEX_COLLECTION);

const prefix = (tenantId: string, kind: SummaryKind): string => `${tenantId}:${kind}`;
export const summaryHeadId = (tenantId: string, kind: SummaryKind): string => `${prefix(tenantId, kind)}:head`;
export const summaryPageId = (tenantId: string, kind: SummaryKind, page: number): string =>
  `${prefix(tenantId, kind)}:page:${page}`;
export const summaryLocationId = (tenantId: string, kind: SummaryKind, id: string): string =>
  `${prefix(tenantId, kind)}:loc:${id}`;

interface Entry {
  id: string;
  s: Record<string, unknown>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A page's entries; written only by `apply`, so anything else is a corrupt page (an error, never silently dropped). */
function parseEntries(text: string, docId: string): Entry[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error(`routing index page ${docId} is not a list of entries`);
  for (const entry of parsed as unknown[]) {
    if (!isRecord(entry) || typeof entry.id !== 'string' || !isRecord(entry.s)) {
      throw new Error(`routing index page ${docId} holds a malformed entry`);
    }
  }
  return parsed as Entry[];
}

const sameSummary = (a: Record<string, unknown>, b: Record<string, unknown>): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

export function summaryIndex(connection: Connection): SummaryIndex {
  const model = routingIndexModel(connection);
  const docs = model.collection as unknown as mongo.Collection<IndexDoc>;

  const readLastPage = async (tenantId: string, kind: SummaryKind): Promise<number> => {
    const head = await docs.findOne({ _id: summaryHeadId(tenantId, kind) }, { projection: { lastPage: 1 } });
    return typeof head?.lastPage === 'number' ? head.lastPage : 0;
  };

  /** A page's entries; a page not stored is empty. */
  const readPage = async (tenantId: string, kind: SummaryKind, page: number): Promise<Entry[]> => {
    const docId = summaryPageId(tenantId, kind, page);
    const doc = await docs.findOne({ _id: docId }, { projection: { entries: 1 } });
    return typeof doc?.entries === 'string' ? parseEntries(doc.entries, docId) : [];
  };

  const readLocation = async (tenantId: string, kind: SummaryKind, id: string): Promise<number | undefined> => {
    const doc = await docs.findOne({ _id: summaryLocationId(tenantId, kind, id) }, { projection: { page: 1 } });
    return typeof doc?.page === 'number' ? doc.page : undefined;
  };

  const put = async (doc: IndexDoc): Promise<void> => {
    await docs.replaceOne({ _id: doc._id }, doc, { upsert: true });
  };

  return {
    async apply(tenantId, kind, changes) {
      // The last change of an id wins; ids keep the order of their first change (the order appends are planned in).
      const wanted = new Map<string, Record<string, unknown> | null>();
      for (const change of changes) wanted.set(change.id, change.summary);
      if (wanted.size === 0) return;
      // Creates the collection before the parallel writes below (FerretDB's SQLite backend has answered SQLITE_BUSY
      // to collections created concurrently); mongoose runs it once per model and returns the same promise after.
      await model.init();
      const ids = [...wanted.keys()];

      // Round 1: the head and every id's location.
      const [lastPage, located] = await Promise.all([
        readLastPage(tenantId, kind),
        mapBounded(ids, IN_FLIGHT, (id) => readLocation(tenantId, kind, id)),
      ]);
      const locations = new Map<string, number>();
      ids.forEach((id, index) => {
        const page = located[index];
        if (page !== undefined) locations.set(id, page);
      });

      // Round 2: the pages those locations name, and the last page when something is appended afresh.
      const toRead = new Set(locations.values());
      if (ids.some((id) => wanted.get(id) !== null && !locations.has(id))) toRead.add(lastPage);
      const pageNumbers = [...toRead].sort((a, b) => a - b);
      const read = await mapBounded(pageNumbers, IN_FLIGHT, (page) => readPage(tenantId, kind, page));
      const pages = new Map<number, Entry[]>(pageNumbers.map((page, index) => [page, read[index] ?? []]));

      // Plan in memory, ids in the order of their first change.
      const touched = new Set<number>();
      const newLocations: Array<{ id: string; page: number }> = [];
      const removedLocations: string[] = [];
      const pageOf = (page: number): Entry[] => {
        let entries = pages.get(page);
        if (!entries) {
          // A page begun by this batch: above the head, so not stored (the head is written before a page it names).
          entries = [];
          pages.set(page, entries);
        }
        return entries;
      };
      let appendTo = lastPage;
      for (const id of ids) {
        const summary = wanted.get(id) ?? null;
        const at = locations.get(id);
        const entries = at === undefined ? undefined : pageOf(at);
        const position = entries ? entries.findIndex((entry) => entry.id === id) : -1;
        if (summary === null) {
          if (at === undefined || !entries) continue;
          if (position >= 0) {
            entries.splice(position, 1);
            touched.add(at);
          }
          removedLocations.push(id);
          continue;
        }
        if (at !== undefined && entries) {
          const current = entries[position];
          if (current) {
            if (sameSummary(current.s, summary)) continue;
            entries[position] = { id, s: summary };
          } else {
            // A location without its entry: an append (or a removal) cut short. The entry belongs on that page.
            entries.push({ id, s: summary });
          }
          touched.add(at);
          continue;
        }
        while (pageOf(appendTo).length >= PAGE_ENTRIES) appendTo += 1;
        pageOf(appendTo).push({ id, s: summary });
        touched.add(appendTo);
        newLocations.push({ id, page: appendTo });
      }

      // Writes: locations of new ids, the head, the pages, then the removed ids' locations (see the top comment).
      // One statement for all of them: 50 locations take FerretDB ~4 ms this way and ~180 ms as upserts one by one.
      // None exists (each was just read, and there is one writer); if one does, a writer ran concurrently: the error
      // stops this apply before any page is written, and a retry plans again from what is stored.
      if (newLocations.length > 0) {
        await docs.insertMany(
          newLocations.map(({ id, page }) => ({ _id: summaryLocationId(tenantId, kind, id), page })),
          { ordered: false },
        );
      }
      const highest = Math.max(lastPage, ...touched);
      if (highest > lastPage) await put({ _id: summaryHeadId(tenantId, kind), lastPage: highest });
      await mapBounded([...touched], IN_FLIGHT, (page) =>
        put({ _id: summaryPageId(tenantId, kind, page), entries: JSON.stringify(pages.get(page) ?? []) }),
      );
      await mapBounded(removedLocations, IN_FLIGHT, async (id) => {
        await docs.deleteOne({ _id: summaryLocationId(tenantId, kind, id) });
      });
    },

    async scan(tenantId, kind, { from, limit, maxExamined, match }) {
      if (!(limit >= 1) || !(maxExamined >= 1)) throw new RangeError('scan needs limit >= 1 and maxExamined >= 1');
      const first = Math.max(0, from?.page ?? 0);
      const pending = new Map<number, Promise<Entry[]>>();
      /** Reads pages `start..start+count-1` (none past `lastPage`) unless already under way. */
      const readAhead = (start: number, count: number, lastPage = Number.MAX_SAFE_INTEGER): void => {
        const end = Math.min(start + count - 1, lastPage);
        for (let page = start; page <= end; page += 1) {
          if (pending.has(page)) continue;
          const reading = readPage(tenantId, kind, page);
          reading.catch(() => undefined); // awaited when the scan gets there; unused when it stops first
          pending.set(page, reading);
        }
      };
      // The head together with the pages that hold `limit` entries (all of them matching, the best case); pages read
      // past the head are empty and ignored.
      const headRead = readLastPage(tenantId, kind);
      readAhead(first, pagesFor((from?.index ?? 0) + Math.min(limit, maxExamined)));
      const lastPage = await headRead;

      const found: SummaryScanResult['entries'] = [];
      let examined = 0;
      for (let page = first; page <= lastPage; page += 1) {
        readAhead(page, 1, lastPage);
        const entries = (await pending.get(page)) ?? [];
        pending.delete(page);
        let index = from && page === first ? resumeAt(entries, from) : 0;
        while (index < entries.length) {
          const entry = entries[index] as Entry;
          index += 1;
          examined += 1;
          if (match(entry.s, entry.id)) found.push({ id: entry.id, summary: entry.s });
          if (found.length >= limit || examined >= maxExamined) {
            const more = index < entries.length || page < lastPage;
            return more ? { entries: found, next: { page, index, lastId: entry.id } } : { entries: found };
          }
        }
        // The pages the rest will likely take at the match rate seen so far (when nothing matched yet: up to the
        // examination budget), a few at most. Every page read costs the store a few ms of CPU, so a scan that finds
        // its matches early reads few more than it uses.
        const budget = maxExamined - examined;
        const likely = found.length === 0 ? budget : Math.ceil(((limit - found.length) * examined) / found.length);
        readAhead(page + 1, Math.min(SCAN_READ_AHEAD, pagesFor(Math.min(budget, likely))), lastPage);
      }
      return { entries: found };
    },

    async all(tenantId, kind) {
      const lastPage = await readLastPage(tenantId, kind);
      const numbers = Array.from({ length: lastPage + 1 }, (_, page) => page);
      const pages = await mapBounded(numbers, IN_FLIGHT, (page) => readPage(tenantId, kind, page));
      return pages.flatMap((entries) => entries.map((entry) => ({ id: entry.id, summary: entry.s })));
    },
  };
}

/**
 * Where a scan resumes on the cursor's page. Entries before the cursor can only have been removed since (appends go
 * at the end), so its entry, if still there, is at or before `index - 1`; when it was removed, the entry that followed
 * it is now at `index - 1` (exact unless other entries before it were removed too: then as many are skipped). Found
 * further on, it was removed and appended again: treated as removed.
 */
function resumeAt(entries: readonly Entry[], from: IndexCursor): number {
  const clamp = (index: number): number => Math.min(Math.max(0, index), entries.length);
  if (from.lastId === undefined) return clamp(from.index);
  const at = entries.findIndex((entry) => entry.id === from.lastId);
  return at >= 0 && at < from.index ? at + 1 : clamp(from.index - 1);
}
