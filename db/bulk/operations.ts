import { type Connection, Schema, type InferSchemaType } from 'mongoose';
import { mapBounded } from '../bounded';
import type { Database } from '../connection';
import { isDuplicateKey, upsertVersioned } from '../read-model';
import { type IndexPosition, indexOperation, type OperationSummary, walkOperationIndex } from './operation-index';
import { OPERATION_KINDS, OPERATION_STATUSES, type OperationState } from '../../domain/bulk/status';

/**
 * Read model of bulk operations. This module owns every write to the collection, and there are two callers on
 * purpose: the API records the submitted operation (`new`, version 0, insert-only) right after starting its
 * workflow, so a client that polls the URL of the 202 finds it at once; the workflow's activity then saves each
 * state with a growing version. `version` orders the writes: an older one never overwrites a newer one. Both also
 * put the operation's summary in its tenant's list (db/bulk/operation-index.ts), which is what lists read.
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
// Lists go through the operation index (by `_id` only); retention finds expired operations by `endedAt`.
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
 * means the workflow's newer state is already stored. Then the operation joins its tenant's list, so a list right
 * after the 202 shows it.
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
  await indexOperation(db, submitted.tenantId, {
    id: operationId,
    version: 0,
    kind: fields.kind,
    objectType: fields.objectType,
    fileName: fields.fileName,
    status: 'new',
    dryRun: fields.dryRun,
    submittedBy: fields.submittedBy,
    createdAt: new Date(createdAt).toISOString(),
    counts: { total: 0, succeeded: 0, failed: 0 },
    processed: 0,
    ...(fields.retryOf ? { retryOf: fields.retryOf } : {}),
  });
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

/**
 * The workflow's versioned write of its operation's state, then of its entry in the tenant's list (version-guarded
 * too, so a retry or a repair after a lost write is harmless). When the state write is not applied, a newer (or, on a
 * retry, the same) version is stored whose writer may have died before listing it: the stored document is listed
 * instead, unless it is another tenant's.
 */
export async function saveOperationState(db: Database, input: SaveOperationInput): Promise<void> {
  const { state } = input;
  const set: Record<string, unknown> = { status: state.status, counts: state.counts, processed: state.processed };
  for (const field of OPTIONAL_STATE_FIELDS) if (state[field] !== undefined) set[field] = state[field];
  if (state.startedAt) set.startedAt = new Date(state.startedAt);
  if (state.endedAt) set.endedAt = new Date(state.endedAt);
  const { createdAt, ...created } = input.created;
  const applied = await upsertVersioned(db.bulkOperations, {
    _id: input.operationId,
    where: { tenantId: input.tenantId },
    version: input.version,
    set,
    unset: OPTIONAL_STATE_FIELDS.filter((field) => state[field] === undefined),
    setOnInsert: { ...created, tenantId: input.tenantId, createdAt: new Date(createdAt) },
  });
  if (applied) {
    await indexOperation(db, input.tenantId, {
      id: input.operationId,
      version: input.version,
      kind: created.kind,
      objectType: created.objectType,
      fileName: created.fileName,
      status: state.status,
      ...(state.failureReason ? { failureReason: state.failureReason } : {}),
      dryRun: created.dryRun,
      submittedBy: created.submittedBy,
      createdAt: new Date(createdAt).toISOString(),
      ...(state.startedAt ? { startedAt: new Date(state.startedAt).toISOString() } : {}),
      ...(state.endedAt ? { endedAt: new Date(state.endedAt).toISOString() } : {}),
      counts: state.counts,
      processed: state.processed,
      ...(state.errorsKey ? { errorsKey: state.errorsKey } : {}),
      ...(state.resultKey ? { resultKey: state.resultKey } : {}),
      ...(created.retryOf ? { retryOf: created.retryOf } : {}),
    });
    return;
  }
  const stored = await db.bulkOperations.findById(input.operationId).lean<BulkOperationDoc>();
  if (stored && stored.tenantId === input.tenantId) await indexOperation(db, input.tenantId, summaryOf(stored));
}

const iso = (date: Date | null | undefined): string | undefined => (date ? date.toISOString() : undefined);

/** A stored operation as a list entry. */
function summaryOf(doc: BulkOperationDoc): OperationSummary {
  const optional = {
    failureReason: doc.failureReason ?? undefined,
    startedAt: iso(doc.startedAt),
    endedAt: iso(doc.endedAt),
    errorsKey: doc.errorsKey ?? undefined,
    resultKey: doc.resultKey ?? undefined,
    retryOf: doc.retryOf ?? undefined,
  };
  return {
    id: doc._id,
    version: doc.version,
    kind: doc.kind,
    objectType: doc.objectType,
    fileName: doc.fileName,
    status: doc.status,
    dryRun: doc.dryRun,
    submittedBy: doc.submittedBy,
    createdAt: doc.createdAt.toISOString(),
    counts: { total: doc.counts?.total ?? 0, succeeded: doc.counts?.succeeded ?? 0, failed: doc.counts?.failed ?? 0 },
    processed: doc.processed ?? 0,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
}

/** A list entry in the shape of the stored operation (what the API's view is made from). */
function docOf(tenantId: string, summary: OperationSummary): BulkOperationDoc {
  const { id, createdAt, startedAt, endedAt, ...fields } = summary;
  return {
    ...fields,
    _id: id,
    tenantId,
    createdAt: new Date(createdAt),
    ...(startedAt ? { startedAt: new Date(startedAt) } : {}),
    ...(endedAt ? { endedAt: new Date(endedAt) } : {}),
  };
}

const isActive = (status: string): boolean => status === 'new' || status === 'inProgress';

export interface ListOperationsOptions {
  /** Where the previous page stopped (its `next`); the newest operation when absent. */
  from?: IndexPosition;
  limit: number;
  /** Which operations belong in the page (filters apply in memory: the store cannot filter without scanning). */
  matches: (doc: BulkOperationDoc) => boolean;
  /** Operations that ended before this are not listed: they are purged, or due to be (the retention period). */
  endedAfter: Date;
  /** Index entries examined at most; the page may end short, with `next`, when this is reached. */
  maxExamined: number;
  /** Operations read by `_id` at once (those whose entry says they are still running). */
  concurrency: number;
  /** Older chunks read along with each chunk the walk moves on to (worth it when `matches` is selective). */
  readAhead: number;
}

export interface OperationListPage {
  docs: BulkOperationDoc[];
  /** Present when the list may go on: where the next page starts. */
  next?: IndexPosition;
}

/**
 * One page of a tenant's operations, newest first, from the operation index: ended operations as their entry says
 * (an ended operation never changes again), running ones read by `_id` (their entry may lag behind), each kept if it
 * `matches`. Operations no longer stored or past retention are skipped. At most `maxExamined` entries are examined, so
 * a selective filter over a long history answers in bounded time: a short (even empty) page with `next`, like the
 * continuation tokens of Azure's and Webex's lists.
 */
export async function listOperations(
  db: Database,
  tenantId: string,
  options: ListOperationsOptions,
): Promise<OperationListPage> {
  const { limit, maxExamined } = options;
  const walk = await walkOperationIndex(db, tenantId, options.from, { readAhead: options.readAhead });
  const found: { doc: BulkOperationDoc; position: IndexPosition }[] = [];
  const seen = new Set<string>();
  let examined = 0;
  let last: IndexPosition | undefined;
  // One more than the page, to know whether a next page exists.
  while (found.length <= limit && examined < maxExamined) {
    // As many as the page still needs: a step reads another chunk only when the page goes on into it.
    const entries = await walk.take(Math.min(maxExamined - examined, limit + 1 - found.length));
    if (entries.length === 0) break;
    const docs = await mapBounded(entries, options.concurrency, async ({ summary }) => {
      if (!summary) return undefined;
      if (!isActive(summary.status)) return docOf(tenantId, summary);
      const stored = await db.bulkOperations.findById(summary.id).lean<BulkOperationDoc>();
      return stored && stored.tenantId === tenantId ? stored : undefined;
    });
    for (const [index, entry] of entries.entries()) {
      examined += 1;
      last = entry.position;
      const doc = docs[index];
      if (!doc || seen.has(doc._id) || (doc.endedAt && doc.endedAt < options.endedAfter) || !options.matches(doc)) {
        continue;
      }
      seen.add(doc._id);
      found.push({ doc, position: entry.position });
      if (found.length > limit) break;
    }
  }
  const lastInPage = found[limit - 1];
  if (found.length > limit && lastInPage) {
    return { docs: found.slice(0, limit).map(({ doc }) => doc), next: lastInPage.position };
  }
  return { docs: found.map(({ doc }) => doc), ...(last && !walk.exhausted ? { next: last } : {}) };
}
