import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import { BULK_LIMITS } from './limits';
import { OPERATION_KINDS, type OperationState } from './status';

/**
 * The bulkOperation workflow's messages, defined once for the API (client side) and the workflow. Kept light on
 * purpose: the workflow bundle must not pull in the object-type catalog, so `objectType` is checked against the
 * catalog at the API, and the activities resolve it again.
 */
export const bulkWorkflowInputSchema = z.object({
  tenantId: z.string().min(1),
  operationId: z.uuid(),
  kind: z.enum(OPERATION_KINDS),
  objectType: z.string().min(1),
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

export const operationStateQuery = defineQuery<OperationState>('operationState');
export const cancelOperationSignal = defineSignal<[{ operationId: string; requestedBy: string }]>('cancelOperation');
