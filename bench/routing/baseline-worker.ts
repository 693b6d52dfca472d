/**
 * A Worker for the bare baseline workflow (bench/routing/baseline-workflow.ts) in the bench process, beside ccflow's
 * in-process workers (so both sides share the same process, event loop and Temporal connection type), on a task
 * queue of its own, with the options worker/run.ts gives ccflow's Workers.
 */
import path from 'node:path';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import type { BenchStack } from '../stack';

export interface BaselineWorker {
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startBaselineWorker(bench: BenchStack): Promise<BaselineWorker> {
  const taskQueue = `${bench.config.CCFLOW_TASK_QUEUE_PREFIX}bench-bare-lifecycle`;
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'baseline-workflow.ts'),
    logger: quietLogger,
  });
  const connection = await NativeConnection.connect({ address: bench.env.TEMPORAL_ADDRESS ?? '' });
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: bench.config.TEMPORAL_NAMESPACE,
      taskQueue,
      workflowBundle: { code },
      workflowThreadPoolSize: 1,
    });
  } catch (error) {
    await connection.close();
    throw error;
  }
  const running = worker.run();
  return {
    taskQueue,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

const noop = (): void => undefined;
const quietLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
  log: noop,
};
