import type { Database } from '../../db/connection';
import { nonRetryableFailure } from '../failures';
import { configObjectId, type ConfigObjectDoc } from '../../db/bulk/config-objects';
import type { ObjectTypeId } from '../../domain/bulk/catalog';
import { type ImportDialect, sameData } from '../../domain/bulk/dialect';
import { dialectFor } from '../../domain/bulk/dialects';
import type { ConfigData } from '../../domain/bulk/rows';
import { bulkBlobKeys } from '../../domain/bulk/blob-keys';
import { type BlobStore, readBlobText } from '../../storage/blob-store';
import type { StagedRow } from './stage-import';
import { type Heartbeat, withHeartbeat } from '../heartbeat';

export interface ApplyBatchInput {
  tenantId: string;
  operationId: string;
  objectType: string;
  batch: number;
}

export interface ApplyBatchResult {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Side objects (DialectRow.alsoCreate) created because they were absent. */
  alsoCreated?: number;
}

type PlannedDoc = Omit<ConfigObjectDoc, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };

/** The documents one batch writes, decided once and kept, so that every retry writes exactly the same thing. */
interface BatchPlan {
  result: ApplyBatchResult;
  documents: PlannedDoc[];
  /** Absent side objects to create, grouped by type (one deleteMany + insertMany per type). */
  sideDocuments?: { type: ObjectTypeId; documents: PlannedDoc[] }[];
}

/** Side objects of a batch that do not exist yet, first occurrence of each key winning; one find per type. */
async function planSideObjects(
  db: Database,
  heartbeat: Heartbeat,
  input: ApplyBatchInput,
  rows: StagedRow[],
  now: string,
): Promise<{ type: ObjectTypeId; documents: PlannedDoc[] }[]> {
  const byType = new Map<ObjectTypeId, Map<string, ConfigData>>();
  for (const side of rows.flatMap((row) => row.alsoCreate ?? [])) {
    const wanted = byType.get(side.type) ?? new Map<string, ConfigData>();
    if (!wanted.has(side.key)) wanted.set(side.key, side.data);
    byType.set(side.type, wanted);
  }
  const groups: { type: ObjectTypeId; documents: PlannedDoc[] }[] = [];
  for (const [type, wanted] of byType) {
    const ids = [...wanted.keys()].map((key) => configObjectId(input.tenantId, key));
    heartbeat.check();
    const found = await db
      .configObjects(type)
      .find({ _id: { $in: ids } }, { _id: 1 })
      .lean<{ _id: string }[]>();
    const present = new Set(found.map((doc) => doc._id));
    const documents = [...wanted]
      .filter(([key]) => !present.has(configObjectId(input.tenantId, key)))
      .map(([key, data]) => ({
        _id: configObjectId(input.tenantId, key),
        tenantId: input.tenantId,
        key,
        data,
        version: 1,
        lastOperationId: input.operationId,
        createdAt: now,
        updatedAt: now,
      }));
    if (documents.length > 0) groups.push({ type, documents });
  }
  return groups;
}

/** The workflow carries the object type as a plain string; an unknown one is bad input, never worth a retry. */
function importDialectOf(objectType: string): ImportDialect {
  const dialect = dialectFor(objectType);
  if (!dialect) throw nonRetryableFailure('validationFailed', `no import dialect for ${objectType}`);
  return dialect;
}

async function planBatch(
  deps: { db: Database; blobs: BlobStore },
  heartbeat: Heartbeat,
  input: ApplyBatchInput,
): Promise<BatchPlan> {
  const dialect = importDialectOf(input.objectType);
  const text = await readBlobText(deps.blobs, bulkBlobKeys.stagedBatch(input.tenantId, input.operationId, input.batch));
  const rows = text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as StagedRow);
  const ids = rows.map((row) => configObjectId(input.tenantId, row.key));
  heartbeat.check();
  const stored = await deps.db
    .configObjects(dialect.objectType)
    .find({ _id: { $in: ids } })
    .lean<ConfigObjectDoc[]>();
  const byId = new Map(stored.map((doc) => [doc._id, doc]));
  const now = new Date().toISOString();
  const plan: BatchPlan = { result: { rows: rows.length, created: 0, updated: 0, unchanged: 0 }, documents: [] };
  for (const row of rows) {
    const _id = configObjectId(input.tenantId, row.key);
    const existing = byId.get(_id);
    const previous = existing?.data as ConfigData | undefined;
    const data = dialect.merge(previous, row.data);
    if (existing && sameData(previous, data)) {
      plan.result.unchanged += 1;
      continue;
    }
    if (existing) plan.result.updated += 1;
    else plan.result.created += 1;
    plan.documents.push({
      _id,
      tenantId: input.tenantId,
      key: row.key,
      data,
      version: (existing?.version ?? 0) + 1,
      lastOperationId: input.operationId,
      createdAt: existing ? existing.createdAt.toISOString() : now,
      updatedAt: now,
    });
  }
  const sideDocuments = await planSideObjects(deps.db, heartbeat, input, rows, now);
  if (sideDocuments.length > 0) {
    plan.sideDocuments = sideDocuments;
    plan.result.alsoCreated = sideDocuments.reduce((sum, group) => sum + group.documents.length, 0);
  }
  return plan;
}

/**
 * `deleteMany(_id ∈ replaced)` + `insertMany(docs)`: at most two statements, idempotent for a fixed plan when
 * `replaced` is all of `docs`. The cancellation is checked before the pair, never between its statements: a retry
 * would redo the pair from the saved plan, but an attempt abandoned for good would leave the deleted objects missing.
 */
async function writeDocuments(
  db: Database,
  heartbeat: Heartbeat,
  type: ObjectTypeId,
  documents: PlannedDoc[],
  replaced: PlannedDoc[],
): Promise<void> {
  if (documents.length === 0) return;
  heartbeat.check();
  const model = db.configObjects(type);
  if (replaced.length > 0) await model.deleteMany({ _id: { $in: replaced.map((doc) => doc._id) } });
  await model.insertMany(
    documents.map((doc) => ({ ...doc, createdAt: new Date(doc.createdAt), updatedAt: new Date(doc.updatedAt) })),
    { ordered: false, lean: true },
  );
}

/**
 * Writes one staged batch of an import. The plan (merged documents with their next version) is computed from the
 * stored objects once and saved next to the batch; the write is then `deleteMany(_id ∈ batch)` + `insertMany`:
 * two statements per batch (one when the attempt planned a batch of new objects only, see below). A retry after a
 * crash reuses the saved plan, so each row is written exactly once with one version increment, and importing the
 * same file twice writes nothing (unchanged rows are not in the plan).
 * This shape exists because FerretDB's SQLite backend scans the collection for every filtered write: 1000 upserts
 * would mean 1000 scans. For the same reason the batch is not split into smaller statements: each would scan the
 * whole collection again, and its time depends on the collection, hardly on the list. Side objects a row creates when
 * absent (e.g. an agent's default place) are planned with the batch — one `find` by `_id` per type, only the absent
 * ones kept — and written the same way, per type. Heartbeats on a timer (activities/heartbeat.ts); once cancelled,
 * nothing more is planned or written.
 */
export async function applyImportBatch(
  deps: { db: Database; blobs: BlobStore },
  input: ApplyBatchInput,
): Promise<ApplyBatchResult> {
  return withHeartbeat((heartbeat) =>
    applyImportBatchAttempt({ db: deps.db, blobs: heartbeat.blobs(deps.blobs) }, heartbeat, input),
  );
}

async function applyImportBatchAttempt(
  deps: { db: Database; blobs: BlobStore },
  heartbeat: Heartbeat,
  input: ApplyBatchInput,
): Promise<ApplyBatchResult> {
  const planKey = `${bulkBlobKeys.stagedBatch(input.tenantId, input.operationId, input.batch)}.plan.json`;
  heartbeat.progress({ batch: input.batch, step: 'plan' });
  let plan: BatchPlan;
  /** Planned by this attempt: no earlier attempt can have written any of it. */
  let fresh = false;
  if (await deps.blobs.exists(planKey)) {
    plan = JSON.parse(await readBlobText(deps.blobs, planKey)) as BatchPlan;
  } else {
    plan = await planBatch(deps, heartbeat, input);
    await deps.blobs.putBuffer(planKey, JSON.stringify(plan));
    fresh = true;
  }
  // What must be deleted before the insert: everything, when an earlier attempt may have written part of the plan;
  // only the objects that existed at planning (version > 1), when this attempt planned it. On FerretDB's SQLite
  // backend a `deleteMany` by `_id ∈ list` reads the whole collection, so a batch of new objects saves that read. An
  // object created meanwhile by someone else fails the insert (duplicate key); the retry applies the saved plan in full.
  const replaced = (documents: PlannedDoc[]) => (fresh ? documents.filter((doc) => doc.version > 1) : documents);
  heartbeat.progress({ batch: input.batch, step: 'write', documents: plan.documents.length });
  // Side objects first: an object never points at a side object that is not written yet.
  for (const group of plan.sideDocuments ?? []) {
    await writeDocuments(deps.db, heartbeat, group.type, group.documents, replaced(group.documents));
  }
  const objectType = importDialectOf(input.objectType).objectType;
  await writeDocuments(deps.db, heartbeat, objectType, plan.documents, replaced(plan.documents));
  return plan.result;
}
