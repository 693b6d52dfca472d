import mongoose, { type Connection } from 'mongoose';
import { apiKeyModel, tenantModel } from './tenants';
import { pingModel } from './system/pings';
import { bulkOperationModel } from './bulk/operations';
import { bulkOperationIndexModel } from './bulk/operation-index';
import { configStoreOf, type ConfigStore } from './bulk/config-objects';
import { audioFileModel } from './bulk/audio-files';
import { accessKeyModel } from './access-keys';
import { routingResourceStore, type RoutingResourceStore } from './routing/resources';
import { summaryIndex, type SummaryIndex } from './routing/summary-index';
import { eventSubscriptionStore, type EventSubscriptionStore } from './routing/event-subscriptions';
import { outboundResourceStore, type OutboundResourceStore } from './outbound/resources';
import { outboundJobStore, type OutboundJobStore } from './outbound/jobs';

export interface Database {
  connection: Connection;
  tenants: ReturnType<typeof tenantModel>;
  apiKeys: ReturnType<typeof apiKeyModel>;
  pings: ReturnType<typeof pingModel>;
  bulkOperations: ReturnType<typeof bulkOperationModel>;
  bulkOperationIndex: ReturnType<typeof bulkOperationIndexModel>;
  /** Configuration objects of every type (chunks + heads, db/bulk/config-objects.ts). */
  config: ConfigStore;
  audioFiles: ReturnType<typeof audioFileModel>;
  /** Tenants' access keys for the signature schemes, secrets encrypted (db/access-keys.ts). */
  accessKeys: ReturnType<typeof accessKeyModel>;
  /** Router resources (policies, queues, …) and their per-tenant catalogs (db/routing/resources.ts). */
  routing: RoutingResourceStore;
  /** The job and worker list indexes, written by each tenant's router (db/routing/summary-index.ts). */
  routingIndex: SummaryIndex;
  /** Router event subscriptions (secrets sealed) and their deliveries log (db/routing/event-subscriptions.ts). */
  eventSubscriptions: EventSubscriptionStore;
  /** Outbound instances, job groups and block lists (db/outbound/resources.ts). */
  outbound: OutboundResourceStore;
  /** Outbound jobs' read model, written by their workflows (db/outbound/jobs.ts). */
  outboundJobs: OutboundJobStore;
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
    bulkOperationIndex: bulkOperationIndexModel(connection),
    config: configStoreOf(connection),
    audioFiles: audioFileModel(connection),
    accessKeys: accessKeyModel(connection),
    routing: routingResourceStore(connection),
    routingIndex: summaryIndex(connection),
    eventSubscriptions: eventSubscriptionStore(connection),
    outbound: outboundResourceStore(connection),
    outboundJobs: outboundJobStore(connection),
    close: () => connection.close(),
  };
  // Sequentially: FerretDB's SQLite backend has answered SQLITE_BUSY to parallel collection creation.
  for (const model of Object.values(connection.models)) await model.init();
  return db;
}

export async function pingDatabase(db: Database): Promise<void> {
  const admin = db.connection.db?.admin();
  if (!admin) throw new Error('database connection is not open');
  await admin.ping();
}
