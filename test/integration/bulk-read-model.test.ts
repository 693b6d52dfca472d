/** The bulk_operations read model: two writers (API and workflow) that tolerate each other, versions in order. */
import { randomUUID } from 'node:crypto';
import { recordSubmittedOperation, saveOperationState } from '../../db/bulk/operations';
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

  it('lets the API record and the workflow save the same new operation at once, keeping the workflow state', async () => {
    const ids = Array.from({ length: 25 }, () => randomUUID());
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
  });

  it('never lets an older state overwrite a newer one', async () => {
    const operationId = randomUUID();
    await saveOperationState(stack.db, { ...inProgress(3, 7), operationId });
    await saveOperationState(stack.db, { ...inProgress(2, 4), operationId });
    await recordSubmittedOperation(stack.db, { ...created, tenantId: tenant.id, operationId });
    const doc = await stack.db.bulkOperations.findById(operationId).lean();
    expect(doc).toMatchObject({ version: 3, processed: 7, status: 'inProgress' });
  });
});
