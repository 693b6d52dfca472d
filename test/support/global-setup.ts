/**
 * Starts ONE real Temporal dev server and ONE FerretDB (dev/ephemeral-servers.ts) for all server-backed tests, and
 * bundles the workflows once. Test files isolate themselves by database name, task-queue prefix and tenant.
 */
import { type EphemeralServers, startEphemeralServers } from '../../dev/ephemeral-servers';

interface SharedServers {
  users: number;
  servers: EphemeralServers;
}

const holder = globalThis as typeof globalThis & { __ccflowServers?: SharedServers };

export default async function globalSetup(): Promise<void> {
  // Jest runs the global setup once per project; the integration and e2e projects share one set of servers.
  if (holder.__ccflowServers) {
    holder.__ccflowServers.users += 1;
    return;
  }
  const servers = await startEphemeralServers({ tmpPrefix: 'ccflow-test-' });
  process.env.CCFLOW_TEST_TEMPORAL_ADDRESS = servers.temporalAddress;
  process.env.CCFLOW_TEST_MONGODB_URL = servers.mongoUrl;
  process.env.CCFLOW_WORKFLOW_BUNDLE_DIR = servers.bundleDir;
  process.env.CCFLOW_TEST_TMP = servers.tmp;
  process.env.CCFLOW_TEMPORAL_BIN = servers.binaries.temporal;
  process.env.CCFLOW_FERRETDB_BIN = servers.binaries.ferretdb;
  holder.__ccflowServers = { users: 1, servers };
}

export async function releaseServers(): Promise<void> {
  const shared = holder.__ccflowServers;
  if (!shared) return;
  shared.users -= 1;
  if (shared.users > 0) return;
  holder.__ccflowServers = undefined;
  await shared.servers.stop();
}
