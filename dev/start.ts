/**
 * `npm start`: the embedded stack on one machine. Starts (unless external ones are configured) the Temporal dev
 * server and FerretDB, then the worker and the API as child processes; waits until all are ready; prints where
 * everything is; stops everything in order on Ctrl-C.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { connectDatabase } from '../db/connection';
import { type Config, ConfigError, parseConfig, publicBaseUrl } from '../domain/config';
import { taskQueue } from '../domain/ids';
import { ensureBinaries } from './install';
import { dataDir as resolveDataDir, repoRoot } from './paths';
import { type RunningService, startFerretDb, startTemporal, supervise } from './services';
import { acsConnectionString } from '../api/routing';
import {
  ensureDevAcsSecret,
  ensureDevAdminKey,
  ensureDevAlibabaKey,
  ensureDevSecretKey,
  ensureDevTenant,
} from './dev-tenant';

const say = (message: string): void => {
  process.stdout.write(`[ccflow] ${message}\n`);
};

/** The worker and the API run as `node --import tsx <entry>` children (TypeScript without a build step). */
function startNodeChild(name: string, entry: string, env: NodeJS.ProcessEnv, logFile: string): RunningService {
  return supervise(name, process.execPath, ['--import', 'tsx', path.join(repoRoot, entry)], {
    logFile,
    cwd: repoRoot,
    env,
    graceMs: 15000,
  });
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, alive: () => boolean) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`${what}: a process exited during start-up`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${what} was not ready within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  const config: Config = parseConfig(process.env);
  const dataDir = resolveDataDir(process.env);
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const services: RunningService[] = [];
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      say('stopping…');
      for (const service of [...services].reverse()) await service.stop();
      say('stopped');
    }
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(0));
  process.on('uncaughtException', (error) => {
    say(`supervisor error: ${error.message}`);
    void stopAll(1);
  });

  try {
    const env: NodeJS.ProcessEnv = { ...process.env, CCFLOW_DATA_DIR: dataDir };
    const needTemporal = !config.TEMPORAL_ADDRESS;
    const needMongo = !config.MONGODB_URI;
    const binaries = needTemporal || needMongo ? ensureBinaries() : undefined;
    if (needTemporal && binaries) {
      say(`starting Temporal dev server on 127.0.0.1:${config.CCFLOW_EMBEDDED_TEMPORAL_PORT}…`);
      services.push(
        await startTemporal({
          binary: binaries.temporal,
          port: config.CCFLOW_EMBEDDED_TEMPORAL_PORT,
          uiPort: config.CCFLOW_TEMPORAL_UI_PORT,
          dbFile: path.join(dataDir, 'temporal.db'),
          logFile: path.join(logDir, 'temporal.log'),
        }),
      );
      env.TEMPORAL_ADDRESS = `127.0.0.1:${config.CCFLOW_EMBEDDED_TEMPORAL_PORT}`;
    }
    if (needMongo && binaries) {
      say(`starting FerretDB on 127.0.0.1:${config.CCFLOW_EMBEDDED_MONGO_PORT}…`);
      services.push(
        await startFerretDb({
          binary: binaries.ferretdb,
          port: config.CCFLOW_EMBEDDED_MONGO_PORT,
          dataDir: path.join(dataDir, 'ferretdb'),
          logFile: path.join(logDir, 'ferretdb.log'),
        }),
      );
      env.MONGODB_URI = `mongodb://127.0.0.1:${config.CCFLOW_EMBEDDED_MONGO_PORT}/ccflow`;
    }
    env.CCFLOW_ADMIN_KEY = config.CCFLOW_ADMIN_KEY ?? ensureDevAdminKey(dataDir);
    env.CCFLOW_SECRET_KEY = config.CCFLOW_SECRET_KEY ?? ensureDevSecretKey(dataDir);
    const childConfig = parseConfig(env);

    const db = await connectDatabase(childConfig.MONGODB_URI ?? '');
    const devTenant = await ensureDevTenant(db, dataDir);
    const devAcsSecret = await ensureDevAcsSecret(db, env.CCFLOW_SECRET_KEY, dataDir);
    const devAlibabaKey = await ensureDevAlibabaKey(db, env.CCFLOW_SECRET_KEY, dataDir);
    await db.close();

    say('starting worker and API…');
    const worker = startNodeChild('worker', 'worker/main.ts', env, path.join(logDir, 'worker.log'));
    services.push(worker);
    const api = startNodeChild('api', 'api/main.ts', env, path.join(logDir, 'api.log'));
    services.push(api);
    const alive = () => services.every((service) => service.process.exitCode === null);

    const apiUrl = `http://${childConfig.HOST}:${childConfig.PORT}`;
    await waitUntil('API', async () => (await fetch(`${apiUrl}/readyz`)).ok, 120000, alive);
    const connection = await Connection.connect({ address: childConfig.TEMPORAL_ADDRESS });
    const client = new Client({ connection, namespace: childConfig.TEMPORAL_NAMESPACE });
    await waitUntil(
      'worker',
      async () => {
        const queue = await client.workflowService.describeTaskQueue({
          namespace: childConfig.TEMPORAL_NAMESPACE,
          taskQueue: { name: taskQueue('bulk', childConfig.CCFLOW_TASK_QUEUE_PREFIX) },
        });
        return (queue.pollers?.length ?? 0) > 0;
      },
      180000,
      alive,
    );
    await connection.close();

    const uiUrl =
      childConfig.TEMPORAL_UI_URL ??
      (needTemporal ? `http://127.0.0.1:${config.CCFLOW_TEMPORAL_UI_PORT}` : '(external)');
    say('ready');
    say(`  API:              ${apiUrl}   (OpenAPI: ${apiUrl}/openapi.json)`);
    say(`  Temporal Web UI:  ${uiUrl}`);
    say(`  dev tenant:       ${devTenant.tenantId}`);
    say(`  dev API key:      ${devTenant.apiKey}`);
    // from_connection_string forces https; over plain HTTP give the client the endpoint and the key (docs/routing.md).
    say(`  router (ACS):     ${acsConnectionString(publicBaseUrl(childConfig), devTenant.tenantId, devAcsSecret)}`);
    // The OutboundBot SDKs take a host:port endpoint and a protocol rather than a URL (docs/outbound.md).
    const publicUrl = new URL(publicBaseUrl(childConfig));
    say(
      `  Alibaba OutboundBot: AccessKeyId=${devAlibabaKey.accessKeyId} AccessKeySecret=${devAlibabaKey.accessKeySecret}` +
        ` endpoint=${publicUrl.host} (protocol ${publicUrl.protocol.replace(/:$/, '')})`,
    );
    say(`  admin key:        ${env.CCFLOW_ADMIN_KEY}`);
    say(`  logs:             ${logDir}`);
    say('press Ctrl-C to stop');

    // Any child dying on its own is fatal: stop the rest rather than run half a stack.
    for (const service of services) {
      service.process.once('exit', (code) => {
        if (stopping) return;
        say(`${service.name} exited unexpectedly (code ${code}); see ${logDir}/${service.name}.log`);
        void stopAll(1);
      });
    }
  } catch (error) {
    say(
      error instanceof ConfigError
        ? error.message
        : `start failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    say(`logs: ${logDir}`);
    await stopAll(1);
  }
}

void main();
