import { bulkRetentionScheduleId } from '../../domain/ids';
import { csv, runImport } from '../support/bulk';
import { eventually, startTestStack, type TestStack } from '../support/stack';

describe('bulk retention', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { CCFLOW_BULK_RETENTION: '2s', CCFLOW_BULK_PURGE_EVERY: '1h' } });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('purges operations older than the retention period, with their files, by a Temporal Schedule', async () => {
    const content = csv(
      ['Name', 'Description', 'Type'],
      [
        ['Old', '', 'IDLE_CODE'],
        ['Bad', '', 'NOPE'],
      ],
    );
    const op = await runImport(stack, stack.tenant, 'work-types', content, 'old.csv');
    expect(op.status).toBe('completedWithErrors');
    const doc = await stack.db.bulkOperations.findById(op.id).lean();
    const files = [doc?.uploadKey, doc?.errorsKey].filter((key): key is string => Boolean(key));
    expect(files).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 2500));

    const schedule = stack.client.schedule.getHandle(bulkRetentionScheduleId(stack.config.CCFLOW_TASK_QUEUE_PREFIX));
    const description = await schedule.describe();
    expect(description.action).toMatchObject({ workflowType: 'bulkRetentionPurge' });
    await schedule.trigger();

    await eventually(async () => {
      const res = await stack.http.get(`/v1/bulk/operations/${op.id}`).set(stack.tenant.auth);
      return res.status === 404 ? true : undefined;
    });
    const { FsBlobStore } = await import('../../storage/fs-blob-store');
    const { blobDir } = await import('../../domain/paths');
    const blobs = new FsBlobStore(blobDir(stack.config));
    for (const key of files) expect(await blobs.exists(key)).toBe(false);
    // Configuration written by the operation is not purged, only the operation record and its files.
    expect(await stack.db.configObjects('work-types').countDocuments({ tenantId: stack.tenant.id, key: 'Old' })).toBe(
      1,
    );
  });
});
