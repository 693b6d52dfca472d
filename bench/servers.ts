/**
 * Helper process of `npm run bench`: starts the shared servers with the test suite's own global setup (Temporal dev
 * server through TestWorkflowEnvironment.createLocal on the binary from ensureBinaries, FerretDB on a temp dir, the
 * workflow bundle), prints the environment it exported as one JSON line, and tears everything down when its stdin
 * closes (the bench ended or died) or on SIGTERM.
 *
 * Why a separate process: TestWorkflowEnvironment instantiates the Temporal SDK's process-wide Runtime singleton, and
 * worker/run.ts must install that Runtime itself before its first Worker. Jest gets the same separation for free
 * (global setup and test files use separate module registries).
 */
import fs from 'node:fs';
import globalSetup, { releaseServers } from '../test/support/global-setup';

/** Prefix of the stdout line carrying the environment (the Temporal dev server writes to stdout too). */
export const ENV_LINE_PREFIX = 'CCFLOW_BENCH_SERVERS ';

export const EXPORTED_ENV = [
  'CCFLOW_TEST_TEMPORAL_ADDRESS',
  'CCFLOW_TEST_MONGODB_URL',
  'CCFLOW_WORKFLOW_BUNDLE_DIR',
  'CCFLOW_TEST_TMP',
  'CCFLOW_TEMPORAL_BIN',
  'CCFLOW_FERRETDB_BIN',
] as const;

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

async function serve(): Promise<void> {
  let ready = false;
  let stopRequested = false;
  const stop = (): void => {
    stopRequested = true;
    if (!ready) return; // handled once the setup has finished
    ready = false;
    void releaseServers().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop).on('close', stop).resume();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await globalSetup();
  ready = true;
  if (stopRequested) return stop();
  const env = Object.fromEntries(EXPORTED_ENV.map((name) => [name, process.env[name] ?? '']));
  process.stdout.on('error', () => undefined); // the bench may be gone; stdin's end then stops us
  process.stdout.write(`${ENV_LINE_PREFIX}${JSON.stringify({ env, pids: childPids() })}\n`);
}

if (require.main === module) {
  serve().catch((error: unknown) => {
    process.stderr.write(
      `bench servers failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    void releaseServers().finally(() => process.exit(1));
  });
}
