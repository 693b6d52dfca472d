/**
 * Helper process of `npm run bench`: starts the throwaway servers (dev/ephemeral-servers.ts: Temporal dev server
 * through TestWorkflowEnvironment.createLocal on the binary from ensureBinaries, FerretDB on a temp dir, the workflow
 * bundles), prints where they are as one JSON line, and tears everything down when its stdin closes (the bench ended
 * or died) or on SIGTERM.
 *
 * Why a separate process: TestWorkflowEnvironment instantiates the Temporal SDK's process-wide Runtime singleton, and
 * worker/run.ts must install that Runtime itself before its first Worker. Jest gets the same separation for free
 * (global setup and test files use separate module registries).
 */
import fs from 'node:fs';
import { type EphemeralServers, startEphemeralServers } from '../dev/ephemeral-servers';

/** Prefix of the stdout line carrying the servers' description (the Temporal dev server writes to stdout too). */
export const READY_LINE_PREFIX = 'CCFLOW_BENCH_SERVERS ';

/** What the helper reports once its servers are up. */
export interface ServersInfo {
  temporalAddress: string;
  /** FerretDB server URL without a database. */
  mongoUrl: string;
  bundleDir: string;
  /** Temporary directory of the servers (removed when they stop). */
  tmp: string;
  /** Process ids of the server binaries (`ferretdb`, `temporal`), for CPU accounting. */
  pids: Record<string, number>;
}

/** Direct children of this process by command name (the FerretDB and Temporal server binaries), for CPU accounting. */
function childPids(): Record<string, number> {
  const found: Record<string, number> = {};
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) found[name] = Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

let servers: EphemeralServers | undefined;

async function release(): Promise<void> {
  const running = servers;
  servers = undefined;
  await running?.stop();
}

async function serve(): Promise<void> {
  let ready = false;
  let stopRequested = false;
  const stop = (): void => {
    stopRequested = true;
    if (!ready) return; // handled once the servers have started
    ready = false;
    void release().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop).on('close', stop).resume();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  servers = await startEphemeralServers({ tmpPrefix: 'ccflow-bench-servers-' });
  ready = true;
  if (stopRequested) return stop();
  const info: ServersInfo = {
    temporalAddress: servers.temporalAddress,
    mongoUrl: servers.mongoUrl,
    bundleDir: servers.bundleDir,
    tmp: servers.tmp,
    pids: childPids(),
  };
  process.stdout.on('error', () => undefined); // the bench may be gone; stdin's end then stops us
  process.stdout.write(`${READY_LINE_PREFIX}${JSON.stringify(info)}\n`);
}

if (require.main === module) {
  serve().catch((error: unknown) => {
    process.stderr.write(
      `bench servers failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    void release().finally(() => process.exit(1));
  });
}
