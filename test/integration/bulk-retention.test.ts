import type { bulkRetentionPurge } from '../../workflows/bulk/retention';
import { bulkRetentionScheduleId } from '../../domain/ids';
import { blobDir } from '../../domain/paths';
import { FsBlobStore } from '../../storage/fs-blob-store';
import { csv, runImport } from '../support/bulk';
import { eventually, useTestStack } from '../support/stack';
import { readConfigObject } from '../../db/bulk/config-objects';

describe('bulk retention', () => {
  const { stack } = useTestStack({ env: { CCFLOW_BULK_RETENTION: '5s', CCFLOW_BULK_PURGE_EVERY: '1h' } });

  const retentionSchedule = () =>
    stack.client.schedule.getHandle(bulkRetentionScheduleId(stack.config.CCFLOW_TASK_QUEUE_PREFIX));

  /** Triggers the retention Schedule once and waits for the purge it starts; resolves to how many it purged. */
  async function purgeNow(): Promise<{ purged: number }> {
    const schedule = retentionSchedule();
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
    return stack.client.workflow
      .getHandle<typeof bulkRetentionPurge>(started.workflowId, started.firstExecutionRunId)
      .result();
  }

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
    expect((await retentionSchedule().describe()).action).toMatchObject({ workflowType: 'bulkRetentionPurge' });

    // Younger than the retention period: a purge keeps it.
    expect(await purgeNow()).toEqual({ purged: 0 });
    expect((await stack.http.get(`/v1/bulk/operations/${op.id}`).set(stack.tenant.auth)).status).toBe(200);

    // Once it is older, the next purge removes it (purge until one does, rather than sleeping out the period).
    await eventually(async () => ((await purgeNow()).purged === 1 ? true : undefined), 30000, 'a purge to remove it');
    expect((await stack.http.get(`/v1/bulk/operations/${op.id}`).set(stack.tenant.auth)).status).toBe(404);
    const blobs = new FsBlobStore(blobDir(stack.config));
    for (const key of files) expect(await blobs.exists(key)).toBe(false);
    // Configuration written by the operation is not purged, only the operation record and its files.
    expect(await readConfigObject(stack.db.config, stack.tenant.id, 'work-types', 'Old')).toBeDefined();
  });
});
