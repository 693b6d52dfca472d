/**
 * The benchmark's own embedded stack, built from the production modules: bench/servers.ts starts the throwaway
 * servers (dev/ephemeral-servers.ts) in a helper process, then this process gets its own database, task-queue prefix,
 * blob directory, tenant and in-process workers (worker/run.ts) on them. The real Express app (api/app.ts) listens on
 * a free port, so every request of a benchmark goes over real HTTP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createApp } from '../api/app';
import { createTenantWithKey } from '../db/api-keys';
import { connectDatabase, type Database } from '../db/connection';
import { type Config, parseConfig } from '../domain/config';
import { blobDir } from '../domain/paths';
import { FsBlobStore } from '../storage/fs-blob-store';
import { type RunningWorkers, startWorkers } from '../worker/run';
import { READY_LINE_PREFIX, type ServersInfo } from './servers';

export interface BenchStack {
  config: Config;
  /** The environment ccflow was configured from (also handed to the benchmark's worker child process). */
  env: Record<string, string>;
  db: Database;
  client: Client;
  tenant: { id: string; apiKey: string };
  baseUrl: string;
  /** Server URL (no database) of the embedded FerretDB, for the bare-driver baselines. */
  mongoUrl: string;
  /** Process ids of the server binaries (`ferretdb`, `temporal`), for CPU accounting. */
  serverPids: Record<string, number>;
  /** Stops the in-process workers (from then on only other worker processes run activities). */
  stopWorkers(): Promise<void>;
  stop(): Promise<void>;
}

interface Servers {
  info: ServersInfo;
  stop(): Promise<void>;
}

/** Runs a teardown step, giving up (with a note) after `ms`: a stuck step must not keep the bench from exiting. */
async function bounded(what: string, ms: number, step: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      process.stderr.write(`[bench] teardown: ${what} did not finish within ${ms / 1000} s; going on\n`);
      resolve();
    }, ms);
  });
  await Promise.race([
    step().catch((error: unknown) => process.stderr.write(`[bench] teardown: ${what}: ${String(error)}\n`)),
    timeout,
  ]);
  clearTimeout(timer);
}

async function startServers(): Promise<Servers> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'servers.ts')], {
    cwd: path.resolve(__dirname, '..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const readyLine = await new Promise<string>((resolve, reject) => {
      setTimeout(() => reject(new Error('servers process not ready within 180 s')), 180_000).unref();
      if (!child.stdout) return reject(new Error('no stdout from the servers process'));
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        if (line.startsWith(READY_LINE_PREFIX)) resolve(line.slice(READY_LINE_PREFIX.length));
        else process.stderr.write(`[servers] ${line}\n`);
      });
      child.once('exit', (code) => reject(new Error(`servers process exited with code ${code} before it was ready`)));
    });
    const info = JSON.parse(readyLine) as ServersInfo;
    for (const name of ['temporalAddress', 'mongoUrl', 'bundleDir', 'tmp'] as const) {
      if (!info[name]) throw new Error(`servers process did not report ${name}`);
    }
    return { info, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function listen(app: ReturnType<typeof createApp>): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
}

export async function startBenchStack(): Promise<BenchStack> {
  const servers = await startServers();
  const { info } = servers;
  // worker/bundle.ts reads the prebuilt workflow bundles from here (the worker child gets its own value).
  process.env.CCFLOW_WORKFLOW_BUNDLE_DIR = info.bundleDir;
  const id = randomBytes(5).toString('hex');
  const dataDir = path.join(info.tmp, `stack-${id}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: info.temporalAddress,
    MONGODB_URI: `${info.mongoUrl}/ccflow_${id}`,
    CCFLOW_TASK_QUEUE_PREFIX: `t${id}-`,
    CCFLOW_DATA_DIR: dataDir,
    CCFLOW_ADMIN_KEY: randomBytes(16).toString('hex'),
    CCFLOW_SECRET_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'error',
  };
  let db: Database | undefined;
  let connection: Connection | undefined;
  let workers: RunningWorkers | undefined;
  let server: Server | undefined;
  const stopWorkers = async (): Promise<void> => {
    await workers?.shutdown();
    workers = undefined;
  };
  const stopCcflow = async (): Promise<void> => {
    await stopWorkers();
    await db?.connection.dropDatabase().catch(() => undefined);
    await Promise.allSettled([db?.close(), connection?.close()]);
  };
  try {
    const config = parseConfig(env);
    const logger = pino({ level: config.LOG_LEVEL });
    db = await connectDatabase(env.MONGODB_URI ?? '');
    connection = await Connection.connect({ address: info.temporalAddress });
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const app = createApp({ config, db, temporal: client, blobs: new FsBlobStore(blobDir(config)), logger });
    const created = await createTenantWithKey(db, 'Bench tenant');
    workers = await startWorkers(config, logger);
    server = await listen(app);
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('API server has no TCP address');
    const listening = server;
    return {
      config,
      env,
      db,
      client,
      tenant: { id: created.tenantId, apiKey: created.apiKey },
      baseUrl: `http://127.0.0.1:${address.port}`,
      mongoUrl: info.mongoUrl,
      serverPids: info.pids,
      stopWorkers,
      async stop() {
        listening.closeAllConnections();
        await bounded('API server', 5_000, () => new Promise<void>((resolve) => listening.close(() => resolve())));
        // Workers wait for in-flight activities and dropDatabase for FerretDB: both can be stuck behind slow writes.
        await bounded('workers and database', 60_000, stopCcflow);
        await bounded('servers', 60_000, () => servers.stop());
      },
    };
  } catch (error) {
    server?.close();
    await stopCcflow().catch(() => undefined);
    await servers.stop();
    throw error;
  }
}
