import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';
import { connectDatabase } from '../db/connection';
import type { Config } from '../domain/config';
import { taskQueue } from '../domain/ids';
import { FsBlobStore } from '../storage/fs-blob-store';
import { blobDir } from '../domain/paths';
import { loadWorkflowBundle } from './bundle';
import { CAPABILITY_WORKERS, type CapabilityWorker } from './capabilities';
import { ensureSchedules } from './ensure-schedules';

export interface RunningWorkers {
  /** Resolves when every worker has stopped (after shutdown() or a fatal error). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

let runtimeInstalled = false;

/** Routes the SDK's own logs through our level; must happen before the first Worker is created in the process. */
function installRuntime(config: Config): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const levels: Record<Config['LOG_LEVEL'], LogLevel> = {
    fatal: 'ERROR',
    error: 'ERROR',
    warn: 'WARN',
    info: 'INFO',
    debug: 'DEBUG',
    trace: 'TRACE',
    silent: 'ERROR',
  };
  Runtime.install({ logger: new DefaultLogger(levels[config.LOG_LEVEL]) });
}

/**
 * One Worker per selected capability (CCFLOW_WORKER_TASK_QUEUES), each polling only its own task queue with only
 * its own workflows and activities; they share the process's connections. Each capability's Schedules are ensured
 * (created or brought up to date) before its Worker starts.
 */
export async function startWorkers(config: Config, logger: Logger): Promise<RunningWorkers> {
  if (!config.TEMPORAL_ADDRESS || !config.MONGODB_URI) throw new Error('TEMPORAL_ADDRESS and MONGODB_URI must be set');
  installRuntime(config);
  const selected: CapabilityWorker[] = [];
  for (const capability of config.CCFLOW_WORKER_TASK_QUEUES) {
    const entry = CAPABILITY_WORKERS[capability];
    if (entry) selected.push(entry);
    else logger.info({ capability }, 'capability has no workflows yet; its task queue is not polled');
  }
  const db = await connectDatabase(config.MONGODB_URI);
  const blobs = new FsBlobStore(blobDir(config));
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });
  const deps = { db, blobs, logger, config, temporal: client };

  const workers: Worker[] = [];
  for (const entry of selected) {
    await ensureSchedules(client, entry.schedules(config));
    workers.push(
      await Worker.create({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: taskQueue(entry.capability, config.CCFLOW_TASK_QUEUE_PREFIX),
        workflowBundle: await loadWorkflowBundle(entry.capability, entry.workflowsPath),
        activities: entry.activities(deps),
        // Let in-flight activities finish (they are idempotent anyway) before the process exits.
        shutdownGraceTime: '10s',
        // One workflow thread per Worker: with V8-context reuse (the default) more threads add an isolate each
        // (tens of MB) and no throughput, and a process may run several Workers.
        workflowThreadPoolSize: 1,
        // Heartbeats reach the server at most this often (the SDK's default is 80 % of the heartbeat timeout, 24 s
        // for the bulk activities): an attempt the server gave up on learns it, and stops, within ~5 s.
        maxHeartbeatThrottleInterval: '5s',
        defaultHeartbeatThrottleInterval: '5s',
      }),
    );
  }
  logger.info({ taskQueues: workers.map((w) => w.options.taskQueue) }, 'workers started');

  const done = Promise.all(workers.map((worker) => worker.run())).then(async () => {
    await Promise.allSettled([db.close(), connection.close(), clientConnection.close()]);
    logger.info('workers stopped');
  });
  return {
    done,
    async shutdown() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
