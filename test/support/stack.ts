/**
 * A per-test-file ccflow: its own database, task-queue prefix, blob directory and tenant on the shared real servers,
 * the real Express app (driven through supertest) and, unless disabled, real in-process workers.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import supertest from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import { createTenantWithKey } from '../../db/api-keys';
import { connectDatabase, type Database } from '../../db/connection';
import { type Config, parseConfig } from '../../domain/config';
import { blobDir } from '../../domain/paths';
import { FsBlobStore } from '../../storage/fs-blob-store';
import { type RunningWorkers, startWorkers } from '../../worker/run';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface TestTenant {
  id: string;
  apiKey: string;
  auth: { Authorization: string };
}

export interface TestStack {
  config: Config;
  env: Record<string, string>;
  db: Database;
  client: Client;
  app: Express;
  http: ReturnType<typeof supertest>;
  tenant: TestTenant;
  newTenant(name?: string): Promise<TestTenant>;
  startWorkers(): Promise<RunningWorkers>;
  stopWorkers(): Promise<void>;
  stop(): Promise<void>;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run server-backed tests through jest (global setup)`);
  return value;
}

export async function startTestStack(
  options: { workers?: boolean; env?: Record<string, string> } = {},
): Promise<TestStack> {
  const id = randomBytes(5).toString('hex');
  const dataDir = path.join(required('CCFLOW_TEST_TMP'), `stack-${id}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: required('CCFLOW_TEST_TEMPORAL_ADDRESS'),
    MONGODB_URI: `${required('CCFLOW_TEST_MONGODB_URL')}/ccflow_${id}`,
    CCFLOW_TASK_QUEUE_PREFIX: `t${id}-`,
    CCFLOW_DATA_DIR: dataDir,
    CCFLOW_ADMIN_KEY: TEST_ADMIN_KEY,
    CCFLOW_SECRET_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const config = parseConfig(env);
  const logger = pino({ level: config.LOG_LEVEL });
  const db = await connectDatabase(env.MONGODB_URI ?? '');
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const app = createApp({ config, db, temporal: client, blobs: new FsBlobStore(blobDir(config)), logger });
  let workers: RunningWorkers | undefined;

  const newTenant = async (name = 'Test tenant'): Promise<TestTenant> => {
    const created = await createTenantWithKey(db, name);
    return { id: created.tenantId, apiKey: created.apiKey, auth: { Authorization: `Bearer ${created.apiKey}` } };
  };
  const stack: TestStack = {
    config,
    env,
    db,
    client,
    app,
    http: supertest(app),
    tenant: await newTenant(),
    newTenant,
    async startWorkers() {
      // Idempotent: a second set would replace the first in `workers`, so stop() would never shut it down and its
      // Workers (workflow threads, native runtime, database pool) would keep jest alive after the servers stopped.
      workers ??= await startWorkers(config, logger);
      return workers;
    },
    async stopWorkers() {
      await workers?.shutdown();
      workers = undefined;
    },
    async stop() {
      try {
        await stack.stopWorkers();
      } finally {
        // Even after a failed worker: an open pool or gRPC channel would keep jest from exiting.
        await db.connection.dropDatabase().catch(() => undefined);
        await Promise.allSettled([db.close(), connection.close()]);
      }
    },
  };
  if (options.workers !== false) {
    try {
      await stack.startWorkers();
    } catch (error) {
      await stack.stop().catch(() => undefined);
      throw error;
    }
  }
  return stack;
}

export type TestStackOptions = Parameters<typeof startTestStack>[0];

/**
 * Forwards every property access to `current()`, so a value that only exists while the suite runs can be named when
 * the suite is declared; touching it when `current()` throws (outside the suite's run) throws the same error.
 */
function lateBound<T extends object>(current: () => T): T {
  const handler: ProxyHandler<T> = {
    get: (_target, property) => Reflect.get(current(), property),
    has: (_target, property) => Reflect.has(current(), property),
    ownKeys: () => Reflect.ownKeys(current()),
    getOwnPropertyDescriptor: (_target, property) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(current(), property);
      return descriptor && { ...descriptor, configurable: true };
    },
  };
  return new Proxy({} as T, handler);
}

/**
 * One stack for the enclosing `describe`: registers the `beforeAll` that starts it and the `afterAll` that stops it,
 * and returns the stack and its tenant, usable in tests and in hooks declared after this call (jest runs `afterAll`
 * hooks in declaration order, so a suite's own clean-up declared after this call runs after the stack has stopped).
 */
export function useTestStack(options: TestStackOptions = {}): { stack: TestStack; tenant: TestTenant } {
  let started: TestStack | undefined;
  beforeAll(async () => {
    started = await startTestStack(options);
  });
  afterAll(async () => {
    const stopping = started;
    started = undefined;
    await stopping?.stop();
  });
  const current = (): TestStack => {
    if (!started) throw new Error('the test stack runs only between beforeAll and afterAll of its describe block');
    return started;
  };
  return { stack: lateBound(current), tenant: lateBound(() => current().tenant) };
}

/** Polls until `probe` returns a value (not undefined) or the deadline passes; tests wait on state, not on time. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 30000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}
