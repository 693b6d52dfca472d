import type { ChildProcess } from 'node:child_process';
import { csv, submitImport, waitForOperation, type OperationBody } from '../support/bulk';
import { exited, spawnWorker } from '../support/processes';
import { eventually, useTestStack } from '../support/stack';
import { countConfigObjects } from '../../db/bulk/config-objects';
import { storedObjects } from '../support/config-objects';

describe('durability: the worker process dies in the middle of a 5000-row import', () => {
  let worker: ChildProcess | undefined;
  // Declared before the stack, so it runs first: the worker process dies before the stack stops.
  afterAll(() => {
    worker?.kill('SIGKILL');
  });
  const { stack } = useTestStack({ workers: false, env: { CCFLOW_BULK_BATCH_SIZE: '250' } });

  it('completes after a restart with every row written exactly once and correct counts', async () => {
    worker = spawnWorker(stack.env);
    const rows = Array.from({ length: 5000 }, (_, i) => [`Row ${i + 1}`, `description ${i + 1}`, 'WRAP_UP_CODE']);
    const res = await submitImport(
      stack,
      stack.tenant,
      'work-types',
      csv(['Name', 'Description', 'Type'], rows),
      'big.csv',
    );
    expect(res.status).toBe(202);
    const id = res.body.id as string;

    const midway = await eventually(
      async () => {
        const op = (await stack.http.get(`/v1/bulk/operations/${id}`).set(stack.tenant.auth)).body as OperationBody;
        return op.progress.processed >= 500 && op.progress.processed < 5000 ? op : undefined;
      },
      120000,
      'the import to be midway',
    );
    worker.kill('SIGKILL');
    await exited(worker);
    const atKill = await countConfigObjects(stack.db.config, stack.tenant.id, 'work-types');
    expect(atKill).toBeGreaterThanOrEqual(midway.progress.processed);
    expect(atKill).toBeLessThan(5000);

    worker = spawnWorker(stack.env);
    const ended = await waitForOperation(stack, stack.tenant, id, 180000);
    expect(ended).toMatchObject({ status: 'completed', counts: { total: 5000, succeeded: 5000, failed: 0 } });
    expect(ended.progress).toEqual({ processed: 5000, total: 5000, percent: 100 });
    const objects = await storedObjects(stack.db, stack.tenant.id, 'work-types');
    expect(objects).toHaveLength(5000);
    expect(await countConfigObjects(stack.db.config, stack.tenant.id, 'work-types')).toBe(5000);
    // Exactly once: every object was written in one version, whatever batch was interrupted.
    expect(objects.filter((object) => object.version === 1)).toHaveLength(5000);
    const sample = objects.find((object) => object.key === 'Row 4321');
    expect(sample?.data).toEqual({ name: 'Row 4321', description: 'description 4321', workTypeCode: 'WRAP_UP_CODE' });
  });
});
