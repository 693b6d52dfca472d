import { type Connection, Schema, type InferSchemaType } from 'mongoose';

/** Written by the system ping workflow: proves API → Temporal → worker → database on the real servers. */
const pingSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true, index: true },
    message: { type: String, required: true },
    workflowId: { type: String, required: true },
    recordedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export type PingDoc = InferSchemaType<typeof pingSchema> & { _id: string };
export const pingModel = (connection: Connection) => connection.model('Ping', pingSchema, 'system_pings');
