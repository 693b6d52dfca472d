/**
 * The real bulkOperation workflow code on the real Temporal server, with stub activities (plain functions returning
 * canned results): what it calls, in which order, what it saves and how it ends, without a database or files.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, RetryState } from '@temporalio/common';
import { CANCELLED_REASON } from '../../../domain/bulk/status';
import {
  type BulkWorkflowEnv,
  bulkInput,
  connectBulkWorkflowEnv,
  exportOfObjects,
  importCancelledBetweenBatches,
  importInBatches,
  importRejectedAtStage,
  REJECTED_REASON,
  runBulkOperation,
  type ScenarioRun,
  stubBulkActivities,
  type StubbedActivities,
} from '../../support/bulk-workflow';
import { recordHistory } from '../../support/record-histories';

const address = process.env.CCFLOW_TEST_TEMPORAL_ADDRESS;
const [SAVE, STAGE, APPLY, CLEAN] = ['saveOperationState', 'stageImport', 'applyImportBatch', 'deleteStagedBatches'];

describe('bulkOperation workflow with stub activities', () => {
  let env: BulkWorkflowEnv;
  beforeAll(async () => {
    if (!address) throw new Error('CCFLOW_TEST_TEMPORAL_ADDRESS is not set: run through jest (global setup)');
    env = await connectBulkWorkflowEnv(address);
  });
  afterAll(async () => {
    await env.close();
  });

  /** Every save has a higher version than the one before, starting at 1; returns the versions. */
  function expectGrowingVersions(stubs: StubbedActivities): number[] {
    const versions = stubs.saves().map((save) => save.version);
    expect(versions[0]).toBe(1);
    versions.slice(1).forEach((version, i) => expect(version).toBeGreaterThan(versions[i] ?? Infinity));
    return versions;
  }

  /** The final save is the last activity and carries the result; the query and the Status search attribute agree. */
  function expectPublished({ result, stubs, queried, statusAttribute }: ScenarioRun): void {
    expect(stubs.calls.at(-1)?.name).toBe(SAVE);
    expect(stubs.saves().at(-1)?.state).toEqual(result);
    expect(queried).toEqual(result);
    expect(statusAttribute).toBe(result.status);
  }

  it('imports: stage → batches → completed, saving after every step with growing versions', async () => {
    const run = await importInBatches(env);
    const { result, stubs } = run;
    expect(result).toMatchObject({
      status: 'completed',
      counts: { total: 250, succeeded: 250, failed: 0 },
      processed: 250,
    });
    expect(result.failureReason).toBeUndefined();
    expect(Date.parse(result.startedAt ?? '')).toBeLessThanOrEqual(Date.parse(result.endedAt ?? ''));
    expect(stubs.names()).toEqual([SAVE, STAGE, SAVE, APPLY, SAVE, APPLY, SAVE, APPLY, SAVE, CLEAN, SAVE]);
    const input = bulkInput();
    const ids = { tenantId: input.tenantId, operationId: input.operationId };
    expect(stubs.calls[1]?.input).toEqual({
      ...ids,
      objectType: 'work-types',
      uploadKey: input.uploadKey,
      fileName: 'codes.csv',
      batchSize: 100,
    });
    expect(stubs.calls.filter((c) => c.name === APPLY).map((c) => c.input)).toEqual(
      [0, 1, 2].map((batch) => ({ ...ids, objectType: 'work-types', batch })),
    );
    expect(expectGrowingVersions(stubs)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stubs.saves().map((save) => [save.state.status, save.state.processed, save.state.counts.succeeded])).toEqual(
      [
        ['inProgress', 0, 0],
        ['inProgress', 0, 0],
        ['inProgress', 100, 100],
        ['inProgress', 200, 200],
        ['inProgress', 250, 250],
        ['completed', 250, 250],
      ],
    );
    expect(stubs.saves()[0]).toMatchObject({
      ...ids,
      created: { kind: 'import', objectType: 'work-types', fileName: 'codes.csv', createdAt: input.submittedAt },
    });
    expectPublished(run);
    await recordHistory('import-batches', run.handle);
  });

  it('fails with the stage’s reason when the file is rejected, writing nothing', async () => {
    const run = await importRejectedAtStage(env);
    const { result, stubs } = run;
    expect(result).toMatchObject({
      status: 'failed',
      failureReason: REJECTED_REASON,
      counts: { total: 0, succeeded: 0, failed: 0 },
    });
    expect(stubs.names()).toEqual([SAVE, STAGE, CLEAN, SAVE]);
    expect(expectGrowingVersions(stubs)).toEqual([1, 2]);
    expectPublished(run);
    await recordHistory('stage-rejected', run.handle);
  });

  it('ends completedWithErrors when rows failed at staging, writing only the valid rows', async () => {
    const stubs = stubBulkActivities({
      stageImport: async () => ({
        outcome: 'staged',
        total: 5,
        valid: 3,
        failed: 2,
        batches: 1,
        errorsKey: 'errors.csv',
      }),
      applyImportBatch: async () => ({ rows: 3, created: 2, updated: 1, unchanged: 0 }),
    });
    const run = await runBulkOperation(env, stubs, bulkInput());
    const { result } = run;
    expect(result).toMatchObject({
      status: 'completedWithErrors',
      counts: { total: 5, succeeded: 3, failed: 2 },
      processed: 5,
      errorsKey: 'errors.csv',
    });
    expect(stubs.names().filter((name) => name === APPLY)).toHaveLength(1);
    // The rows that failed at staging count as processed from the start.
    expect(stubs.saves()[1]?.state).toMatchObject({ processed: 2, counts: { total: 5, succeeded: 0, failed: 2 } });
    expectGrowingVersions(stubs);
    expectPublished(run);
  });

  it('validates but writes nothing on a dry run', async () => {
    const stubs = stubBulkActivities({
      stageImport: async () => ({ outcome: 'staged', total: 4, valid: 3, failed: 1, batches: 1, errorsKey: 'e.csv' }),
      applyImportBatch: async () => ({ rows: 3, created: 3, updated: 0, unchanged: 0 }),
    });
    const run = await runBulkOperation(env, stubs, bulkInput({ dryRun: true }));
    const { result } = run;
    expect(result).toMatchObject({
      status: 'completedWithErrors',
      counts: { total: 4, succeeded: 3, failed: 1 },
      processed: 4,
      errorsKey: 'e.csv',
    });
    expect(stubs.names()).toEqual([SAVE, STAGE, CLEAN, SAVE]);
    expect(stubs.saves()[0]?.created.dryRun).toBe(true);
    expectPublished(run);
  });

  it('stops between batches on a cancel signal: failed "cancelled", written rows counted', async () => {
    const run = await importCancelledBetweenBatches(env);
    const { result, stubs, whileWriting } = run;
    // While running, the query reports the operation in progress (never an end state before it is saved).
    expect(whileWriting).toMatchObject({ status: 'inProgress', counts: { total: 300, succeeded: 0 }, processed: 0 });
    expect(result).toMatchObject({
      status: 'failed',
      failureReason: CANCELLED_REASON,
      counts: { total: 300, succeeded: 100, failed: 0 },
      processed: 100,
    });
    expect(stubs.names()).toEqual([SAVE, STAGE, SAVE, APPLY, SAVE, CLEAN, SAVE]);
    expect(expectGrowingVersions(stubs)).toEqual([1, 2, 3, 4]);
    expectPublished(run);
    await recordHistory('import-cancelled', run.handle);
  });

  it('ignores a cancel signal meant for another operation', async () => {
    const { result, stubs } = await importCancelledBetweenBatches(env, '00000000-0000-4000-8000-000000000000');
    expect(result).toMatchObject({ status: 'completed', counts: { total: 300, succeeded: 300, failed: 0 } });
    expect(stubs.names().filter((name) => name === APPLY)).toHaveLength(3);
  });

  it('exports with one activity, keeping the result file, and deletes no staging', async () => {
    const run = await exportOfObjects(env);
    const { result, stubs } = run;
    expect(result).toMatchObject({
      status: 'completed',
      counts: { total: 7200, succeeded: 7200, failed: 0 },
      processed: 7200,
      resultKey: 'bulk/tenant-wf/result.zip',
      resultContentType: 'application/zip',
    });
    expect(stubs.names()).toEqual([SAVE, 'exportObjects', SAVE]);
    const input = bulkInput();
    expect(stubs.calls[1]?.input).toEqual({
      tenantId: input.tenantId,
      operationId: input.operationId,
      objectType: 'work-types',
      fileName: 'codes',
    });
    expect(expectGrowingVersions(stubs)).toEqual([1, 2]);
    expectPublished(run);
    await recordHistory('export', run.handle);
  });

  it('imports audio files with the audio activities', async () => {
    const stubs = stubBulkActivities({
      stageAudioImport: async () => ({ outcome: 'staged', total: 2, valid: 2, failed: 0, batches: 1 }),
      applyAudioBatch: async () => ({ rows: 2 }),
    });
    const uploadKey = 'bulk/tenant-wf/prompts.zip';
    const { result } = await runBulkOperation(
      env,
      stubs,
      bulkInput({ objectType: 'audio-files', uploadKey, fileName: 'prompts.zip' }),
    );
    expect(result).toMatchObject({ status: 'completed', counts: { total: 2, succeeded: 2, failed: 0 } });
    expect(stubs.names().filter((name) => name !== SAVE)).toEqual(['stageAudioImport', 'applyAudioBatch', CLEAN]);
    expect(stubs.calls.find((c) => c.name === 'applyAudioBatch')?.input).toMatchObject({ uploadKey, batch: 0 });
  });

  it('fails an import without an uploaded file, calling no stage', async () => {
    const stubs = stubBulkActivities();
    const { result } = await runBulkOperation(env, stubs, bulkInput({ uploadKey: undefined }));
    expect(result).toMatchObject({ status: 'failed', failureReason: 'the import has no uploaded file' });
    expect(stubs.names()).toEqual([SAVE, CLEAN, SAVE]);
  });

  it('fails with "internal error: …" naming the root cause when an activity gives up', async () => {
    const stubs = stubBulkActivities({
      stageImport: async () => ({ outcome: 'staged', total: 200, valid: 200, failed: 0, batches: 2 }),
      applyImportBatch: async ({ batch }) => {
        if (batch === 1) throw ApplicationFailure.nonRetryable('disk on fire', 'DiskError');
        return { rows: 100, created: 100, updated: 0, unchanged: 0 };
      },
    });
    const run = await runBulkOperation(env, stubs, bulkInput());
    const { result } = run;
    expect(result).toMatchObject({
      status: 'failed',
      failureReason: 'internal error: disk on fire',
      counts: { total: 200, succeeded: 100, failed: 0 },
    });
    // The staging is still cleaned up and the failure published.
    expect(stubs.names().slice(-2)).toEqual([CLEAN, SAVE]);
    expectPublished(run);
  });

  it('retries an activity that throws once, then goes on', async () => {
    let attempts = 0;
    const stubs = stubBulkActivities({
      stageImport: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('connection reset');
        return { outcome: 'staged', total: 1, valid: 1, failed: 0, batches: 1 };
      },
      applyImportBatch: async () => ({ rows: 1, created: 1, updated: 0, unchanged: 0 }),
    });
    const { result } = await runBulkOperation(env, stubs, bulkInput());
    expect(result).toMatchObject({ status: 'completed', counts: { total: 1, succeeded: 1, failed: 0 } });
    expect(stubs.names().filter((name) => name === STAGE)).toHaveLength(2);
  });

  it('fails the workflow non-retryably on invalid input, calling no activity', async () => {
    const stubs = stubBulkActivities();
    const error = await env.withWorker(stubs.activities, async (start) => {
      // A retry policy, so that "non-retryable" is observable: the one failed attempt is final.
      const handle = await start(
        { ...bulkInput(), operationId: 'not-a-uuid', kind: 'delete' },
        { retry: { maximumAttempts: 3, initialInterval: '1s' } },
      );
      return handle.result().then(
        () => undefined,
        (failure: unknown) => failure,
      );
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const failed = error as WorkflowFailedError;
    expect(failed.retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
    expect(failed.cause).toBeInstanceOf(ApplicationFailure);
    const cause = failed.cause as ApplicationFailure;
    expect(cause).toMatchObject({ type: 'validationFailed', nonRetryable: true });
    expect(cause.message).toMatch(/^invalid bulk input: .*operationId/s);
    expect(cause.message).toMatch(/kind/);
    expect(stubs.calls).toEqual([]);
  });
});
