import { type Connection, Schema, type InferSchemaType } from 'mongoose';

/** Audio prompts: metadata here, the WAV bytes in the blob store. A file with an existing name replaces it. */
const audioFileSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    blobKey: { type: String, required: true },
    sizeBytes: { type: Number, required: true },
    contentType: { type: String, required: true, default: 'audio/wav' },
    sourcePath: { type: String, required: true },
    lastOperationId: { type: String },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
audioFileSchema.index({ tenantId: 1, name: 1 }, { unique: true });

export type AudioFileDoc = InferSchemaType<typeof audioFileSchema>;
export const audioFileModel = (connection: Connection) =>
  connection.model('AudioFile', audioFileSchema, 'bulk_audio_files');
