/**
 * A second ccflow on the bench's servers with its own, fresh database (and task-queue prefix, blob directory,
 * in-process workers, API on a free port), built from the production modules like bench/stack.ts: the "empty store"
 * side of import-into-full. Its database is dropped when it stops.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import pino from 'pino';
import { createApp } from '../../api/app';
import { connectDatabase, type Database } from '../../db/connection';
import { parseConfig } from '../../domain/config';
import { blobDir } from '../../domain/paths';
import { FsBlobStore } from '../../storage/fs-blob-store';
import { type RunningWorkers, startWorkers } from '../../worker/run';
import { withDatabase } from '../benchmark';
import type { BenchStack } from '../stack';

export interface FreshCcflow {
  baseUrl: string;
  adminKey: string;
  stop(): Promise<void>;
}

export async function startFreshCcflow(bench: BenchStack, tmp: string): Promise<FreshCcflow> {
  const id = randomBytes(5).toString('hex');
  const dataDir = path.join(tmp, `fresh-${id}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const adminKey = randomBytes(16).toString('hex');
  const env: Record<string, string> = {
    ...bench.env,
    MONGODB_URI: withDatabase(bench.mongoUrl, `ccflow_fresh_${id}`),
    CCFLOW_TASK_QUEUE_PREFIX: `f${id}-`,
    CCFLOW_DATA_DIR: dataDir,
    CCFLOW_ADMIN_KEY: adminKey,
  };
  const config = parseConfig(env);
  const logger = pino({ level: config.LOG_LEVEL });
  let db: Database | undefined;
  let workers: RunningWorkers | undefined;
  let server: Server | undefined;
  const stop = async (): Promise<void> => {
    if (server) {
      const listening = server;
      listening.closeAllConnections();
      await new Promise<void>((resolve) => listening.close(() => resolve()));
    }
    await workers?.shutdown();
    await db?.connection.dropDatabase().catch(() => undefined);
    await db?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    db = await connectDatabase(config.MONGODB_URI ?? '');
    const app = createApp({ config, db, temporal: bench.client, blobs: new FsBlobStore(blobDir(config)), logger });
    workers = await startWorkers(config, logger);
    server = await new Promise<Server>((resolve, reject) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
      listening.once('error', reject);
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('fresh API server has no TCP address');
    return { baseUrl: `http://127.0.0.1:${address.port}`, adminKey, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
