/**
 * Throwaway servers of the store benchmark (bench/benchmarks/store.ts): FerretDB 1.24 on SQLite (`startFerretDb`, as
 * `npm start` runs it) and FerretDB 1.24 on a private PostgreSQL 15 cluster (initdb into a temporary directory, unix
 * socket only, a free port number for the socket's name). PostgreSQL refuses to run as root: when this process is
 * root, the cluster's directory belongs to the `postgres` system user and every PostgreSQL command runs through
 * `runuser -u postgres --`. Every server and directory is removed by stop(), and by an exit hook should the bench die
 * before that (Ctrl-C, an uncaught error).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../dev/ports';
import { type RunningService, startFerretDb, supervise } from '../../dev/services';
import { waitForPort } from '../../dev/ports';

export interface StoreServer {
  /** Server URL without a database. */
  url: string;
  /** Process id of FerretDB (for CPU accounting). */
  pid(): number | undefined;
  /** Restarts FerretDB on the same data (and port); the store behind it keeps running. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Synchronous last-resort cleanups, run on process exit for whatever stop() has not cleaned up yet. */
const exitCleanups = new Set<() => void>();
let exitHookInstalled = false;

function onExit(cleanup: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const run of exitCleanups) {
        try {
          run();
        } catch {
          // best effort while exiting
        }
      }
    });
  }
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}

function killSync(service: RunningService): void {
  const pid = service.process.pid;
  if (pid !== undefined && service.process.exitCode === null) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

const ferretFlags = (port: number): string[] => [
  `--listen-addr=127.0.0.1:${port}`,
  '--debug-addr=-',
  '--state-dir=-',
  '--telemetry=disable',
  '--log-level=warn',
];

/** FerretDB on SQLite, exactly as `npm start` and the tests run it (dev/services.ts). */
export async function startFerretSqlite(binary: string, label: string): Promise<StoreServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ccflow-store-${label}-`));
  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  const port = await freePort();
  let service: RunningService | undefined;
  const forget = onExit(() => {
    if (service) killSync(service);
    removeDir();
  });
  const start = () =>
    startFerretDb({ binary, port, dataDir: path.join(dir, 'data'), logFile: path.join(dir, 'ferretdb.log') });
  try {
    service = await start();
  } catch (error) {
    removeDir();
    forget();
    throw error;
  }
  return {
    url: `mongodb://127.0.0.1:${port}`,
    pid: () => service?.process.pid,
    async restart() {
      await service?.stop();
      service = undefined;
      service = await start();
    },
    async stop() {
      await service?.stop();
      removeDir();
      forget();
    },
  };
}

/** The directory holding PostgreSQL 15's initdb / pg_ctl (Debian's layout first), or a clear error. */
function postgresBinDir(): string {
  const candidates = [process.env.CCFLOW_PG_BIN_DIR, '/usr/lib/postgresql/15/bin', '/usr/local/bin', '/usr/bin'];
  for (const dir of candidates) {
    if (dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  throw new Error('PostgreSQL binaries (initdb, pg_ctl) not found; set CCFLOW_PG_BIN_DIR');
}

function idOf(flag: '-u' | '-g', user: string): number {
  const result = spawnSync('id', [flag, user], { encoding: 'utf8' });
  const id = Number(result.stdout.trim());
  if (result.status !== 0 || !Number.isInteger(id)) throw new Error(`no system user ${user} to run PostgreSQL as`);
  return id;
}

/** Runs a PostgreSQL command (as `postgres` when we are root); throws with its output when it fails. */
function pgCommand(asRoot: boolean, binDir: string, name: string, args: string[], cwd: string): void {
  const binary = path.join(binDir, name);
  const [command, commandArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  const result = spawnSync(command, commandArgs, {
    cwd, // the `postgres` user may not be allowed into the repository
    timeout: 120000,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error || result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
    throw new Error(`${name} ${args.join(' ')} failed: ${result.error?.message ?? `exit ${result.status}`}\n${output}`);
  }
}

/**
 * PostgreSQL 15 in a temporary directory (socket only, trust auth), then FerretDB with `--handler=postgresql` on it.
 * PostgreSQL keeps its default durability (fsync, synchronous_commit), as SQLite keeps FerretDB's (WAL).
 */
export async function startFerretPostgres(binary: string): Promise<StoreServer> {
  const binDir = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ccflow-store-pg-'));
  if (asRoot) fs.chownSync(root, idOf('-u', 'postgres'), idOf('-g', 'postgres'));
  const dataDir = path.join(root, 'data');
  const pgPort = await freePort(); // only names the socket file (.s.PGSQL.<port>); no TCP listener
  let pgStarted = false;
  let ferret: RunningService | undefined;
  const stopPostgres = (mode: 'fast' | 'immediate') => {
    if (!pgStarted) return;
    pgCommand(asRoot, binDir, 'pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop'], root);
    pgStarted = false;
  };
  const removeDir = () => fs.rmSync(root, { recursive: true, force: true });
  const forget = onExit(() => {
    if (ferret) killSync(ferret);
    stopPostgres('immediate');
    removeDir();
  });
  try {
    pgCommand(
      asRoot,
      binDir,
      'initdb',
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-instructions'],
      root,
    );
    const options = `-k ${root} -p ${pgPort} -c listen_addresses=''`;
    pgCommand(
      asRoot,
      binDir,
      'pg_ctl',
      ['-D', dataDir, '-l', path.join(root, 'postgres.log'), '-o', options, '-w', '-t', '60', 'start'],
      root,
    );
    pgStarted = true;
    const port = await freePort();
    const pgUrl = `postgres://postgres@/postgres?host=${encodeURIComponent(root)}&port=${pgPort}`;
    const startFerret = async (): Promise<RunningService> => {
      const service = supervise(
        'ferretdb-pg',
        binary,
        ['--handler=postgresql', `--postgresql-url=${pgUrl}`, ...ferretFlags(port)],
        { logFile: path.join(root, 'ferretdb.log') },
      );
      ferret = service;
      await waitForPort(port, 30000, () => service.process.exitCode === null);
      return service;
    };
    await startFerret();
    return {
      url: `mongodb://127.0.0.1:${port}`,
      pid: () => ferret?.process.pid,
      async restart() {
        await ferret?.stop();
        await startFerret();
      },
      async stop() {
        await ferret?.stop();
        try {
          stopPostgres('fast');
        } finally {
          removeDir();
          forget();
        }
      },
    };
  } catch (error) {
    if (ferret) await ferret.stop().catch(() => undefined);
    try {
      stopPostgres('immediate');
    } catch {
      // reported through the original error
    }
    removeDir();
    forget();
    throw error;
  }
}
