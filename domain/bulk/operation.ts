import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import { OBJECT_TYPE_IDS } from './catalog';

/** Limits from the Webex Contact Center bulk-operations documentation (seeds 000/001). */
export const BULK_LIMITS = {
  maxRowsPerCsv: 5000,
  maxCsvBytes: 5 * 1024 * 1024,
  maxAudioZipBytes: 50 * 1024 * 1024,
  maxCsvZipBytes: 50 * 1024 * 1024,
  maxZipEntries: 1000,
  maxAudioZipEntries: 5000,
  maxUncompressedBytes: 512 * 1024 * 1024,
  maxCompressionRatio: 100,
  exportRowsPerFile: 5000,
  importBatchSize: 1000,
  audioBatchSize: 100,
} as const;

export const OPERATION_STATUSES = ['new', 'inProgress', 'completed', 'completedWithErrors', 'failed'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];
export const ACTIVE_STATUSES: readonly OperationStatus[] = ['new', 'inProgress'];

export const OPERATION_KINDS = ['import', 'export'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const objectTypeIdSchema = z.enum(OBJECT_TYPE_IDS);

export const bulkWorkflowInputSchema = z.object({
  tenantId: z.string().min(1),
  operationId: z.uuid(),
  kind: z.enum(OPERATION_KINDS),
  objectType: objectTypeIdSchema,
  fileName: z.string().min(1),
  dryRun: z.boolean(),
  submittedBy: z.string().min(1),
  submittedAt: z.iso.datetime(),
  uploadKey: z.string().optional(),
  retryOf: z.uuid().optional(),
  /** Rows per write batch: the unit of progress, heartbeat and cancellation. */
  batchSize: z.number().int().min(1).max(5000).default(BULK_LIMITS.importBatchSize),
});
export type BulkWorkflowInput = z.input<typeof bulkWorkflowInputSchema>;

export const countsSchema = z.object({
  total: z.number().int().min(0),
  succeeded: z.number().int().min(0),
  failed: z.number().int().min(0),
});
export type OperationCounts = z.infer<typeof countsSchema>;

export const progressSchema = z.object({
  processed: z.number().int().min(0),
  total: z.number().int().min(0),
  percent: z.number().min(0).max(100),
});
export type OperationProgress = z.infer<typeof progressSchema>;

/** What the workflow knows about its operation; the query answers with it and the read model stores it. */
export interface OperationState {
  status: OperationStatus;
  failureReason?: string;
  startedAt?: string;
  endedAt?: string;
  counts: OperationCounts;
  processed: number;
  errorsKey?: string;
  resultKey?: string;
  resultContentType?: string;
}

export const operationStateQuery = defineQuery<OperationState>('operationState');
export const cancelOperationSignal = defineSignal<[{ operationId: string; requestedBy: string }]>('cancelOperation');

export function progressOf(state: Pick<OperationState, 'processed' | 'counts'>): OperationProgress {
  const total = state.counts.total;
  const processed = Math.min(state.processed, total);
  return { processed, total, percent: total === 0 ? 0 : Math.round((processed / total) * 1000) / 10 };
}

/** Blob keys of an operation's files; one function per file so every layer spells them the same way. */
export const bulkBlobKeys = {
  prefix: (tenantId: string, operationId: string) => `tenants/${tenantId}/bulk/${operationId}`,
  upload: (tenantId: string, operationId: string, extension: 'csv' | 'zip') =>
    `tenants/${tenantId}/bulk/${operationId}/upload.${extension}`,
  errors: (tenantId: string, operationId: string) => `tenants/${tenantId}/bulk/${operationId}/errors.csv`,
  result: (tenantId: string, operationId: string, extension: 'csv' | 'zip') =>
    `tenants/${tenantId}/bulk/${operationId}/result.${extension}`,
  staged: (tenantId: string, operationId: string) => `tenants/${tenantId}/bulk/${operationId}/staged`,
  stagedBatch: (tenantId: string, operationId: string, batch: number) =>
    `tenants/${tenantId}/bulk/${operationId}/staged/batch-${String(batch).padStart(4, '0')}.ndjson`,
  audio: (tenantId: string, name: string) => `tenants/${tenantId}/audio/${encodeURIComponent(name)}`,
};

export const CANCELLED_REASON = 'cancelled';
