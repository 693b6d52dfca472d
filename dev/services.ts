/** Starts the embedded Temporal dev server and FerretDB as child processes; used by `npm start` and the test setup. */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_NAMES } from '../domain/search-attributes';
import { waitForPort } from './ports';

export interface RunningService {
  name: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a child in its own process group (so Ctrl-C in the terminal reaches only the supervisor, which stops
 * children in order); stop() sends SIGTERM, then SIGKILL after `graceMs`.
 */
/**
 * Logs are readable by their owner only (0600): request logs name tenants and, before redaction existed, held
 * credentials. An existing file from an older run is tightened too.
 */
function openPrivateLog(file: string): number {
  const fd = fs.openSync(file, 'a', 0o600);
  fs.fchmodSync(fd, 0o600);
  return fd;
}

export function supervise(
  name: string,
  binary: string,
  args: string[],
  options: { logFile?: string; cwd?: string; env?: NodeJS.ProcessEnv; graceMs?: number } = {},
): RunningService {
  const stdio = options.logFile ? openPrivateLog(options.logFile) : 'ignore';
  const child = spawn(binary, args, {
    stdio: ['ignore', stdio, stdio],
    detached: true,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  let exited = child.exitCode !== null;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  return {
    name,
    process: child,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => !exited && child.kill('SIGKILL'), options.graceMs ?? 10000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}

export interface TemporalOptions {
  binary: string;
  port: number;
  uiPort?: number; // omitted → headless
  dbFile?: string; // omitted → in memory
  logFile?: string;
}

/**
 * Server settings the routing workflows need beyond the dev server's defaults: a router job can receive dozens of
 * concurrent updates (every worker accepting its offer at once), more than the default of 10 in flight per workflow.
 * Production clusters need the same `history.maxInFlightUpdates` (docs/routing.md "Operations").
 */
export const TEMPORAL_DYNAMIC_CONFIG_ARGS = ['--dynamic-config-value', 'history.maxInFlightUpdates=200'];

export async function startTemporal(opts: TemporalOptions): Promise<RunningService> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--namespace', 'default'];
  args.push('--log-level', 'warn', ...TEMPORAL_DYNAMIC_CONFIG_ARGS);
  for (const name of SEARCH_ATTRIBUTE_NAMES) args.push('--search-attribute', `${name}=Keyword`);
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  const service = supervise('temporal', opts.binary, args, { logFile: opts.logFile });
  await waitForPort(opts.port, 60000, () => service.process.exitCode === null);
  await registerSearchAttributes(`127.0.0.1:${opts.port}`);
  return service;
}

/**
 * Adds the search attributes a server's namespace lacks. `--search-attribute` registers them only when the dev
 * server creates its database, so a data folder from an older ccflow would miss the ones added since, and every
 * workflow task setting one would fail (BadSearchAttributes).
 */
export async function registerSearchAttributes(address: string, namespace = 'default'): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTE_NAMES.filter((name) => customAttributes?.[name] === undefined);
    if (missing.length === 0) return;
    const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, keyword])),
    });
  } finally {
    await connection.close();
  }
}

export interface FerretDbOptions {
  binary: string;
  port: number;
  dataDir: string;
  logFile?: string;
}

export async function startFerretDb(opts: FerretDbOptions): Promise<RunningService> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${path.resolve(opts.dataDir)}/`,
    `--listen-addr=127.0.0.1:${opts.port}`,
    '--debug-addr=-',
    '--state-dir=-',
    '--telemetry=disable',
    '--log-level=warn',
  ];
  const service = supervise('ferretdb', opts.binary, args, { logFile: opts.logFile });
  await waitForPort(opts.port, 30000, () => service.process.exitCode === null);
  return service;
}
