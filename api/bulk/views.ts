import { z } from 'zod';
import type { BulkOperationDoc } from '../../db/bulk/operations';
import {
  countsSchema,
  OPERATION_KINDS,
  OPERATION_STATUSES,
  type OperationState,
  progressOf,
  progressSchema,
} from '../../domain/bulk/status';

export const operationViewSchema = z.object({
  id: z.uuid(),
  kind: z.enum(OPERATION_KINDS),
  objectType: z.string(),
  fileName: z.string(),
  status: z.enum(OPERATION_STATUSES),
  failureReason: z.string().optional(),
  dryRun: z.boolean(),
  submittedBy: z.string(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().optional(),
  endedAt: z.iso.datetime().optional(),
  counts: countsSchema,
  progress: progressSchema,
  retryOf: z.uuid().optional(),
  links: z.object({
    self: z.string(),
    errors: z.string().optional(),
    result: z.string().optional(),
    retry: z.string().optional(),
    cancel: z.string().optional(),
  }),
});
export type OperationView = z.infer<typeof operationViewSchema>;

const iso = (date: Date | null | undefined): string | undefined => (date ? date.toISOString() : undefined);

/** The API's view of an operation: the read model, overlaid with the workflow's live state while it runs. */
export function operationView(doc: BulkOperationDoc, live?: OperationState): OperationView {
  const state = live ?? {
    status: doc.status,
    failureReason: doc.failureReason ?? undefined,
    startedAt: iso(doc.startedAt),
    endedAt: iso(doc.endedAt),
    counts: { total: doc.counts?.total ?? 0, succeeded: doc.counts?.succeeded ?? 0, failed: doc.counts?.failed ?? 0 },
    processed: doc.processed ?? 0,
    errorsKey: doc.errorsKey ?? undefined,
    resultKey: doc.resultKey ?? undefined,
  };
  const self = `/v1/bulk/operations/${doc._id}`;
  const active = state.status === 'new' || state.status === 'inProgress';
  const retryable = state.status === 'failed' || state.status === 'completedWithErrors';
  return {
    id: doc._id,
    kind: doc.kind,
    objectType: doc.objectType,
    fileName: doc.fileName,
    status: state.status,
    ...(state.failureReason ? { failureReason: state.failureReason } : {}),
    dryRun: doc.dryRun,
    submittedBy: doc.submittedBy,
    createdAt: doc.createdAt.toISOString(),
    ...(state.startedAt ? { startedAt: state.startedAt } : {}),
    ...(state.endedAt ? { endedAt: state.endedAt } : {}),
    counts: state.counts,
    progress: progressOf(state),
    ...(doc.retryOf ? { retryOf: doc.retryOf } : {}),
    links: {
      self,
      ...(state.errorsKey ? { errors: `${self}/errors` } : {}),
      ...(state.resultKey && state.status === 'completed' ? { result: `${self}/result` } : {}),
      ...(retryable ? { retry: `${self}:retry` } : {}),
      ...(active ? { cancel: `${self}:cancel` } : {}),
    },
  };
}
