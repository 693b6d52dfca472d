/**
 * The benchmark's own embedded stack, built from the test support code (no jest involved): bench/servers.ts runs the
 * test global setup in a helper process (Temporal dev server + FerretDB), then `startTestStack` gives this process one
 * database, task-queue prefix, blob dir, tenant and in-process workers on them. On top of that the real Express app
 * listens on a free port, so every request of a benchmark goes over real HTTP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Server } from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startTestStack, type TestStack } from '../test/support/stack';
import { ENV_LINE_PREFIX, EXPORTED_ENV } from './servers';

export interface BenchStack {
  stack: TestStack;
  baseUrl: string;
  /** Server URL (no database) of the embedded FerretDB, for the bare-driver baselines. */
  mongoUrl: string;
  /** Process ids of the server binaries (`ferretdb`, `temporal`), for CPU accounting. */
  serverPids: Record<string, number>;
  stop(): Promise<void>;
}

interface Servers {
  env: Record<string, string>;
  pids: Record<string, number>;
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
    const firstLine = await new Promise<string>((resolve, reject) => {
      setTimeout(() => reject(new Error('servers process not ready within 180 s')), 180_000).unref();
      if (!child.stdout) return reject(new Error('no stdout from the servers process'));
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        if (line.startsWith(ENV_LINE_PREFIX)) resolve(line.slice(ENV_LINE_PREFIX.length));
        else process.stderr.write(`[servers] ${line}\n`);
      });
      child.once('exit', (code) => reject(new Error(`servers process exited with code ${code} before it was ready`)));
    });
    const { env, pids } = JSON.parse(firstLine) as { env: Record<string, string>; pids: Record<string, number> };
    for (const name of EXPORTED_ENV) if (!env[name]) throw new Error(`servers process did not export ${name}`);
    return { env, pids, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function startBenchStack(): Promise<BenchStack> {
  const servers = await startServers();
  Object.assign(process.env, servers.env); // what startTestStack (and the child worker) read
  let stack: TestStack | undefined;
  let server: Server | undefined;
  try {
    stack = await startTestStack({ env: { LOG_LEVEL: 'error' } });
    const app = stack.app;
    server = await new Promise<Server>((resolve, reject) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
      listening.once('error', reject);
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('API server has no TCP address');
    const started = stack;
    const listening = server;
    return {
      stack: started,
      baseUrl: `http://127.0.0.1:${address.port}`,
      mongoUrl: servers.env.CCFLOW_TEST_MONGODB_URL ?? '',
      serverPids: servers.pids,
      async stop() {
        listening.closeAllConnections();
        await bounded('API server', 5_000, () => new Promise<void>((resolve) => listening.close(() => resolve())));
        // Workers wait for in-flight activities and dropDatabase for FerretDB: both can be stuck behind slow writes.
        await bounded('workers and database', 60_000, () => started.stop());
        await bounded('servers', 60_000, () => servers.stop());
      },
    };
  } catch (error) {
    server?.close();
    await stack?.stop().catch(() => undefined);
    await servers.stop();
    throw error;
  }
}
