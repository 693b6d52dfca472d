import { type Connection, Schema, type InferSchemaType } from 'mongoose';
import { OPERATION_KINDS, OPERATION_STATUSES } from '../../domain/bulk/status';

/**
 * Read model of bulk operations, written only by the bulk workflow's activities (and the API's initial `new`
 * insert). `version` orders writes: an older write never overwrites a newer one (see saveOperationState).
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
