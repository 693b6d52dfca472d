/**
 * Outbound instances, job groups and block lists. Reads of one resource are by `_id` (the embedded FerretDB only
 * uses an index for `_id` equality); lists filter on `tenantId` (and the instance), which the declared indexes serve
 * on MongoDB and which stay small here (a tenant has few instances and groups). Records are JSON text, parsed by
 * their zod schema when read. The API is their only writer.
 */
import { type Connection, Schema } from 'mongoose';
import type { z } from 'zod';
import {
  type BlockListEntry,
  blockListEntrySchema,
  type InstanceRecord,
  instanceRecordSchema,
  type JobGroupRecord,
  jobGroupRecordSchema,
} from '../../domain/outbound/resources';

const recordSchema = () => {
  const schema = new Schema(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      instanceId: { type: String, required: true },
      /** Creation time, for list order. */
      createdAt: { type: Number, required: true },
      /** JSON text of the record. */
      body: { type: String, required: true },
    },
    { versionKey: false },
  );
  schema.index({ tenantId: 1, instanceId: 1, createdAt: 1 });
  return schema;
};

const blockSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    instanceId: { type: String, required: true },
    phoneNumber: { type: String, required: true },
    createdAt: { type: Number, required: true },
    body: { type: String, required: true },
  },
  { versionKey: false },
);
blockSchema.index({ tenantId: 1, instanceId: 1, phoneNumber: 1 });

export const outboundInstanceModel = (connection: Connection) =>
  connection.model('OutboundInstance', recordSchema(), 'outbound_instances');
export const outboundJobGroupModel = (connection: Connection) =>
  connection.model('OutboundJobGroup', recordSchema(), 'outbound_job_groups');
export const outboundBlockListModel = (connection: Connection) =>
  connection.model('OutboundBlockList', blockSchema, 'outbound_block_list');

const docId = (...parts: string[]): string => parts.join('/');

export interface OutboundResourceStore {
  instances: {
    get(tenantId: string, instanceId: string): Promise<InstanceRecord | undefined>;
    /** The tenant's instances, oldest first. */
    list(tenantId: string): Promise<InstanceRecord[]>;
    put(tenantId: string, record: InstanceRecord): Promise<void>;
    remove(tenantId: string, instanceId: string): Promise<boolean>;
  };
  groups: {
    get(tenantId: string, jobGroupId: string): Promise<JobGroupRecord | undefined>;
    /** The instance's job groups, oldest first. */
    list(tenantId: string, instanceId: string): Promise<JobGroupRecord[]>;
    put(tenantId: string, record: JobGroupRecord): Promise<void>;
    remove(tenantId: string, jobGroupId: string): Promise<boolean>;
  };
  blockList: {
    has(tenantId: string, instanceId: string, phoneNumber: string): Promise<boolean>;
    /** The numbers among `phoneNumbers` that are blocked (one query for a batch of new jobs). */
    blockedAmong(tenantId: string, instanceId: string, phoneNumbers: readonly string[]): Promise<Set<string>>;
    /** Entries whose number or name contains `search` (case-insensitive), by number; with the total. */
    page(
      tenantId: string,
      instanceId: string,
      options: { search?: string; skip: number; limit: number },
    ): Promise<{ total: number; entries: BlockListEntry[] }>;
    /** Adds or replaces entries (keyed by phone number). */
    put(tenantId: string, instanceId: string, entries: readonly BlockListEntry[]): Promise<void>;
    /** Removes numbers; returns how many existed. */
    remove(tenantId: string, instanceId: string, phoneNumbers: readonly string[]): Promise<number>;
  };
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function outboundResourceStore(connection: Connection): OutboundResourceStore {
  const instances = outboundInstanceModel(connection);
  const groups = outboundJobGroupModel(connection);
  const blocks = outboundBlockListModel(connection);

  /** get / list / put / remove of one kind of JSON-text record, keyed `{tenantId}/{id}`. */
  const records = <R>(
    model: typeof instances,
    schema: z.ZodType<R>,
    keys: (record: R) => { id: string; instanceId: string; createdAt: number },
  ) => ({
    async get(tenantId: string, id: string): Promise<R | undefined> {
      const doc = await model.findById(docId(tenantId, id), { body: 1 }).lean();
      return doc ? schema.parse(JSON.parse(doc.body)) : undefined;
    },
    async list(tenantId: string, instanceId?: string): Promise<R[]> {
      const filter = instanceId === undefined ? { tenantId } : { tenantId, instanceId };
      const docs = await model.find(filter, { body: 1 }).sort({ createdAt: 1, _id: 1 }).lean();
      return docs.map((doc) => schema.parse(JSON.parse(doc.body)));
    },
    async put(tenantId: string, record: R): Promise<void> {
      const { id, instanceId, createdAt } = keys(record);
      const _id = docId(tenantId, id);
      const body = JSON.stringify(schema.parse(record));
      await model.replaceOne({ _id }, { _id, tenantId, instanceId, createdAt, body }, { upsert: true });
    },
    async remove(tenantId: string, id: string): Promise<boolean> {
      return (await model.deleteOne({ _id: docId(tenantId, id) })).deletedCount > 0;
    },
  });

  return {
    instances: records(instances, instanceRecordSchema, (record) => ({
      id: record.instanceId,
      instanceId: record.instanceId,
      createdAt: record.createdAt,
    })),
    groups: records(groups, jobGroupRecordSchema, (record) => ({
      id: record.jobGroupId,
      instanceId: record.instanceId,
      createdAt: record.creationTime,
    })),
    blockList: {
      async has(tenantId, instanceId, phoneNumber) {
        return (await blocks.exists({ _id: docId(tenantId, instanceId, phoneNumber.trim()) })) !== null;
      },
      async blockedAmong(tenantId, instanceId, phoneNumbers) {
        if (phoneNumbers.length === 0) return new Set();
        const ids = [...new Set(phoneNumbers.map((number) => docId(tenantId, instanceId, number.trim())))];
        const docs = await blocks.find({ _id: { $in: ids } }, { phoneNumber: 1 }).lean();
        return new Set(docs.map((doc) => doc.phoneNumber));
      },
      async page(tenantId, instanceId, { search, skip, limit }) {
        const filter: Record<string, unknown> = { tenantId, instanceId };
        const docs = await blocks.find(filter, { body: 1 }).sort({ phoneNumber: 1 }).lean();
        const pattern = search ? new RegExp(escapeRegExp(search), 'i') : undefined;
        const entries = docs
          .map((doc) => blockListEntrySchema.parse(JSON.parse(doc.body)))
          .filter((entry) => !pattern || pattern.test(entry.phoneNumber) || pattern.test(entry.name));
        return { total: entries.length, entries: entries.slice(skip, skip + limit) };
      },
      async put(tenantId, instanceId, entries) {
        if (entries.length === 0) return;
        await blocks.bulkWrite(
          entries.map((entry) => ({
            replaceOne: {
              filter: { _id: docId(tenantId, instanceId, entry.phoneNumber) },
              replacement: {
                _id: docId(tenantId, instanceId, entry.phoneNumber),
                tenantId,
                instanceId,
                phoneNumber: entry.phoneNumber,
                createdAt: entry.createdAt,
                body: JSON.stringify(blockListEntrySchema.parse(entry)),
              },
              upsert: true,
            },
          })),
          { ordered: false },
        );
      },
      async remove(tenantId, instanceId, phoneNumbers) {
        if (phoneNumbers.length === 0) return 0;
        const result = await blocks.deleteMany({
          _id: { $in: phoneNumbers.map((number) => docId(tenantId, instanceId, number.trim())) },
        });
        return result.deletedCount;
      },
    },
  };
}
