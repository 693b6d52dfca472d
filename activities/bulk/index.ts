import { bulkBlobKeys } from '../../domain/bulk/blob-keys';
import type { ActivityDeps } from '../deps';
import { applyImportBatch, type ApplyBatchInput } from './apply-import';
import { applyAudioBatch, stageAudioImport, type AudioStageInput } from './audio';
import { exportObjects, type ExportInput } from './export';
import { saveOperationState, type SaveOperationInput } from '../../db/bulk/operations';
import { purgeEndedOperations } from './purge';
import { stageImport, type StageImportInput } from './stage-import';
import { sweepOrphanedFiles } from './sweep';

/** Bulk configuration activities: every one idempotent, so Temporal's retries are safe. */
export function createBulkActivities({ db, blobs }: ActivityDeps) {
  return {
    stageImport: (input: StageImportInput) => stageImport({ db, blobs }, input),
    applyImportBatch: (input: ApplyBatchInput) => applyImportBatch({ db, blobs }, input),
    stageAudioImport: (input: AudioStageInput) => stageAudioImport({ blobs }, input),
    applyAudioBatch: (input: { tenantId: string; operationId: string; uploadKey: string; batch: number }) =>
      applyAudioBatch({ db, blobs }, input),
    exportObjects: (input: ExportInput) => exportObjects({ db, blobs }, input),
    saveOperationState: (input: SaveOperationInput) => saveOperationState(db, input),
    purgeEndedOperations: (input: { endedBefore: string }) => purgeEndedOperations({ db, blobs }, input),
    sweepOrphanedFiles: (input: { olderThan: string }) => sweepOrphanedFiles({ db, blobs }, input),
    /** Staging files are only needed until the batches are written. */
    async deleteStagedBatches(input: { tenantId: string; operationId: string }): Promise<void> {
      await blobs.deletePrefix(bulkBlobKeys.staged(input.tenantId, input.operationId));
    },
  };
}

export type BulkActivities = ReturnType<typeof createBulkActivities>;
