/** The backstop sweep: incomplete uploads and orphaned staging files go; nothing a live operation uses does. */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { configChunkId, readConfigHead, readConfigObject, writeConfigObjects } from '../../db/bulk/config-objects';
import { recordSubmittedOperation, saveOperationState } from '../../db/bulk/operations';
import { bulkBlobKeys } from '../../domain/bulk/blob-keys';
import { bulkStorageSweepScheduleId, taskQueue } from '../../domain/ids';
import { blobDir } from '../../domain/paths';
import type { bulkStorageSweep } from '../../workflows/bulk/retention';
import { useTestStack } from '../support/stack';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('bulk storage sweep', () => {
  const { stack, tenant } = useTestStack();

  function writeBlobFile(key: string, ageMs: number): string {
    const file = path.join(blobDir(stack.config), key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'x');
    const at = new Date(Date.now() - ageMs);
    fs.utimesSync(file, at, at);
    return file;
  }

  const submitted = (operationId: string) => ({
    tenantId: tenant.id,
    operationId,
    kind: 'import' as const,
    objectType: 'work-types',
    fileName: 'f.csv',
    dryRun: false,
    submittedBy: 'test',
    createdAt: new Date(Date.now() - 2 * DAY_MS).toISOString(),
  });

  it('is scheduled, and removes only old incomplete writes and staging files of ended or unknown operations', async () => {
    const schedule = stack.client.schedule.getHandle(bulkStorageSweepScheduleId(stack.config.CCFLOW_TASK_QUEUE_PREFIX));
    expect((await schedule.describe()).action).toMatchObject({ workflowType: 'bulkStorageSweep' });

    const [abandoned, uploading, unknown, running, ended] = [
      randomUUID(),
      randomUUID(),
      randomUUID(),
      randomUUID(),
      randomUUID(),
    ];
    const oldPartial = writeBlobFile(
      `${bulkBlobKeys.upload(tenant.id, abandoned, 'csv')}.${randomUUID()}.partial`,
      2 * DAY_MS,
    );
    const freshPartial = writeBlobFile(
      `${bulkBlobKeys.upload(tenant.id, uploading, 'csv')}.${randomUUID()}.partial`,
      0,
    );
    const storedUpload = writeBlobFile(bulkBlobKeys.upload(tenant.id, abandoned, 'csv'), 2 * DAY_MS);
    const unknownStaged = writeBlobFile(bulkBlobKeys.stagedBatch(tenant.id, unknown, 0), 2 * DAY_MS);
    const runningStaged = writeBlobFile(bulkBlobKeys.stagedBatch(tenant.id, running, 0), 2 * DAY_MS);
    const endedStaged = writeBlobFile(bulkBlobKeys.stagedBatch(tenant.id, ended, 3), 2 * DAY_MS);
    await recordSubmittedOperation(stack.db, submitted(running));
    await saveOperationState(stack.db, {
      tenantId: tenant.id,
      operationId: ended,
      version: 9,
      state: {
        status: 'failed',
        failureReason: 'cancelled',
        counts: { total: 1, succeeded: 0, failed: 0 },
        processed: 0,
        endedAt: new Date(Date.now() - DAY_MS).toISOString(),
      },
      created: submitted(ended),
    });

    // Configuration chunks: a committed write's stay; an abandoned write's (never listed by the head) go once old,
    // not while they are young (a write in progress).
    const objects = ['A', 'B'].map((key) => ({
      key,
      data: { name: key, workTypeCode: 'IDLE_CODE' },
      version: 1,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    }));
    await writeConfigObjects(stack.db.config, tenant.id, 'work-types', objects, 'committed');
    const head = await readConfigHead(stack.db.config, tenant.id, 'work-types');
    const orphan = (tag: string, ageMs: number) => ({
      _id: configChunkId(tenant.id, 'work-types', tag, 0),
      tenantId: tenant.id,
      objectType: 'work-types',
      count: 1,
      objects: JSON.stringify([objects[0]]),
      createdAt: new Date(Date.now() - ageMs),
    });
    await stack.db.config.chunks.insertMany([orphan('abandoned', 2 * DAY_MS), orphan('in-progress', 0)]);
    await stack.db.config.chunks.updateOne({ _id: head.chunks[0]?.id ?? '' }, { $set: { createdAt: new Date(0) } });

    const result = await stack.client.workflow.execute<typeof bulkStorageSweep>('bulkStorageSweep', {
      workflowId: `sweep-${randomUUID()}`,
      taskQueue: taskQueue('bulk', stack.config.CCFLOW_TASK_QUEUE_PREFIX),
      args: [{ maxAgeMs: DAY_MS }],
    });

    expect(result).toEqual({ incomplete: 1, stagedOperations: 2, unreferencedChunks: 1 });
    const chunkExists = async (id: string) => (await stack.db.config.chunks.findOne({ _id: id })) !== null;
    expect(await chunkExists(configChunkId(tenant.id, 'work-types', 'abandoned', 0))).toBe(false);
    expect(await chunkExists(configChunkId(tenant.id, 'work-types', 'in-progress', 0))).toBe(true);
    expect(await chunkExists(head.chunks[0]?.id ?? '')).toBe(true);
    expect((await readConfigObject(stack.db.config, tenant.id, 'work-types', 'B'))?.key).toBe('B');
    const exists = (file: string) => fs.existsSync(file);
    expect([oldPartial, unknownStaged, endedStaged].map(exists)).toEqual([false, false, false]);
    expect([freshPartial, storedUpload, runningStaged].map(exists)).toEqual([true, true, true]);
  });
});
