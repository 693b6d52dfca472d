/**
 * Throwaway servers for the test suite and the benchmarks: ONE real Temporal dev server (in memory, free port, through
 * TestWorkflowEnvironment pointed at the binary our installer provides) and ONE FerretDB (temporary directory, free
 * port), plus the workflow bundles written once. Everything lives in one temporary directory that stop() removes.
 *
 * TestWorkflowEnvironment instantiates the Temporal SDK's process-wide Runtime, which worker/run.ts must install
 * itself before its first Worker: start these servers in a process (or jest global setup) that runs no Worker.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import { writeWorkflowBundles } from '../worker/bundle';
import { ensureBinaries, type InstalledBinaries } from './install';
import { freePort } from './ports';
import { startFerretDb, TEMPORAL_DYNAMIC_CONFIG_ARGS } from './services';

export interface EphemeralServers {
  /** `host:port` of the Temporal dev server's frontend (namespace `default`, ccflow's search attributes). */
  temporalAddress: string;
  /** FerretDB server URL without a database (`mongodb://127.0.0.1:<port>`): callers pick their own database. */
  mongoUrl: string;
  /** Directory of prebuilt workflow bundles, for CCFLOW_WORKFLOW_BUNDLE_DIR. */
  bundleDir: string;
  /** The temporary directory holding FerretDB's data, its log and the bundles; callers may put their files here. */
  tmp: string;
  binaries: InstalledBinaries;
  /** Process id of FerretDB (the Temporal server is spawned by the SDK's native runtime, which does not expose it). */
  ferretdbPid: number | undefined;
  /** Stops both servers and removes the temporary directory. */
  stop(): Promise<void>;
}

export async function startEphemeralServers(options: { tmpPrefix?: string } = {}): Promise<EphemeralServers> {
  const binaries = ensureBinaries();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), options.tmpPrefix ?? 'ccflow-servers-'));
  let temporal: TestWorkflowEnvironment | undefined;
  try {
    const [environment, mongoPort] = await Promise.all([
      TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path: binaries.temporal },
          searchAttributes: [...SEARCH_ATTRIBUTES],
          ip: '127.0.0.1',
          ui: false,
          extraArgs: TEMPORAL_DYNAMIC_CONFIG_ARGS,
        },
      }),
      freePort(),
    ]);
    temporal = environment;
    const ferretdb = await startFerretDb({
      binary: binaries.ferretdb,
      port: mongoPort,
      dataDir: path.join(tmp, 'ferretdb'),
      logFile: path.join(tmp, 'ferretdb.log'),
    });
    const bundleDir = path.join(tmp, 'workflow-bundles');
    try {
      await writeWorkflowBundles(bundleDir);
    } catch (error) {
      await ferretdb.stop();
      throw error;
    }
    return {
      temporalAddress: environment.address,
      mongoUrl: `mongodb://127.0.0.1:${mongoPort}`,
      bundleDir,
      tmp,
      binaries,
      ferretdbPid: ferretdb.process.pid,
      async stop() {
        await Promise.allSettled([environment.teardown(), ferretdb.stop()]);
        fs.rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await temporal?.teardown().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}
