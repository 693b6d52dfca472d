import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  setHandler,
  type RetryPolicy,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { BulkActivities } from '../../activities/bulk';
import {
  type BulkWorkflowInput,
  bulkWorkflowInputSchema,
  cancelOperationSignal,
  operationStateQuery,
} from '../../domain/bulk/messages';
import { CANCELLED_REASON, type OperationState, type OperationStatus } from '../../domain/bulk/status';
import type { ErrorCode } from '../../domain/errors';
import { StatusAttribute } from '../../domain/search-attributes';

/** Bad input fails the workflow with the error table's code, as the API would answer it. */
const INVALID_INPUT: ErrorCode = 'validationFailed';

const retry: RetryPolicy = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 };
// Heartbeat timeouts bound how long an activity lost with a crashed worker waits before it is retried elsewhere.
const { stageImport, stageAudioImport, exportObjects } = proxyActivities<BulkActivities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '30s',
  retry,
});
const { applyImportBatch, applyAudioBatch } = proxyActivities<BulkActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '30s',
  retry,
});
const { saveOperationState, deleteStagedBatches } = proxyActivities<BulkActivities>({
  startToCloseTimeout: '1m',
  retry,
});

type StageResult =
  | { outcome: 'rejected'; reason: string }
  | { outcome: 'staged'; total: number; valid: number; failed: number; batches: number; errorsKey?: string };

/** What an operator reads in failureReason when an activity gave up: the root cause, not the wrapper. */
function describeFailure(error: unknown): string {
  let cause: unknown = error;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure || cause instanceof Error) return `internal error: ${cause.message}`;
  return 'internal error';
}

/**
 * One bulk operation (workflow id `bulk/{tenant}`, so one at a time per tenant). Import: stage (validate everything,
 * write nothing) → write the valid rows batch by batch → finish; progress and cancellation are checked between
 * batches. Export: one streaming activity. The read model is written after every step with a growing version.
 */
export async function bulkOperation(rawInput: BulkWorkflowInput): Promise<OperationState> {
  const parsed = bulkWorkflowInputSchema.safeParse(rawInput);
  // A ZodError would fail the workflow task and retry forever; bad input is a non-retryable workflow failure.
  if (!parsed.success)
    throw ApplicationFailure.nonRetryable(`invalid bulk input: ${parsed.error.message}`, INVALID_INPUT);
  const input = parsed.data;
  const state: OperationState = { status: 'new', counts: { total: 0, succeeded: 0, failed: 0 }, processed: 0 };
  let version = 0;
  let cancelRequested = false;
  let published = false;
  // Until the final state is written to the read model, clients see the operation as still in progress; then
  // "ended" in the API always means the files and counts are in place.
  setHandler(operationStateQuery, () =>
    published ? state : { ...state, status: 'inProgress', failureReason: undefined, endedAt: undefined },
  );
  setHandler(cancelOperationSignal, ({ operationId }) => {
    if (operationId === input.operationId) cancelRequested = true;
  });
  const ids = { tenantId: input.tenantId, operationId: input.operationId };
  const created = {
    kind: input.kind,
    objectType: input.objectType,
    fileName: input.fileName,
    dryRun: input.dryRun,
    submittedBy: input.submittedBy,
    createdAt: input.submittedAt,
    ...(input.uploadKey ? { uploadKey: input.uploadKey } : {}),
    ...(input.retryOf ? { retryOf: input.retryOf } : {}),
  };
  const save = async (): Promise<void> => {
    version += 1;
    await saveOperationState({ ...ids, version, state: { ...state, counts: { ...state.counts } }, created });
  };
  const setStatus = (status: OperationStatus, failureReason?: string): void => {
    state.status = status;
    if (failureReason) state.failureReason = failureReason;
    upsertSearchAttributes([{ key: StatusAttribute, value: status }]);
  };
  const finishedStatus = (): OperationStatus => (state.counts.failed > 0 ? 'completedWithErrors' : 'completed');

  async function runImport(stage: () => Promise<StageResult>, apply: (batch: number) => Promise<{ rows: number }>) {
    const staged = await stage();
    if (staged.outcome === 'rejected') return setStatus('failed', staged.reason);
    state.counts = { total: staged.total, succeeded: 0, failed: staged.failed };
    state.processed = staged.failed;
    if (staged.errorsKey) state.errorsKey = staged.errorsKey;
    if (input.dryRun) {
      state.counts.succeeded = staged.valid;
      state.processed = staged.total;
      return setStatus(finishedStatus());
    }
    await save();
    for (let batch = 0; batch < staged.batches; batch += 1) {
      if (cancelRequested) return setStatus('failed', CANCELLED_REASON);
      const { rows } = await apply(batch);
      state.counts.succeeded += rows;
      state.processed += rows;
      await save();
    }
    setStatus(finishedStatus());
  }

  async function runExport() {
    const result = await exportObjects({ ...ids, objectType: input.objectType, fileName: input.fileName });
    state.counts = { total: result.count, succeeded: result.count, failed: 0 };
    state.processed = result.count;
    state.resultKey = result.resultKey;
    state.resultContentType = result.contentType;
    setStatus('completed');
  }

  setStatus('inProgress');
  state.startedAt = new Date().toISOString();
  await save();
  try {
    if (input.kind === 'export') await runExport();
    else if (!input.uploadKey) setStatus('failed', 'the import has no uploaded file');
    else if (input.objectType === 'audio-files') {
      const uploadKey = input.uploadKey;
      await runImport(
        () => stageAudioImport({ ...ids, uploadKey, fileName: input.fileName }),
        (batch) => applyAudioBatch({ ...ids, uploadKey, batch }),
      );
    } else {
      const uploadKey = input.uploadKey;
      await runImport(
        () =>
          stageImport({
            ...ids,
            objectType: input.objectType,
            uploadKey,
            fileName: input.fileName,
            ...(input.batchSize ? { batchSize: input.batchSize } : {}),
          }),
        (batch) => applyImportBatch({ ...ids, objectType: input.objectType, batch }),
      );
    }
  } catch (error) {
    setStatus('failed', describeFailure(error));
  }
  if (input.kind === 'import') await deleteStagedBatches(ids);
  // The final write is the last step: once the read model says "ended", the workflow is closing.
  state.endedAt = new Date().toISOString();
  await save();
  published = true;
  return state;
}
