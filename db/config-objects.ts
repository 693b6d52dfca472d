import { type Connection, Schema, type InferSchemaType } from 'mongoose';

/**
 * Every configuration object of every bulk type, one collection: the catalog (domain/bulk) describes the shape of
 * `data`, so a new object type needs no new collection. Unique by (tenant, type, key) — the upsert key.
 */
const configObjectSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    type: { type: String, required: true },
    key: { type: String, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    version: { type: Number, required: true, default: 1 },
    lastOperationId: { type: String },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
configObjectSchema.index({ tenantId: 1, type: 1, key: 1 }, { unique: true });

export type ConfigObjectDoc = InferSchemaType<typeof configObjectSchema>;
export const configObjectModel = (connection: Connection) =>
  connection.model('ConfigObject', configObjectSchema, 'configobjects');
