/**
 * The bulkOperation workflow on the real Temporal server with stub activities: plain functions returning canned
 * results, recording every call. Each run gets its own Worker on its own task queue. The four recorded scenarios
 * (test/fixtures/histories) are defined here, so the tests that assert them and the recording are the same runs.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type RetryPolicy } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { BulkActivities } from '../../activities/bulk';
import { type BulkWorkflowInput, cancelOperationSignal, operationStateQuery } from '../../domain/bulk/messages';
import type { OperationState } from '../../domain/bulk/status';
import { StatusAttribute } from '../../domain/search-attributes';
import type { bulkOperation } from '../../workflows/bulk/operation';

export const BULK_WORKFLOWS_PATH = require.resolve('../../workflows/bulk');

export type BulkOperationHandle = WorkflowHandle<typeof bulkOperation>;

export interface BulkWorkflowEnv {
  client: Client;
  /** Runs a Worker (workflows bundled once per env) on a fresh task queue with these activities while `fn` runs. */
  withWorker<T>(activities: BulkActivities, fn: (start: Starter) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Starts bulkOperation on the Worker's task queue; untyped input, so that invalid input can be sent too. */
export type Starter = (input: unknown, options?: { retry?: RetryPolicy }) => Promise<BulkOperationHandle>;

let runtimeInstalled = false;

/**
 * Only errors from the SDK, its native core included: by default it logs every Worker state change, and these tests
 * fail workflows (and replays) on purpose. Call before the first Worker of the test file.
 */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
  runtimeInstalled = true;
}

/** Connects to the Temporal server at `address` and bundles the bulk workflows once. */
export async function connectBulkWorkflowEnv(address: string): Promise<BulkWorkflowEnv> {
  installQuietRuntime();
  const [clientConnection, connection, bundle] = await Promise.all([
    Connection.connect({ address }),
    NativeConnection.connect({ address }),
    bundleWorkflowCode({ workflowsPath: BULK_WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }),
  ]);
  const client = new Client({ connection: clientConnection });
  return {
    client,
    async withWorker(activities, fn) {
      const taskQueue = `bulk-workflow-test-${randomUUID()}`;
      const worker = await Worker.create({ connection, taskQueue, workflowBundle: bundle, activities });
      const start: Starter = (input, options = {}) =>
        client.workflow.start<typeof bulkOperation>('bulkOperation', {
          ...options,
          taskQueue,
          workflowId: `bulk-workflow-test/${randomUUID()}`,
          // Typed by the workflow; the tests of invalid input send what the API never would.
          args: [input as BulkWorkflowInput],
          workflowExecutionTimeout: '2m',
        });
      return worker.runUntil(() => fn(start));
    },
    async close() {
      await Promise.allSettled([clientConnection.close(), connection.close()]);
    },
  };
}

export type SaveOperationInput = Parameters<BulkActivities['saveOperationState']>[0];

/** One call a stub activity received. */
export interface ActivityCall {
  name: keyof BulkActivities;
  input: unknown;
}

export interface StubbedActivities {
  activities: BulkActivities;
  calls: ActivityCall[];
  /** Names of the activities called, in order. */
  names(): string[];
  /** What saveOperationState received, in order. */
  saves(): SaveOperationInput[];
}

const unexpected = (name: string) => async (): Promise<never> => {
  throw ApplicationFailure.nonRetryable(`stub: unexpected call to ${name}`, 'UnexpectedStubCall');
};

/**
 * Stub bulk activities: saveOperationState and deleteStagedBatches succeed, every other activity fails the workflow
 * non-retryably ("unexpected call") unless `overrides` gives it a canned result.
 */
export function stubBulkActivities(overrides: Partial<BulkActivities> = {}): StubbedActivities {
  const calls: ActivityCall[] = [];
  const impl: BulkActivities = {
    stageImport: unexpected('stageImport'),
    applyImportBatch: unexpected('applyImportBatch'),
    stageAudioImport: unexpected('stageAudioImport'),
    applyAudioBatch: unexpected('applyAudioBatch'),
    exportObjects: unexpected('exportObjects'),
    purgeEndedOperations: unexpected('purgeEndedOperations'),
    sweepOrphanedFiles: unexpected('sweepOrphanedFiles'),
    saveOperationState: async () => undefined,
    deleteStagedBatches: async () => undefined,
    ...overrides,
  };
  function record<I, O>(name: keyof BulkActivities, fn: (input: I) => Promise<O>): (input: I) => Promise<O> {
    return (input) => {
      calls.push({ name, input: structuredClone(input) });
      return fn(input);
    };
  }
  const activities: BulkActivities = {
    stageImport: record('stageImport', impl.stageImport),
    applyImportBatch: record('applyImportBatch', impl.applyImportBatch),
    stageAudioImport: record('stageAudioImport', impl.stageAudioImport),
    applyAudioBatch: record('applyAudioBatch', impl.applyAudioBatch),
    exportObjects: record('exportObjects', impl.exportObjects),
    purgeEndedOperations: record('purgeEndedOperations', impl.purgeEndedOperations),
    sweepOrphanedFiles: record('sweepOrphanedFiles', impl.sweepOrphanedFiles),
    saveOperationState: record('saveOperationState', impl.saveOperationState),
    deleteStagedBatches: record('deleteStagedBatches', impl.deleteStagedBatches),
  };
  return {
    activities,
    calls,
    names: () => calls.map((call) => call.name),
    saves: () =>
      calls.filter((call) => call.name === 'saveOperationState').map((call) => call.input as SaveOperationInput),
  };
}

/** A valid workflow input (as the API builds it); fixed ids keep recorded histories stable. */
export function bulkInput(overrides: Partial<BulkWorkflowInput> = {}): BulkWorkflowInput {
  return {
    tenantId: 'tenant-wf',
    operationId: '6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f',
    kind: 'import',
    objectType: 'work-types',
    fileName: 'codes.csv',
    dryRun: false,
    submittedBy: 'tester',
    submittedAt: '2025-01-01T00:00:00.000Z',
    uploadKey: 'bulk/tenant-wf/6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f/upload.csv',
    batchSize: 100,
    ...overrides,
  };
}

const batchResult = (rows: number) => ({ rows, created: rows, updated: 0, unchanged: 0 });

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export interface ScenarioRun {
  handle: BulkOperationHandle;
  result: OperationState;
  /** The operationState query's answer once the workflow has ended. */
  queried: OperationState;
  /** The Status search attribute once the workflow has ended. */
  statusAttribute: string | undefined;
  stubs: StubbedActivities;
}

/** Waits for the workflow's result and reads its query and search attribute while its Worker still runs. */
async function settle(handle: BulkOperationHandle, stubs: StubbedActivities): Promise<ScenarioRun> {
  const result = await handle.result();
  const queried = await handle.query(operationStateQuery);
  const statusAttribute = (await handle.describe()).typedSearchAttributes.get(StatusAttribute);
  return { handle, result, queried, statusAttribute, stubs };
}

/** Runs one bulkOperation with these stubs to its end. */
export async function runBulkOperation(
  env: BulkWorkflowEnv,
  stubs: StubbedActivities,
  input: BulkWorkflowInput,
): Promise<ScenarioRun> {
  return env.withWorker(stubs.activities, async (start) => settle(await start(input), stubs));
}

/** 250 valid rows staged in 3 batches (100, 100, 50), all written. */
export async function importInBatches(env: BulkWorkflowEnv): Promise<ScenarioRun> {
  const rowsOf = [100, 100, 50];
  const stubs = stubBulkActivities({
    stageImport: async () => ({ outcome: 'staged', total: 250, valid: 250, failed: 0, batches: 3 }),
    applyImportBatch: async ({ batch }) => batchResult(rowsOf[batch] ?? 0),
  });
  return runBulkOperation(env, stubs, bulkInput());
}

export interface CancelRun extends ScenarioRun {
  /** What the operationState query answered while the first batch was being written. */
  whileWriting: OperationState;
}

/**
 * 300 rows in 3 batches; while batch 0 is being written a cancel signal for `cancelFor` (the operation itself unless
 * given) arrives, then batch 0 completes.
 */
export async function importCancelledBetweenBatches(env: BulkWorkflowEnv, cancelFor?: string): Promise<CancelRun> {
  const writing = deferred();
  const release = deferred();
  const stubs = stubBulkActivities({
    stageImport: async () => ({ outcome: 'staged', total: 300, valid: 300, failed: 0, batches: 3 }),
    applyImportBatch: async ({ batch }) => {
      if (batch === 0) {
        writing.resolve();
        await release.promise;
      }
      return batchResult(100);
    },
  });
  const input = bulkInput();
  return env.withWorker(stubs.activities, async (start) => {
    const handle = await start(input);
    try {
      await writing.promise;
      const whileWriting = await handle.query(operationStateQuery);
      await handle.signal(cancelOperationSignal, {
        operationId: cancelFor ?? input.operationId,
        requestedBy: 'tester',
      });
      release.resolve();
      return { ...(await settle(handle, stubs)), whileWriting };
    } finally {
      release.resolve();
    }
  });
}

/** An export of 7200 objects (a ZIP of two CSVs). */
export async function exportOfObjects(env: BulkWorkflowEnv): Promise<ScenarioRun> {
  const stubs = stubBulkActivities({
    exportObjects: async () => ({
      count: 7200,
      resultKey: 'bulk/tenant-wf/result.zip',
      contentType: 'application/zip',
      files: 2,
    }),
  });
  return runBulkOperation(env, stubs, bulkInput({ kind: 'export', uploadKey: undefined, fileName: 'codes' }));
}

export const REJECTED_REASON = '"codes.csv" has a header row but no data rows';

/** Staging rejects the whole file. */
export async function importRejectedAtStage(env: BulkWorkflowEnv): Promise<ScenarioRun> {
  const stubs = stubBulkActivities({
    stageImport: async () => ({ outcome: 'rejected', reason: REJECTED_REASON }),
  });
  return runBulkOperation(env, stubs, bulkInput());
}

/** The scenarios whose histories are recorded in test/fixtures/histories/<name>.json. */
export const RECORDED_SCENARIOS = {
  'import-batches': importInBatches,
  'import-cancelled': importCancelledBetweenBatches,
  export: exportOfObjects,
  'stage-rejected': importRejectedAtStage,
} satisfies Record<string, (env: BulkWorkflowEnv) => Promise<ScenarioRun>>;

export type RecordedScenario = keyof typeof RECORDED_SCENARIOS;
