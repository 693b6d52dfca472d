import { type Connection, Schema, type InferSchemaType, type Model } from 'mongoose';
import { CSV_OBJECT_TYPE_IDS, type ObjectTypeId } from '../../domain/bulk/catalog';

/**
 * Configuration objects: one collection per object type (`bulk_config_queues`, `bulk_config_sites`, …), documents keyed by
 * `_id = {tenantId}:{key}` — the upsert key. On FerretDB's SQLite backend only finds by `_id` avoid a collection
 * scan (every filtered write scans), so per-type collections keep scans small and `_id` makes key lookups cheap.
 */
const configObjectSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    key: { type: String, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    version: { type: Number, required: true, default: 1 },
    lastOperationId: { type: String },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
configObjectSchema.index({ tenantId: 1, key: 1 }, { unique: true });

export type ConfigObjectDoc = InferSchemaType<typeof configObjectSchema> & { _id: string };
export type ConfigObjectModel = Model<ConfigObjectDoc>;

export const configObjectId = (tenantId: string, key: string): string => `${tenantId}:${key}`;
export const configCollectionName = (type: ObjectTypeId): string => `bulk_config_${type.replaceAll('-', '_')}`;

/** One model per catalog type, bound to the connection; `models(type)` returns it. */
export function configObjectModels(connection: Connection): (type: ObjectTypeId) => ConfigObjectModel {
  const models = new Map<string, ConfigObjectModel>();
  for (const type of CSV_OBJECT_TYPE_IDS) {
    models.set(
      type,
      connection.model<ConfigObjectDoc>(`Config:${type}`, configObjectSchema, configCollectionName(type)),
    );
  }
  return (type) => {
    const model = models.get(type);
    if (!model) throw new Error(`${type} has no configuration collection`);
    return model;
  };
}
