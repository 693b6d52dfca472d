/**
 * Starts ONE real Temporal dev server (in memory, free port, through TestWorkflowEnvironment pointed at the binary
 * our installer provides) and ONE FerretDB (temporary directory, free port) for all server-backed tests, and bundles
 * the workflows once. Test files isolate themselves by database name, task-queue prefix and tenant.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureBinaries } from '../../dev/install';
import { freePort } from '../../dev/ports';
import { startFerretDb, type RunningService } from '../../dev/services';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { writeWorkflowBundles } from '../../worker/bundle';

interface SharedServers {
  users: number;
  temporal: TestWorkflowEnvironment;
  ferretdb: RunningService;
  tmp: string;
}

const holder = globalThis as typeof globalThis & { __ccflowServers?: SharedServers };

export default async function globalSetup(): Promise<void> {
  // Jest runs the global setup once per project; the integration and e2e projects share one set of servers.
  if (holder.__ccflowServers) {
    holder.__ccflowServers.users += 1;
    return;
  }
  const binaries = ensureBinaries();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ccflow-test-'));
  const [temporal, mongoPort] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: binaries.temporal },
        searchAttributes: [...SEARCH_ATTRIBUTES],
        ip: '127.0.0.1',
        ui: false,
      },
    }),
    freePort(),
  ]);
  const ferretdb = await startFerretDb({
    binary: binaries.ferretdb,
    port: mongoPort,
    dataDir: path.join(tmp, 'ferretdb'),
    logFile: path.join(tmp, 'ferretdb.log'),
  });
  const bundleDir = path.join(tmp, 'workflow-bundles');
  await writeWorkflowBundles(bundleDir);

  process.env.CCFLOW_TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.CCFLOW_TEST_MONGODB_URL = `mongodb://127.0.0.1:${mongoPort}`;
  process.env.CCFLOW_WORKFLOW_BUNDLE_DIR = bundleDir;
  process.env.CCFLOW_TEST_TMP = tmp;
  process.env.CCFLOW_TEMPORAL_BIN = binaries.temporal;
  process.env.CCFLOW_FERRETDB_BIN = binaries.ferretdb;
  holder.__ccflowServers = { users: 1, temporal, ferretdb, tmp };
}

export async function releaseServers(): Promise<void> {
  const servers = holder.__ccflowServers;
  if (!servers) return;
  servers.users -= 1;
  if (servers.users > 0) return;
  holder.__ccflowServers = undefined;
  await Promise.allSettled([servers.temporal.teardown(), servers.ferretdb.stop()]);
  fs.rmSync(servers.tmp, { recursive: true, force: true });
}
