import mongoose, { type Connection } from 'mongoose';
import { apiKeyModel, tenantModel } from './tenants';
import { pingModel } from './pings';
import { bulkOperationModel } from './bulk-operations';
import { configObjectModel } from './config-objects';
import { audioFileModel } from './audio-files';

export interface Database {
  connection: Connection;
  tenants: ReturnType<typeof tenantModel>;
  apiKeys: ReturnType<typeof apiKeyModel>;
  pings: ReturnType<typeof pingModel>;
  bulkOperations: ReturnType<typeof bulkOperationModel>;
  configObjects: ReturnType<typeof configObjectModel>;
  audioFiles: ReturnType<typeof audioFileModel>;
  close(): Promise<void>;
}

mongoose.set('strictQuery', true);

/** One connection per process; models are bound to it (not to mongoose's global), so tests can hold several. */
export async function connectDatabase(uri: string): Promise<Database> {
  // FerretDB has no sessions/transactions; retryable writes are harmless but meaningless there, so keep them off.
  const connection = await mongoose
    .createConnection(uri, { serverSelectionTimeoutMS: 10000, retryWrites: false })
    .asPromise();
  const db: Database = {
    connection,
    tenants: tenantModel(connection),
    apiKeys: apiKeyModel(connection),
    pings: pingModel(connection),
    bulkOperations: bulkOperationModel(connection),
    configObjects: configObjectModel(connection),
    audioFiles: audioFileModel(connection),
    close: () => connection.close(),
  };
  await Promise.all(Object.values(connection.models).map((model) => model.init()));
  return db;
}

export async function pingDatabase(db: Database): Promise<void> {
  const admin = db.connection.db?.admin();
  if (!admin) throw new Error('database connection is not open');
  await admin.ping();
}
