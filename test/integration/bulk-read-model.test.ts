/** The bulk_operations read model: two writers (API and workflow) that tolerate each other, versions in order. */
import { randomUUID } from 'node:crypto';
import { walkOperationIndex } from '../../db/bulk/operation-index';
import { recordSubmittedOperation, saveOperationState } from '../../db/bulk/operations';
import { upsertVersioned } from '../../db/read-model';
import { useTestStack } from '../support/stack';

describe('bulk operation read model', () => {
  const { stack, tenant } = useTestStack({ workers: false });

  const created = {
    kind: 'import' as const,
    objectType: 'work-types',
    fileName: 'race.csv',
    dryRun: false,
    submittedBy: 'test',
    createdAt: new Date().toISOString(),
  };
  const inProgress = (version: number, processed: number) => ({
    tenantId: tenant.id,
    version,
    state: { status: 'inProgress' as const, counts: { total: 10, succeeded: processed, failed: 0 }, processed },
    created,
  });

  /** Every entry of the tenant's list, newest first. */
  async function entries(tenantId: string) {
    const walk = await walkOperationIndex(stack.db, tenantId);
    return (await walk.take(100_000)).map((entry) => entry.summary);
  }
  const listed = async (tenantId: string): Promise<(string | undefined)[]> =>
    (await entries(tenantId)).map((summary) => summary?.id);

  it('lets the API record and the workflow save the same new operation at once, keeping the workflow state', async () => {
    const ids: string[] = Array.from({ length: 25 }, () => randomUUID());
    const outcomes = await Promise.allSettled(
      ids.flatMap((operationId) => [
        recordSubmittedOperation(stack.db, { ...created, tenantId: tenant.id, operationId }),
        saveOperationState(stack.db, { ...inProgress(1, 0), operationId }),
      ]),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    const docs = await stack.db.bulkOperations.find({ _id: { $in: ids } }).lean();
    expect(docs).toHaveLength(ids.length);
    for (const doc of docs)
      expect({ status: doc.status, version: doc.version }).toEqual({ status: 'inProgress', version: 1 });

    // 50 appends of one tenant at once (never this dense in production: one operation per tenant at a time) may lose
    // one to FerretDB's read-modify-write, but never list an operation twice; the next save of each repairs the list.
    const afterBurst = await listed(tenant.id);
    expect(new Set(afterBurst).size).toBe(afterBurst.length);
    for (const operationId of ids) await saveOperationState(stack.db, { ...inProgress(2, 1), operationId });
    const repaired = (await entries(tenant.id)).filter((summary) => summary && ids.includes(summary.id));
    expect(repaired.map((summary) => summary?.id).sort()).toEqual([...ids].sort());
    for (const summary of repaired) expect(summary).toMatchObject({ version: 2, status: 'inProgress', processed: 1 });
  });

  it('never lets an older state overwrite a newer one', async () => {
    const operationId = randomUUID();
    await saveOperationState(stack.db, { ...inProgress(3, 7), operationId });
    await saveOperationState(stack.db, { ...inProgress(2, 4), operationId });
    await recordSubmittedOperation(stack.db, { ...created, tenantId: tenant.id, operationId });
    const doc = await stack.db.bulkOperations.findById(operationId).lean();
    expect(doc).toMatchObject({ version: 3, processed: 7, status: 'inProgress' });
    // The list's entry is version-guarded the same way.
    const listedEntries = (await entries(tenant.id)).filter((summary) => summary?.id === operationId);
    expect(listedEntries).toEqual([expect.objectContaining({ version: 3, processed: 7, status: 'inProgress' })]);
  });

  it("refuses a write into another tenant's document, whoever writes first", async () => {
    const operationId = randomUUID();
    await saveOperationState(stack.db, { ...inProgress(1, 3), operationId });
    const foreign = await stack.newTenant('Foreign writer');
    await saveOperationState(stack.db, { ...inProgress(5, 9), tenantId: foreign.id, operationId });
    const doc = await stack.db.bulkOperations.findById(operationId).lean();
    expect(doc).toMatchObject({ tenantId: tenant.id, version: 1, processed: 3 });
    expect(await listed(foreign.id)).not.toContain(operationId);
  });

  it('upsertVersioned: inserts, applies newer versions, drops older and equal ones, unsets, re-inserts after a delete', async () => {
    const model = stack.db.bulkOperations;
    const _id = randomUUID();
    const onInsert = { ...created, createdAt: new Date(created.createdAt), tenantId: tenant.id, kind: 'export' };
    const write = (version: number, set: Record<string, unknown>, unset: string[] = []) =>
      upsertVersioned(model, { _id, version, set, unset, setOnInsert: onInsert, where: { tenantId: tenant.id } });

    expect(await write(2, { status: 'inProgress', errorsKey: 'errors-2' })).toBe(true);
    expect(await model.findById(_id).lean()).toMatchObject({ version: 2, kind: 'export', errorsKey: 'errors-2' });
    expect(await write(2, { status: 'failed' })).toBe(false);
    expect(await write(1, { status: 'failed' })).toBe(false);
    expect(await write(4, { status: 'completed' }, ['errorsKey'])).toBe(true);
    const stored = await model.findById(_id).lean();
    expect(stored).toMatchObject({ version: 4, status: 'completed' });
    expect(stored?.errorsKey).toBeUndefined();
    expect(
      await upsertVersioned(model, { _id, version: 9, set: { status: 'failed' }, where: { tenantId: 'someone-else' } }),
    ).toBe(false);

    await model.deleteOne({ _id });
    expect(await write(5, { status: 'completed' })).toBe(true);
    expect(await model.findById(_id).lean()).toMatchObject({ version: 5, status: 'completed', kind: 'export' });
  });
});
