import { csv, runImport, submitExport, submitImport, waitForOperation, type OperationBody } from '../support/bulk';
import { eventually, useTestStack } from '../support/stack';
import { storedObjects } from '../support/config-objects';

const HEADER = ['Name', 'Description', 'Type'];
const codes = (count: number, prefix: string) =>
  csv(
    HEADER,
    Array.from({ length: count }, (_, i) => [`${prefix} ${i + 1}`, '', 'IDLE_CODE']),
  );

describe('bulk operation lifecycle', () => {
  // Small batches make "after the current batch" observable.
  const { stack, tenant } = useTestStack({ env: { CCFLOW_BULK_BATCH_SIZE: '100' } });

  it('allows one active operation per tenant (409 naming it) while other tenants run in parallel', async () => {
    await stack.stopWorkers(); // operations stay `new` until a worker runs them
    const other = await stack.newTenant('Parallel');
    try {
      const first = await submitImport(stack, tenant, 'work-types', codes(3, 'A'), 'a.csv');
      expect(first.status).toBe(202);
      expect(first.body.status).toBe('new');
      const second = await submitImport(stack, tenant, 'work-types', codes(3, 'B'), 'b.csv');
      expect(second.status).toBe(409);
      expect(second.body).toMatchObject({ code: 'operationActive', activeOperationId: first.body.id });
      const exportToo = await submitExport(stack, tenant, 'sites');
      expect(exportToo.status).toBe(409);
      const parallel = await submitImport(stack, other, 'work-types', codes(3, 'C'), 'c.csv');
      expect(parallel.status).toBe(202);

      await stack.startWorkers();
      expect((await waitForOperation(stack, tenant, first.body.id)).status).toBe('completed');
      expect((await waitForOperation(stack, other, parallel.body.id)).status).toBe('completed');
      const list = await stack.http.get('/v1/bulk/operations').set(tenant.auth);
      expect(list.body.items.map((op: OperationBody) => op.id)).not.toContain(second.body.id);
    } finally {
      await stack.startWorkers().catch(() => undefined);
    }
  });

  it('shows live progress and cancels after the current batch, keeping and counting written rows', async () => {
    const res = await submitImport(stack, tenant, 'work-types', codes(3000, 'Cancel'), 'cancel.csv');
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    const running = await eventually(async () => {
      const op = (await stack.http.get(`/v1/bulk/operations/${id}`).set(tenant.auth)).body as OperationBody;
      return op.progress.processed > 0 && op.progress.processed < 3000 ? op : undefined;
    });
    expect(running.status).toBe('inProgress');
    expect(running.progress.total).toBe(3000);
    expect(running.links.cancel).toBe(`/v1/bulk/operations/${id}:cancel`);

    const cancel = await stack.http.post(`/v1/bulk/operations/${id}:cancel`).set(tenant.auth);
    expect(cancel.status).toBe(202);
    const ended = await waitForOperation(stack, tenant, id);
    expect(ended).toMatchObject({ status: 'failed', failureReason: 'cancelled' });
    expect(ended.counts.succeeded).toBeGreaterThan(0);
    expect(ended.counts.succeeded).toBeLessThan(3000);
    expect(ended.counts.succeeded % 100).toBe(0);
    const stored = (await storedObjects(stack.db, tenant.id, 'work-types')).filter((object) =>
      object.key.startsWith('Cancel '),
    ).length;
    expect(stored).toBe(ended.counts.succeeded);

    const again = await stack.http.post(`/v1/bulk/operations/${id}:cancel`).set(tenant.auth);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('notCancellable');
  });

  it('retries a completedWithErrors operation from its stored file as a new operation', async () => {
    const content = csv(HEADER, [
      ['Ok 1', '', 'IDLE_CODE'],
      ['Bad 1', '', 'NOT_A_TYPE'],
    ]);
    const original = await runImport(stack, tenant, 'work-types', content, 'retry-me.csv');
    expect(original.status).toBe('completedWithErrors');
    expect(original.links.retry).toBe(`/v1/bulk/operations/${original.id}:retry`);

    const retried = await stack.http.post(`/v1/bulk/operations/${original.id}:retry`).set(tenant.auth);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ retryOf: original.id, fileName: 'retry-me.csv', kind: 'import' });
    expect(retried.body.id).not.toBe(original.id);
    const ended = await waitForOperation(stack, tenant, retried.body.id);
    expect(ended).toMatchObject({ status: 'completedWithErrors', counts: { total: 2, succeeded: 1, failed: 1 } });

    const completed = await runImport(stack, tenant, 'work-types', codes(1, 'Fine'), 'fine.csv');
    const refused = await stack.http.post(`/v1/bulk/operations/${completed.id}:retry`).set(tenant.auth);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('notRetryable');
  });

  it('lists newest first with filters, search and cursor pagination', async () => {
    const all = (await stack.http.get('/v1/bulk/operations?limit=100').set(tenant.auth)).body.items as OperationBody[];
    const created = all.map((op) => op.createdAt as string);
    expect([...created].sort().reverse()).toEqual(created);

    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await stack.http
        .get(`/v1/bulk/operations?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set(tenant.auth);
      pages.push(...page.body.items.map((op: OperationBody) => op.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(pages).toEqual(all.map((op) => op.id));

    const failed = await stack.http.get('/v1/bulk/operations?status=failed').set(tenant.auth);
    expect(failed.body.items.length).toBeGreaterThan(0);
    expect(failed.body.items.every((op: OperationBody) => op.status === 'failed')).toBe(true);
    const byName = await stack.http.get('/v1/bulk/operations?q=RETRY-ME').set(tenant.auth);
    expect(byName.body.items.map((op: OperationBody) => op.fileName)).toEqual(['retry-me.csv', 'retry-me.csv']);
    const byId = await stack.http.get(`/v1/bulk/operations?q=${all[0]?.id}`).set(tenant.auth);
    expect(byId.body.items.map((op: OperationBody) => op.id)).toEqual([all[0]?.id]);
    const byType = await stack.http.get('/v1/bulk/operations?objectType=sites&kind=import').set(tenant.auth);
    expect(byType.body.items).toEqual([]);
    const badCursor = await stack.http.get('/v1/bulk/operations?cursor=nonsense').set(tenant.auth);
    expect(badCursor.status).toBe(400);
  });

  it('makes each operation findable in Temporal by tenant, object type, kind and status', async () => {
    const op = await runImport(stack, tenant, 'work-types', codes(2, 'Visible'), 'visible.csv');
    const query = `TenantId = "${tenant.id}" AND ObjectType = "work-types" AND OperationKind = "import" AND OperationId = "${op.id}"`;
    const found = await eventually(async () => {
      for await (const workflow of stack.client.workflow.list({ query })) return workflow;
      return undefined;
    });
    expect(found.workflowId).toBe(`bulk/${tenant.id}`);
    expect(found.searchAttributes.WorkStatus).toEqual(['completed']);
    expect(found.memo).toMatchObject({ operationId: op.id, fileName: 'visible.csv' });
  });
});
