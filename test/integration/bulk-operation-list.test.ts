/**
 * GET /v1/bulk/operations over the operation index (db/bulk/operation-index.ts): newest first, every operation exactly
 * once across pages, filters, tenants kept apart, purged operations and index chunks gone, a submission listed at once.
 */
import { randomUUID } from 'node:crypto';
import { LIST_MAX_EXAMINED } from '../../api/bulk/operations';
import { OPERATION_INDEX_CHUNK_SIZE, walkOperationIndex } from '../../db/bulk/operation-index';
import { recordSubmittedOperation, saveOperationState } from '../../db/bulk/operations';
import { bulkRetentionScheduleId } from '../../domain/ids';
import { encodeCursor } from '../../api/http/pagination';
import type { OperationStatus } from '../../domain/bulk/status';
import type { bulkRetentionPurge } from '../../workflows/bulk/retention';
import { submitExport, waitForOperation, type OperationBody } from '../support/bulk';
import { eventually, type TestTenant, useTestStack } from '../support/stack';

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Operations of the main tenant; the oldest `OLD` ended beyond the default retention (365 days): not listed (they are
 * due for the purge), and the purge deletes them.
 */
const COUNT = 700;
const OLD = 150;
/** The one operation whose file name matches `NEEDLE`: more than LIST_MAX_EXAMINED operations are newer than it. */
const NEEDLE_AT = 160;
const NEEDLE = 'Needle-Report';
const STATUSES: OperationStatus[] = ['completed', 'failed', 'completedWithErrors'];

interface Seeded {
  id: string;
  tenantId: string;
  kind: 'import' | 'export';
  objectType: string;
  status: OperationStatus;
  fileName: string;
  /** Ended before the retention period. */
  expired: boolean;
}

interface ListBody {
  items: OperationBody[];
  nextCursor?: string;
}

describe('bulk operation list', () => {
  const { stack, tenant } = useTestStack();
  /** Oldest first, as submitted. */
  const seeded: Seeded[] = [];
  const foreign: Seeded[] = [];
  let other: TestTenant;

  /** Records and ends one operation through the production writers, as the API and the workflow do. */
  async function seed(tenantId: string, index: number, createdAt: Date, endedAt: Date): Promise<Seeded> {
    const operationId = randomUUID();
    const kind: Seeded['kind'] = index % 5 === 0 ? 'export' : 'import';
    const objectType = kind === 'export' ? 'sites' : index % 2 === 0 ? 'work-types' : 'teams';
    const status = STATUSES[index % STATUSES.length] ?? 'completed';
    const fileName = index === NEEDLE_AT ? `${NEEDLE}.csv` : `file-${index}.csv`;
    const created = {
      kind,
      objectType,
      fileName,
      dryRun: false,
      submittedBy: 'seed',
      createdAt: createdAt.toISOString(),
    };
    await recordSubmittedOperation(stack.db, { ...created, tenantId, operationId });
    await saveOperationState(stack.db, {
      tenantId,
      operationId,
      version: 1,
      state: {
        status,
        counts: { total: 1, succeeded: status === 'completed' ? 1 : 0, failed: status === 'completed' ? 0 : 1 },
        processed: 1,
        startedAt: createdAt.toISOString(),
        endedAt: endedAt.toISOString(),
        ...(status === 'completed' ? {} : { errorsKey: `bulk/${tenantId}/${operationId}/errors.csv` }),
        ...(kind === 'export' && status === 'completed'
          ? { resultKey: `bulk/${tenantId}/${operationId}/result.csv`, resultContentType: 'text/csv' }
          : {}),
      },
      created,
    });
    const expired = endedAt.getTime() < Date.now() - 365 * DAY_MS;
    return { id: operationId, tenantId, kind, objectType, status, fileName, expired };
  }

  const get = async (who: TestTenant, query: string): Promise<ListBody> => {
    const res = await stack.http.get(`/v1/bulk/operations?${query}`).set(who.auth);
    expect(res.status).toBe(200);
    return res.body as ListBody;
  };

  /** Every page of a query, following nextCursor; the ids in the order listed, and how many pages it took. */
  async function listAll(who: TestTenant, query: string): Promise<{ ids: string[]; pages: ListBody[] }> {
    const pages: ListBody[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(who, `${query}${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(page);
      cursor = page.nextCursor;
      if (pages.length > 1000) throw new Error('paging does not end');
    } while (cursor);
    return { ids: pages.flatMap((page) => page.items.map((item) => item.id)), pages };
  }

  const newestFirstAll = (operations: Seeded[]): string[] => [...operations].reverse().map((op) => op.id);
  /** What a list must show of these operations: those within the retention period, newest first. */
  const newestFirst = (operations: Seeded[]): string[] =>
    operations
      .filter((op) => !op.expired)
      .reverse()
      .map((op) => op.id);

  beforeAll(async () => {
    other = await stack.newTenant('Other tenant');
    const now = Date.now();
    const longAgo = now - 3 * 365 * DAY_MS;
    const recently = now - DAY_MS;
    for (let index = 0; index < COUNT; index += 1) {
      const old = index < OLD;
      const createdAt = new Date((old ? longAgo : recently) + index * 1000);
      const endedAt = new Date(createdAt.getTime() + 500);
      seeded.push(await seed(tenant.id, index, createdAt, endedAt));
      // Another tenant's operations, interleaved with these (recent: the purge keeps them).
      const foreignAt = new Date(recently + index * 1000);
      if (index % 20 === 0) foreign.push(await seed(other.id, index, foreignAt, foreignAt));
    }
  }, 300_000);

  it('lists newest first, and pages through every operation exactly once', async () => {
    const first = await get(tenant, 'limit=100');
    expect(first.items.map((item) => item.id)).toEqual(newestFirst(seeded).slice(0, 100));
    const created = first.items.map((item) => String(item.createdAt));
    expect([...created].sort().reverse()).toEqual(created);
    expect(first.nextCursor).toEqual(expect.any(String));
    // A listed operation reads exactly as the operation itself (links included).
    for (const item of first.items.slice(0, 15)) {
      expect(item).toEqual((await stack.http.get(`/v1/bulk/operations/${item.id}`).set(tenant.auth)).body);
    }
    expect(new Set(first.items.flatMap((item) => Object.keys(item.links)))).toEqual(
      new Set(['self', 'errors', 'result', 'retry']),
    );
    // The default page size is 20.
    expect((await get(tenant, '')).items.map((item) => item.id)).toEqual(newestFirst(seeded).slice(0, 20));

    for (const limit of [7, 100]) {
      const { ids, pages } = await listAll(tenant, `limit=${limit}`);
      expect(ids).toEqual(newestFirst(seeded));
      expect(pages).toHaveLength(Math.ceil((COUNT - OLD) / limit));
      expect(pages.at(-1)?.nextCursor).toBeUndefined();
    }
  });

  it('keeps a cursor valid while newer operations are appended', async () => {
    const first = await get(tenant, 'limit=10');
    const added = await seed(tenant.id, COUNT, new Date(), new Date());
    seeded.push(added);
    const second = await get(tenant, `limit=10&cursor=${first.nextCursor ?? ''}`);
    expect(second.items.map((item) => item.id)).toEqual(newestFirst(seeded).slice(11, 21));
    expect((await get(tenant, 'limit=2')).items.map((item) => item.id)).toEqual(newestFirst(seeded).slice(0, 2));
  });

  it('shows a running operation from its document, whatever its list entry says', async () => {
    const running = await stack.newTenant('Running tenant');
    const at = new Date();
    const op = await seed(running.id, 1, at, at);
    // The entry says "failed" (ended); a running one's entry is only a hint: make it say inProgress, then let the
    // document (the source of truth) move on as if the list's update had been lost.
    await saveOperationState(stack.db, {
      tenantId: running.id,
      operationId: op.id,
      version: 2,
      state: { status: 'inProgress', counts: { total: 5, succeeded: 0, failed: 0 }, processed: 0 },
      created: {
        kind: op.kind,
        objectType: op.objectType,
        fileName: op.fileName,
        dryRun: false,
        submittedBy: 'seed',
        createdAt: at.toISOString(),
      },
    });
    const [listedRunning] = (await get(running, '')).items;
    expect(listedRunning).toMatchObject({ id: op.id, status: 'inProgress' });
    await stack.db.bulkOperations.updateOne(
      { _id: op.id },
      { $set: { status: 'completed', version: 3, endedAt: new Date(), counts: { total: 5, succeeded: 5, failed: 0 } } },
    );
    expect((await get(running, '')).items).toEqual([
      expect.objectContaining({ id: op.id, status: 'completed', counts: { total: 5, succeeded: 5, failed: 0 } }),
    ]);
    expect((await get(running, 'status=inProgress')).items).toEqual([]);
    // A running operation whose document is gone is not listed.
    await stack.db.bulkOperations.updateOne({ _id: op.id }, { $set: { status: 'inProgress' } });
    expect((await get(running, 'status=inProgress')).items).toHaveLength(1);
    await stack.db.bulkOperations.deleteOne({ _id: op.id });
    expect(await get(running, '')).toEqual({ items: [] });
  });

  it('filters by status, kind, object type and q, across pages', async () => {
    const expectIds = async (query: string, wanted: (op: Seeded) => boolean) => {
      const { ids } = await listAll(tenant, query);
      expect(ids).toEqual(newestFirst(seeded.filter(wanted)));
    };
    await expectIds('status=failed&limit=50', (op) => op.status === 'failed');
    await expectIds('kind=export&limit=100', (op) => op.kind === 'export');
    await expectIds(
      'objectType=teams&status=completed',
      (op) => op.objectType === 'teams' && op.status === 'completed',
    );
    await expectIds('q=FILE-69', (op) => op.fileName.startsWith('file-69'));
    const target = seeded[400];
    await expectIds(`q=${target?.id}`, (op) => op.id === target?.id);
    expect((await get(tenant, 'objectType=queues')).items).toEqual([]);
  });

  it('caps the operations examined per request: a short page with a cursor, then the match', async () => {
    expect(COUNT - 1 - NEEDLE_AT).toBeGreaterThan(LIST_MAX_EXAMINED);
    const first = await get(tenant, `q=${NEEDLE.toLowerCase()}`);
    expect(first.items).toEqual([]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const { ids } = await listAll(tenant, `q=${NEEDLE.toLowerCase()}`);
    expect(ids).toEqual([seeded[NEEDLE_AT]?.id]);
  });

  it("never shows another tenant's operations, in lists or by id", async () => {
    const { ids } = await listAll(tenant, 'limit=100');
    const foreignIds = foreign.map((op) => op.id);
    expect(ids.filter((id) => foreignIds.includes(id))).toEqual([]);
    expect((await listAll(other, 'limit=100')).ids).toEqual(newestFirst(foreign));
    const foreignOne = foreign[0]?.id ?? '';
    expect((await get(tenant, `q=${foreignOne}`)).items).toEqual([]);
    const byId = await stack.http.get(`/v1/bulk/operations/${foreignOne}`).set(tenant.auth);
    expect(byId.status).toBe(404);
    expect((await stack.http.get(`/v1/bulk/operations/${foreignOne}/errors`).set(tenant.auth)).status).toBe(404);
  });

  it('answers 400 to a cursor it did not make', async () => {
    for (const cursor of ['nonsense', encodeCursor([new Date().toISOString(), randomUUID()]), encodeCursor([-1, 3])]) {
      const res = await stack.http.get(`/v1/bulk/operations?cursor=${cursor}`).set(tenant.auth);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validationFailed');
    }
  });

  it('lists nothing past retention; the purge deletes those operations and the index chunks that list only them', async () => {
    // A tenant whose only chunk lists only purged operations: it is the newest chunk, so it stays (the workflow
    // writes to it).
    const lonely = await stack.newTenant('Lonely tenant');
    const ancient = new Date(Date.now() - 3 * 365 * DAY_MS);
    const lonelyOps = [await seed(lonely.id, 1, ancient, ancient), await seed(lonely.id, 2, ancient, ancient)];
    /** The stored entries of one chunk of the operation index (undefined when the chunk is not stored). */
    const chunkEntries = async (tenantId: string, chunkNo: number): Promise<string[] | undefined> =>
      (await stack.db.bulkOperationIndex.findById(`${tenantId}:${chunkNo}`).lean())?.entries ?? undefined;
    const oldest = seeded[0]?.id ?? '';
    // Before the purge: stored (found by id) but not listed, as it ended before the retention period.
    expect((await stack.http.get(`/v1/bulk/operations/${oldest}`).set(tenant.auth)).status).toBe(200);
    expect((await get(tenant, `q=${oldest}`)).items).toEqual([]);
    expect(await chunkEntries(tenant.id, 0)).toHaveLength(OPERATION_INDEX_CHUNK_SIZE);

    const schedule = stack.client.schedule.getHandle(bulkRetentionScheduleId(stack.config.CCFLOW_TASK_QUEUE_PREFIX));
    const before = (await schedule.describe()).info.numActionsTaken;
    await schedule.trigger();
    const started = await eventually(
      async () => {
        const { info } = await schedule.describe();
        return info.numActionsTaken > before ? info.recentActions.at(-1)?.action.workflow : undefined;
      },
      30000,
      'the schedule to start a purge',
    );
    const result = await stack.client.workflow
      .getHandle<typeof bulkRetentionPurge>(started.workflowId, started.firstExecutionRunId)
      .result();
    expect(result.purged).toBe(OLD + lonelyOps.length);

    expect((await stack.http.get(`/v1/bulk/operations/${oldest}`).set(tenant.auth)).status).toBe(404);
    const { ids } = await listAll(tenant, 'limit=100');
    expect(ids).toEqual(newestFirst(seeded));
    // Chunk 0 listed only purged operations: deleted. Chunk 1 still lists stored ones (those after the first OLD).
    expect(OLD).toBeGreaterThanOrEqual(OPERATION_INDEX_CHUNK_SIZE);
    expect(OLD).toBeLessThan(2 * OPERATION_INDEX_CHUNK_SIZE);
    expect(await chunkEntries(tenant.id, 0)).toBeUndefined();
    expect(await chunkEntries(tenant.id, 1)).toHaveLength(OPERATION_INDEX_CHUNK_SIZE);
    expect(await chunkEntries(other.id, 0)).toHaveLength(foreign.length);
    expect(await chunkEntries(lonely.id, 0)).toHaveLength(lonelyOps.length);
    const lonelyWalk = await walkOperationIndex(stack.db, lonely.id);
    expect((await lonelyWalk.take(10)).map((entry) => entry.summary?.id)).toEqual(newestFirstAll(lonelyOps));
    expect(await get(lonely, '')).toEqual({ items: [] });
  });

  it('lists an operation submitted through the API as soon as the 202 is answered', async () => {
    // Without workers the workflow cannot write anything: the API's own append is what lists it.
    const quiet = await stack.newTenant('Quiet tenant');
    await stack.stopWorkers();
    let queued: string | undefined;
    try {
      const res = await submitExport(stack, quiet, 'sites');
      expect(res.status).toBe(202);
      queued = res.body.id as string;
      const walk = await walkOperationIndex(stack.db, quiet.id);
      expect((await walk.take(10)).map((entry) => entry.summary?.id)).toEqual([queued]);
    } finally {
      await stack.startWorkers();
    }
    if (queued) await waitForOperation(stack, quiet, queued);

    // And over HTTP, with the workflow running at the same time.
    const res = await submitExport(stack, tenant, 'sites');
    expect(res.status).toBe(202);
    const listed = await get(tenant, 'limit=5');
    expect(listed.items[0]?.id).toBe(res.body.id);
    expect(listed.items.slice(1).map((item) => item.id)).toEqual(newestFirst(seeded).slice(0, 4));
    await waitForOperation(stack, tenant, res.body.id as string);
  });
});
