import { type Connection, Schema, type InferSchemaType } from 'mongoose';
import type { Database } from '../connection';
import { isDuplicateKey, upsertVersioned } from '../read-model';
import { OPERATION_KINDS, OPERATION_STATUSES, type OperationState } from '../../domain/bulk/status';

/**
 * Read model of bulk operations. This module owns every write to the collection, and there are two callers on
 * purpose: the API records the submitted operation (`new`, version 0, insert-only) right after starting its
 * workflow, so a client that polls the URL of the 202 finds it at once; the workflow's activity then saves each
 * state with a growing version. `version` orders the writes: an older one never overwrites a newer one.
 */
const bulkOperationSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    kind: { type: String, enum: OPERATION_KINDS, required: true },
    objectType: { type: String, required: true },
    fileName: { type: String, required: true },
    status: { type: String, enum: OPERATION_STATUSES, required: true },
    failureReason: { type: String },
    dryRun: { type: Boolean, required: true },
    submittedBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    startedAt: { type: Date },
    endedAt: { type: Date },
    counts: {
      total: { type: Number, default: 0 },
      succeeded: { type: Number, default: 0 },
      failed: { type: Number, default: 0 },
    },
    processed: { type: Number, default: 0 },
    uploadKey: { type: String },
    errorsKey: { type: String },
    resultKey: { type: String },
    resultContentType: { type: String },
    retryOf: { type: String },
    version: { type: Number, required: true, default: 0 },
  },
  { versionKey: false },
);
bulkOperationSchema.index({ tenantId: 1, createdAt: -1, _id: -1 });
bulkOperationSchema.index({ endedAt: 1 });

export type BulkOperationDoc = InferSchemaType<typeof bulkOperationSchema> & { _id: string };
export const bulkOperationModel = (connection: Connection) =>
  connection.model('BulkOperation', bulkOperationSchema, 'bulk_operations');

/** Fields known when the operation is submitted; written when the document is created, never changed. */
export interface SubmittedOperation {
  tenantId: string;
  operationId: string;
  kind: 'import' | 'export';
  objectType: string;
  fileName: string;
  dryRun: boolean;
  submittedBy: string;
  createdAt: string;
  uploadKey?: string;
  retryOf?: string;
}

/**
 * The API's insert of a just-started operation; a no-op when the workflow has already written its state. The two
 * writes may race (both upsert the same `_id`): the loser of that race gets a duplicate-key error, which here only
 * means the workflow's newer state is already stored.
 */
export async function recordSubmittedOperation(db: Database, submitted: SubmittedOperation): Promise<void> {
  const { operationId, createdAt, ...fields } = submitted;
  try {
    await db.bulkOperations.updateOne(
      { _id: operationId },
      {
        $setOnInsert: {
          ...fields,
          createdAt: new Date(createdAt),
          status: 'new',
          counts: { total: 0, succeeded: 0, failed: 0 },
          processed: 0,
          version: 0,
        },
      },
      { upsert: true },
    );
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

export interface SaveOperationInput {
  tenantId: string;
  operationId: string;
  /** Monotonic per operation (the workflow counts its writes). */
  version: number;
  state: OperationState;
  /** Written on insert only, in case the workflow's write lands before the API's. */
  created: Omit<SubmittedOperation, 'tenantId' | 'operationId'>;
}

const OPTIONAL_STATE_FIELDS = ['failureReason', 'errorsKey', 'resultKey', 'resultContentType'] as const;

/** The workflow's versioned write of its operation's state. */
export async function saveOperationState(db: Database, input: SaveOperationInput): Promise<void> {
  const { state } = input;
  const set: Record<string, unknown> = { status: state.status, counts: state.counts, processed: state.processed };
  for (const field of OPTIONAL_STATE_FIELDS) if (state[field] !== undefined) set[field] = state[field];
  if (state.startedAt) set.startedAt = new Date(state.startedAt);
  if (state.endedAt) set.endedAt = new Date(state.endedAt);
  const { createdAt, ...created } = input.created;
  await upsertVersioned(db.bulkOperations, {
    _id: input.operationId,
    where: { tenantId: input.tenantId },
    version: input.version,
    set,
    unset: OPTIONAL_STATE_FIELDS.filter((field) => state[field] === undefined),
    setOnInsert: { ...created, tenantId: input.tenantId, createdAt: new Date(createdAt) },
  });
}
