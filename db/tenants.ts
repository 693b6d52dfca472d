import { type Connection, Schema, type InferSchemaType } from 'mongoose';

const tenantSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);

/** API keys are stored as SHA-256 hashes only; `prefix` lets an operator recognise a key without revealing it. */
const apiKeySchema = new Schema(
  {
    _id: { type: String, required: true }, // sha256(key) hex
    tenantId: { type: String, required: true, index: true },
    prefix: { type: String, required: true },
    label: { type: String, default: 'default' },
  },
  { timestamps: true, versionKey: false },
);

export type TenantDoc = InferSchemaType<typeof tenantSchema> & { _id: string };
export type ApiKeyDoc = InferSchemaType<typeof apiKeySchema> & { _id: string };

export const tenantModel = (connection: Connection) => connection.model('Tenant', tenantSchema, 'tenants');
export const apiKeyModel = (connection: Connection) => connection.model('ApiKey', apiKeySchema, 'apikeys');
