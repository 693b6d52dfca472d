import { z } from 'zod';

/**
 * What a bulk operation is and how far it got: the vocabulary shared by the workflow, the read model, the API
 * views and the CLI. Only zod: the CLI loads this without the Temporal SDK.
 */
export const OPERATION_STATUSES = ['new', 'inProgress', 'completed', 'completedWithErrors', 'failed'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];
export const ACTIVE_STATUSES: readonly OperationStatus[] = ['new', 'inProgress'];

export const OPERATION_KINDS = ['import', 'export'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

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

export function progressOf(state: Pick<OperationState, 'processed' | 'counts'>): OperationProgress {
  const total = state.counts.total;
  const processed = Math.min(state.processed, total);
  return { processed, total, percent: total === 0 ? 0 : Math.round((processed / total) * 1000) / 10 };
}

export const CANCELLED_REASON = 'cancelled';
