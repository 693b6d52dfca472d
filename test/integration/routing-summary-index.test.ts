/**
 * The Job Router's summary index (db/routing/summary-index.ts) on the real embedded FerretDB: appends across pages,
 * updates in place, removals, the last change of a batch winning, bounded scans with cursors (also across pages and
 * after a removal), and crash safety: a batch re-applied after being cut short at any write leaves exactly what one
 * clean apply leaves, document for document.
 */
import { randomBytes } from 'node:crypto';
import type { Connection, mongo } from 'mongoose';
import {
  type IndexCursor,
  PAGE_ENTRIES,
  ROUTING_INDEX_COLLECTION,
  type SummaryChange,
  type SummaryIndex,
  type SummaryKind,
  summaryHeadId,
  summaryIndex,
  summaryLocationId,
  summaryPageId,
} from '../../db/routing/summary-index';
import { useTestStack } from '../support/stack';

interface RawDoc {
  _id: string;
  entries?: string;
  lastPage?: number;
  page?: number;
}

const newTenantId = (): string => `t-${randomBytes(6).toString('hex')}`;
const jobId = (n: number): string => `job-${String(n).padStart(5, '0')}`;
const summaryOf = (n: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  n,
  status: n % 10 === 0 ? 'queued' : 'assigned',
  queueId: `q${n % 3}`,
  ...extra,
});
const appends = (from: number, to: number): SummaryChange[] =>
  Array.from({ length: to - from }, (_, i) => ({ id: jobId(from + i), summary: summaryOf(from + i) }));

describe('routing summary index', () => {
  const { stack } = useTestStack({ workers: false });
  let index: SummaryIndex;
  let raw: mongo.Collection<RawDoc>;

  beforeAll(() => {
    const connection: Connection = stack.db.connection;
    index = summaryIndex(connection);
    raw = connection.collection<RawDoc>(ROUTING_INDEX_COLLECTION);
  });

  const readDoc = (id: string) => raw.findOne({ _id: id });
  const pageIds = async (tenantId: string, page: number, kind: SummaryKind = 'jobs'): Promise<string[]> => {
    const doc = await readDoc(summaryPageId(tenantId, kind, page));
    if (!doc) return [];
    return (JSON.parse(doc.entries ?? '[]') as Array<{ id: string }>).map((entry) => entry.id);
  };
  const lastPageOf = async (tenantId: string, kind: SummaryKind = 'jobs'): Promise<number | undefined> =>
    (await readDoc(summaryHeadId(tenantId, kind)))?.lastPage;
  const locationOf = async (tenantId: string, id: string, kind: SummaryKind = 'jobs'): Promise<number | undefined> =>
    (await readDoc(summaryLocationId(tenantId, kind, id)))?.page;

  /** Every document of a tenant's index, keyed by `_id` less the tenant (for comparing two tenants' indexes). */
  async function snapshot(tenantId: string, ids: readonly string[], kind: SummaryKind = 'jobs') {
    const docs: Record<string, unknown> = {};
    const head = await readDoc(summaryHeadId(tenantId, kind));
    docs.head = head?.lastPage;
    for (let page = 0; page <= (head?.lastPage ?? 0) + 1; page += 1) {
      docs[`page:${page}`] = (await readDoc(summaryPageId(tenantId, kind, page)))?.entries;
    }
    for (const id of ids) docs[`loc:${id}`] = await locationOf(tenantId, id, kind);
    return docs;
  }

  const scanAll = async (tenantId: string, match: (s: Record<string, unknown>) => boolean, pageSize: number) => {
    const seen: string[] = [];
    const cursors: IndexCursor[] = [];
    let from: IndexCursor | undefined;
    for (let request = 0; request < 1000; request += 1) {
      const result = await index.scan(tenantId, 'jobs', {
        ...(from ? { from } : {}),
        limit: pageSize,
        maxExamined: 100,
        match,
      });
      seen.push(...result.entries.map((entry) => entry.id));
      if (!result.next) return { seen, cursors };
      cursors.push(result.next);
      from = result.next;
    }
    throw new Error('the scan never ended');
  };

  test('appends across page boundaries, in order, each id with its location', async () => {
    const tenantId = newTenantId();
    await index.apply(tenantId, 'jobs', appends(0, 300));
    await index.apply(tenantId, 'jobs', appends(300, 600));
    expect(await lastPageOf(tenantId)).toBe(2);
    expect(await pageIds(tenantId, 0)).toEqual(appends(0, PAGE_ENTRIES).map((c) => c.id));
    expect(await pageIds(tenantId, 1)).toEqual(appends(PAGE_ENTRIES, 2 * PAGE_ENTRIES).map((c) => c.id));
    expect(await pageIds(tenantId, 2)).toEqual(appends(2 * PAGE_ENTRIES, 600).map((c) => c.id));
    expect(await readDoc(summaryPageId(tenantId, 'jobs', 3))).toBeNull();
    expect(await locationOf(tenantId, jobId(0))).toBe(0);
    expect(await locationOf(tenantId, jobId(300))).toBe(1);
    expect(await locationOf(tenantId, jobId(599))).toBe(2);

    const all = await index.all(tenantId, 'jobs');
    expect(all).toEqual(appends(0, 600).map((c) => ({ id: c.id, summary: c.summary })));
  });

  test('a batch larger than a page spreads over new pages', async () => {
    const tenantId = newTenantId();
    await index.apply(tenantId, 'jobs', appends(0, 10));
    await index.apply(tenantId, 'jobs', appends(10, 700));
    expect(await lastPageOf(tenantId)).toBe(2);
    expect((await pageIds(tenantId, 0)).length).toBe(PAGE_ENTRIES);
    expect((await pageIds(tenantId, 1)).length).toBe(PAGE_ENTRIES);
    expect(await pageIds(tenantId, 2)).toEqual(appends(512, 700).map((c) => c.id));
    expect((await index.all(tenantId, 'jobs')).map((e) => e.id)).toEqual(appends(0, 700).map((c) => c.id));
  });

  test('updates in place keep the order; removals leave the rest; the last change of a batch wins', async () => {
    const tenantId = newTenantId();
    await index.apply(tenantId, 'jobs', appends(0, 600));
    await index.apply(tenantId, 'jobs', [
      { id: jobId(5), summary: summaryOf(5, { status: 'completed' }) },
      { id: jobId(400), summary: summaryOf(400, { status: 'cancelled' }) },
      { id: jobId(7), summary: null },
      { id: jobId(300), summary: null },
      // Several changes of one id: the last wins.
      { id: jobId(9), summary: summaryOf(9, { status: 'first' }) },
      { id: jobId(9), summary: summaryOf(9, { status: 'second' }) },
      { id: jobId(10), summary: null },
      { id: jobId(10), summary: summaryOf(10, { status: 'back' }) },
      { id: jobId(11), summary: summaryOf(11, { status: 'gone soon' }) },
      { id: jobId(11), summary: null },
      { id: 'new-a', summary: { n: -1 } },
      { id: 'new-a', summary: { n: -2 } },
      { id: 'new-b', summary: { n: -3 } },
      { id: 'new-b', summary: null },
    ]);
    const all = await index.all(tenantId, 'jobs');
    const expected = appends(0, 600)
      .filter((c) => ![7, 300, 11].includes(Number(c.summary?.n)))
      .map((c) => {
        const n = Number(c.summary?.n);
        const status = { 5: 'completed', 400: 'cancelled', 9: 'second', 10: 'back' }[n];
        return { id: c.id, summary: status === undefined ? c.summary : summaryOf(n, { status }) };
      });
    expected.push({ id: 'new-a', summary: { n: -2 } });
    expect(all).toEqual(expected);
    // In place: the updated entries did not move; the new one went to the last page; removed ids lost their location.
    expect((await pageIds(tenantId, 0))[5]).toBe(jobId(5));
    expect(await pageIds(tenantId, 2)).toContain('new-a');
    expect(await pageIds(tenantId, 1)).not.toContain(jobId(300));
    expect(await locationOf(tenantId, jobId(300))).toBeUndefined();
    expect(await locationOf(tenantId, jobId(11))).toBeUndefined();
    expect(await locationOf(tenantId, 'new-b')).toBeUndefined();
    expect(await locationOf(tenantId, 'new-a')).toBe(2);

    // A removed id that comes back is appended at the end.
    await index.apply(tenantId, 'jobs', [{ id: jobId(7), summary: summaryOf(7, { status: 'again' }) }]);
    const after = await index.all(tenantId, 'jobs');
    expect(after.at(-1)).toEqual({ id: jobId(7), summary: summaryOf(7, { status: 'again' }) });
    expect(after.filter((e) => e.id === jobId(7))).toHaveLength(1);
    // Removing what is not there, and an empty batch, change nothing.
    await index.apply(tenantId, 'jobs', [{ id: 'never-there', summary: null }]);
    await index.apply(tenantId, 'jobs', []);
    expect(await index.all(tenantId, 'jobs')).toEqual(after);
  });

  test('tenants and kinds are kept apart', async () => {
    const [a, b] = [newTenantId(), newTenantId()];
    await index.apply(a, 'jobs', [{ id: 'x', summary: { who: 'a-jobs' } }]);
    await index.apply(a, 'workers', [{ id: 'x', summary: { who: 'a-workers' } }]);
    await index.apply(b, 'jobs', [{ id: 'y', summary: { who: 'b-jobs' } }]);
    expect(await index.all(a, 'jobs')).toEqual([{ id: 'x', summary: { who: 'a-jobs' } }]);
    expect(await index.all(a, 'workers')).toEqual([{ id: 'x', summary: { who: 'a-workers' } }]);
    expect(await index.all(b, 'jobs')).toEqual([{ id: 'y', summary: { who: 'b-jobs' } }]);
    expect(await index.all(b, 'workers')).toEqual([]);
    expect(await index.scan(b, 'workers', { limit: 10, maxExamined: 10, match: () => true })).toEqual({ entries: [] });
  });

  describe('scan', () => {
    const tenantId = newTenantId();
    beforeAll(async () => {
      await index.apply(tenantId, 'jobs', appends(0, 600));
    });

    test('keeps the matches, stops at limit, and resumes after the last one', async () => {
      const queued = (s: Record<string, unknown>) => s.status === 'queued';
      const first = await index.scan(tenantId, 'jobs', { limit: 5, maxExamined: 1000, match: queued });
      expect(first.entries).toEqual([0, 10, 20, 30, 40].map((n) => ({ id: jobId(n), summary: summaryOf(n) })));
      expect(first.next).toEqual({ page: 0, index: 41, lastId: jobId(40) });
      const second = await index.scan(tenantId, 'jobs', {
        ...(first.next ? { from: first.next } : {}),
        limit: 5,
        maxExamined: 1000,
        match: queued,
      });
      expect(second.entries.map((e) => e.id)).toEqual([50, 60, 70, 80, 90].map(jobId));
      // The predicate gets the id too.
      const byId = await index.scan(tenantId, 'jobs', {
        limit: 2,
        maxExamined: 1000,
        match: (_s, id) => id.endsWith('99'),
      });
      expect(byId.entries.map((e) => e.id)).toEqual([jobId(99), jobId(199)]);
    });

    test('stops after maxExamined with a short (or empty) page and a cursor', async () => {
      const rare = (s: Record<string, unknown>) => Number(s.n) % 50 === 7;
      const first = await index.scan(tenantId, 'jobs', { limit: 10, maxExamined: 50, match: rare });
      expect(first.entries.map((e) => e.id)).toEqual([jobId(7)]);
      expect(first.next).toEqual({ page: 0, index: 50, lastId: jobId(49) });
      const second = await index.scan(tenantId, 'jobs', {
        ...(first.next ? { from: first.next } : {}),
        limit: 10,
        maxExamined: 50,
        match: rare,
      });
      expect(second.entries.map((e) => e.id)).toEqual([jobId(57)]);
      expect(second.next).toEqual({ page: 0, index: 100, lastId: jobId(99) });

      // Nothing matches: an empty page, but still a cursor, across a page boundary.
      const none = await index.scan(tenantId, 'jobs', { limit: 10, maxExamined: 300, match: () => false });
      expect(none.entries).toEqual([]);
      expect(none.next).toEqual({ page: 1, index: 300 - PAGE_ENTRIES, lastId: jobId(299) });
    });

    test('pages through the whole index across pages: every match once, in order, then no cursor', async () => {
      const even = (s: Record<string, unknown>) => Number(s.n) % 2 === 0;
      const { seen, cursors } = await scanAll(tenantId, even, 7);
      expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => jobId(2 * i)));
      expect(new Set(cursors.map((c) => c.page))).toEqual(new Set([0, 1, 2]));
      // Every cursor points right after the last examined entry.
      for (const cursor of cursors) {
        expect(cursor.lastId).toBe(jobId(cursor.page * PAGE_ENTRIES + cursor.index - 1));
      }
    });

    test('the end of the index: no cursor, also when the limit is reached on the last entry', async () => {
      const last = await index.scan(tenantId, 'jobs', {
        limit: 1,
        maxExamined: 1000,
        match: (s) => s.n === 599,
      });
      expect(last).toEqual({ entries: [{ id: jobId(599), summary: summaryOf(599) }] });
      const tail = await index.scan(tenantId, 'jobs', {
        from: { page: 2, index: 80, lastId: jobId(591) },
        limit: 50,
        maxExamined: 1000,
        match: () => true,
      });
      expect(tail.entries.map((e) => e.id)).toEqual([592, 593, 594, 595, 596, 597, 598, 599].map(jobId));
      expect(tail.next).toBeUndefined();
      const past = await index.scan(tenantId, 'jobs', {
        from: { page: 7, index: 0 },
        limit: 5,
        maxExamined: 10,
        match: () => true,
      });
      expect(past).toEqual({ entries: [] });
    });
  });

  test('a cursor whose last entry was removed resumes where it stood', async () => {
    const tenantId = newTenantId();
    await index.apply(tenantId, 'jobs', appends(0, 600));
    const all = () => true;
    const first = await index.scan(tenantId, 'jobs', { limit: 3, maxExamined: 100, match: all });
    expect(first.next).toEqual({ page: 0, index: 3, lastId: jobId(2) });
    await index.apply(tenantId, 'jobs', [{ id: jobId(2), summary: null }]);
    const resumed = await index.scan(tenantId, 'jobs', { from: first.next, limit: 3, maxExamined: 100, match: all });
    expect(resumed.entries.map((e) => e.id)).toEqual([3, 4, 5].map(jobId));

    // Entries before the cursor's removed: still right after it.
    const onPage1 = await index.scan(tenantId, 'jobs', {
      from: { page: 1, index: 10, lastId: jobId(265) },
      limit: 2,
      maxExamined: 100,
      match: all,
    });
    expect(onPage1.entries.map((e) => e.id)).toEqual([266, 267].map(jobId));
    await index.apply(tenantId, 'jobs', [
      { id: jobId(256), summary: null },
      { id: jobId(257), summary: null },
    ]);
    const shifted = await index.scan(tenantId, 'jobs', {
      from: { page: 1, index: 10, lastId: jobId(265) },
      limit: 2,
      maxExamined: 100,
      match: all,
    });
    expect(shifted.entries.map((e) => e.id)).toEqual([266, 267].map(jobId));

    // The cursor's entry removed, and others before it on its page (256, 257 above, 264 now): as many entries are
    // skipped (documented), never one repeated.
    await index.apply(tenantId, 'jobs', [
      { id: jobId(264), summary: null },
      { id: jobId(265), summary: null },
    ]);
    const skipped = await index.scan(tenantId, 'jobs', {
      from: { page: 1, index: 10, lastId: jobId(265) },
      limit: 2,
      maxExamined: 100,
      match: all,
    });
    expect(skipped.entries.map((e) => e.id)).toEqual([269, 270].map(jobId));

    // Removed, then appended again at the end of the same (last) page: treated as removed, not jumped to.
    const onLast = await index.scan(tenantId, 'jobs', {
      from: { page: 2, index: 5, lastId: jobId(516) },
      limit: 2,
      maxExamined: 100,
      match: all,
    });
    expect(onLast.entries.map((e) => e.id)).toEqual([517, 518].map(jobId));
    await index.apply(tenantId, 'jobs', [{ id: jobId(516), summary: null }]);
    await index.apply(tenantId, 'jobs', [{ id: jobId(516), summary: summaryOf(516) }]);
    expect((await pageIds(tenantId, 2)).at(-1)).toBe(jobId(516));
    const reappended = await index.scan(tenantId, 'jobs', {
      from: { page: 2, index: 5, lastId: jobId(516) },
      limit: 2,
      maxExamined: 100,
      match: all,
    });
    expect(reappended.entries.map((e) => e.id)).toEqual([517, 518].map(jobId));
  });

  describe('crash safety', () => {
    const before = appends(0, 500);
    /** New ids spilling over page 1 into a new page 2, updates on page 0, removals on pages 0 and 1. */
    const batch: SummaryChange[] = [
      ...appends(500, 530),
      { id: jobId(3), summary: summaryOf(3, { status: 'completed' }) },
      { id: jobId(260), summary: null },
      { id: jobId(4), summary: null },
    ];
    const ids = [...before, ...batch].map((change) => change.id);

    test('the same batch applied twice gives the same documents as once', async () => {
      const [once, twice] = [newTenantId(), newTenantId()];
      for (const tenantId of [once, twice]) await index.apply(tenantId, 'jobs', before);
      await index.apply(once, 'jobs', batch);
      await index.apply(twice, 'jobs', batch);
      await index.apply(twice, 'jobs', batch);
      const clean = await snapshot(once, ids);
      expect(clean.head).toBe(2);
      expect(await snapshot(twice, ids)).toEqual(clean);
      const all = await index.all(twice, 'jobs');
      expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
      expect(all).toHaveLength(500 + 30 - 2);
    });

    test('a location written alone (an append cut short) gives exactly one entry', async () => {
      const tenantId = newTenantId();
      await index.apply(tenantId, 'jobs', appends(0, 300));
      // What a crash right after writing the new id's location leaves: the location, no entry.
      await raw.replaceOne({ _id: summaryLocationId(tenantId, 'jobs', 'half') }, { page: 1 }, { upsert: true });
      await index.apply(tenantId, 'jobs', [{ id: 'half', summary: { n: 'half' } }]);
      const all = await index.all(tenantId, 'jobs');
      expect(all.filter((e) => e.id === 'half')).toEqual([{ id: 'half', summary: { n: 'half' } }]);
      expect((await pageIds(tenantId, 1)).at(-1)).toBe('half');
      expect(all).toHaveLength(301);
      // Applied again: still one.
      await index.apply(tenantId, 'jobs', [{ id: 'half', summary: { n: 'half' } }]);
      expect((await index.all(tenantId, 'jobs')).filter((e) => e.id === 'half')).toHaveLength(1);

      // A location pointing above the head (the head write was cut short too): the page and the head follow it.
      await raw.replaceOne({ _id: summaryLocationId(tenantId, 'jobs', 'above') }, { page: 2 }, { upsert: true });
      await index.apply(tenantId, 'jobs', [{ id: 'above', summary: { n: 'above' } }]);
      expect(await lastPageOf(tenantId)).toBe(2);
      expect(await pageIds(tenantId, 2)).toEqual(['above']);
    });

    test('a removal cut short after its page write finishes on retry', async () => {
      const tenantId = newTenantId();
      await index.apply(tenantId, 'jobs', appends(0, 20));
      // The page written without the entry, the location not yet deleted.
      const entries = (await index.all(tenantId, 'jobs'))
        .filter((e) => e.id !== jobId(5))
        .map((e) => ({ id: e.id, s: e.summary }));
      await raw.replaceOne(
        { _id: summaryPageId(tenantId, 'jobs', 0) },
        { entries: JSON.stringify(entries) },
        { upsert: true },
      );
      expect(await locationOf(tenantId, jobId(5))).toBe(0);
      await index.apply(tenantId, 'jobs', [{ id: jobId(5), summary: null }]);
      expect(await locationOf(tenantId, jobId(5))).toBeUndefined();
      expect((await index.all(tenantId, 'jobs')).map((e) => e.id)).toEqual(
        appends(0, 20)
          .map((c) => c.id)
          .filter((id) => id !== jobId(5)),
      );
    });

    /**
     * Every point a crash can cut the batch's writes at (locations of new ids, head, pages, deleted locations), made
     * by copying the clean apply's first writes into a tenant that held the same index before; the retry must then
     * leave the very same documents.
     */
    test('a retry after a crash at any write gives what one clean apply gives', async () => {
      const cleanTenant = newTenantId();
      await index.apply(cleanTenant, 'jobs', before);
      const beforeSnapshot = await snapshot(cleanTenant, ids);
      await index.apply(cleanTenant, 'jobs', batch);
      const clean = await snapshot(cleanTenant, ids);
      expect(clean).not.toEqual(beforeSnapshot);
      const newIds = appends(500, 530).map((c) => c.id);
      const newLocations = newIds.map((id) => clean[`loc:${id}`]);
      expect(new Set(newLocations)).toEqual(new Set([1, 2]));

      type Write = (tenantId: string) => Promise<unknown>;
      const location =
        (id: string): Write =>
        (tenantId) =>
          raw.replaceOne(
            { _id: summaryLocationId(tenantId, 'jobs', id) },
            { page: clean[`loc:${id}`] as number },
            { upsert: true },
          );
      const head: Write = (tenantId) =>
        raw.replaceOne({ _id: summaryHeadId(tenantId, 'jobs') }, { lastPage: clean.head as number }, { upsert: true });
      const page =
        (n: number): Write =>
        (tenantId) =>
          raw.replaceOne(
            { _id: summaryPageId(tenantId, 'jobs', n) },
            { entries: clean[`page:${n}`] as string },
            { upsert: true },
          );
      const unlocate =
        (id: string): Write =>
        (tenantId) =>
          raw.deleteOne({ _id: summaryLocationId(tenantId, 'jobs', id) });
      // Locations in a scattered order (they are written in parallel), some on each new page.
      const scattered = [...newIds].sort((a, b) => (a.endsWith('7') ? -1 : 0) - (b.endsWith('7') ? -1 : 0));
      const allLocations = scattered.map(location);
      const crashes: Array<[string, Write[]]> = [
        ['a few locations', scattered.slice(0, 4).map(location)],
        ['every location', allLocations],
        ['locations and head', [...allLocations, head]],
        ['the new page only', [...allLocations, head, page(2)]],
        ['the page of the updates only', [...allLocations, head, page(0)]],
        ['every page', [...allLocations, head, page(0), page(1), page(2)]],
        ['one removed location deleted', [...allLocations, head, page(0), page(1), page(2), unlocate(jobId(260))]],
      ];
      for (const [what, writes] of crashes) {
        const tenantId = newTenantId();
        await index.apply(tenantId, 'jobs', before);
        for (const write of writes) await write(tenantId);
        await index.apply(tenantId, 'jobs', batch);
        expect({ what, docs: await snapshot(tenantId, ids) }).toEqual({ what, docs: clean });
      }
    });
  });
});
