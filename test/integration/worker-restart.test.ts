import type { ChildProcess } from 'node:child_process';
import { exited, spawnWorker } from '../support/processes';
import { eventually, useTestStack } from '../support/stack';

describe('durability: the worker process is killed while the first-path workflow runs', () => {
  let worker: ChildProcess | undefined;
  // Declared before the stack, so it runs first: the worker process dies before the stack stops.
  afterAll(() => {
    worker?.kill('SIGKILL');
  });
  const { stack } = useTestStack({ workers: false });

  it('completes the workflow exactly once after a new worker process starts', async () => {
    worker = spawnWorker(stack.env);
    const started = await stack.http
      .post('/v1/system/pings')
      .set(stack.tenant.auth)
      .send({ message: 'survives', delaySeconds: 4 });
    expect(started.status).toBe(202);
    const handle = stack.client.workflow.getHandle(started.body.workflowId);

    // Wait until the worker has really run the workflow (its durable timer is on the server), then kill it hard.
    await eventually(
      async () => {
        const history = await handle.fetchHistory();
        return history.events?.some((e) => e.timerStartedEventAttributes) ? true : undefined;
      },
      60000,
      'timer started by the first worker',
    );
    worker.kill('SIGKILL');
    await exited(worker);

    // The server fires the timer while no worker is running; nothing can record the ping until a worker is back.
    await eventually(
      async () => ((await handle.fetchHistory()).events?.some((e) => e.timerFiredEventAttributes) ? true : undefined),
      60000,
      'the timer to fire with no worker running',
    );
    expect(await stack.db.pings.findById(started.body.id).lean()).toBeNull();
    expect((await handle.describe()).status.name).toBe('RUNNING');

    worker = spawnWorker(stack.env);
    const result = await handle.result();
    expect(result.recordedAt).toEqual(expect.any(String));
    const res = await stack.http.get(`/v1/system/pings/${started.body.id}`).set(stack.tenant.auth);
    expect(res.body).toMatchObject({ status: 'recorded', message: 'survives' });
    const history = await handle.fetchHistory();
    expect(history.events?.filter((e) => e.activityTaskCompletedEventAttributes)).toHaveLength(1);
    expect(await stack.db.pings.countDocuments({ _id: started.body.id })).toBe(1);
  });
});
