import type { ChildProcess } from 'node:child_process';
import { exited, spawnWorker } from '../support/processes';
import { eventually, startTestStack, type TestStack } from '../support/stack';

describe('durability: the worker process is killed while the first-path workflow runs', () => {
  let stack: TestStack;
  let worker: ChildProcess | undefined;
  beforeAll(async () => {
    stack = await startTestStack({ workers: false });
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await stack.stop();
  });

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

    await new Promise((r) => setTimeout(r, 5000)); // the timer fires while no worker is running
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
