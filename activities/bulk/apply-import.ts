import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/connection';
import { nonRetryableFailure } from '../failures';
import {
  applyConfigWrite,
  type ConfigSnapshot,
  type ConfigWrite,
  ConfigWriteConflict,
  planConfigWrite,
  readConfigSnapshot,
} from '../../db/bulk/config-objects';
import type { StoredObject } from '../../db/bulk/config-chunks';
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

/** The writes one batch makes, decided once and kept, so that every retry writes exactly the same thing. */
interface BatchPlan {
  result: ApplyBatchResult;
  /** One per type; side objects' types first, so an object never points at a side object not written yet. */
  writes: ConfigWrite[];
}

/** Side objects of a batch that do not exist yet, by type, first occurrence of each key winning. */
async function planSideObjects(
  db: Database,
  heartbeat: Heartbeat,
  input: ApplyBatchInput,
  rows: StagedRow[],
  now: string,
): Promise<Map<ObjectTypeId, { snapshot: ConfigSnapshot; changes: StoredObject[] }>> {
  const byType = new Map<ObjectTypeId, Map<string, ConfigData>>();
  for (const side of rows.flatMap((row) => row.alsoCreate ?? [])) {
    const wanted = byType.get(side.type) ?? new Map<string, ConfigData>();
    if (!wanted.has(side.key)) wanted.set(side.key, side.data);
    byType.set(side.type, wanted);
  }
  const planned = new Map<ObjectTypeId, { snapshot: ConfigSnapshot; changes: StoredObject[] }>();
  for (const [type, wanted] of byType) {
    heartbeat.check();
    const snapshot = await readConfigSnapshot(db.config, input.tenantId, type, wanted.keys());
    const changes = [...wanted]
      .filter(([key]) => !snapshot.objects.has(key))
      .map(([key, data]) => ({
        key,
        data,
        version: 1,
        lastOperationId: input.operationId,
        createdAt: now,
        updatedAt: now,
      }));
    planned.set(type, { snapshot, changes });
  }
  return planned;
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
  heartbeat.check();
  const snapshot = await readConfigSnapshot(
    deps.db.config,
    input.tenantId,
    dialect.objectType,
    rows.map((row) => row.key),
  );
  const now = new Date().toISOString();
  const result: ApplyBatchResult = { rows: rows.length, created: 0, updated: 0, unchanged: 0 };
  const changes: StoredObject[] = [];
  for (const row of rows) {
    const existing = snapshot.objects.get(row.key);
    const previous = existing?.data as ConfigData | undefined;
    const data = dialect.merge(previous, row.data);
    if (existing && sameData(previous, data)) {
      result.unchanged += 1;
      continue;
    }
    if (existing) result.updated += 1;
    else result.created += 1;
    changes.push({
      key: row.key,
      data,
      version: (existing?.version ?? 0) + 1,
      lastOperationId: input.operationId,
      createdAt: existing ? existing.createdAt : now,
      updatedAt: now,
    });
  }
  const side = await planSideObjects(deps.db, heartbeat, input, rows, now);
  // Unique per plan: a plan dropped after a conflict and made again never reuses a chunk id.
  const tag = `${input.operationId}.${input.batch}.${randomUUID().slice(0, 8)}`;
  const writes: ConfigWrite[] = [];
  let alsoCreated = 0;
  for (const [type, planned] of side) {
    // A side object of the batch's own type is written with the batch's objects, unless a row sets the same key.
    if (type === dialect.objectType) {
      const own = new Set(changes.map((change) => change.key));
      const extra = planned.changes.filter((change) => !own.has(change.key) && !snapshot.objects.has(change.key));
      changes.push(...extra);
      alsoCreated += extra.length;
      continue;
    }
    if (planned.changes.length === 0) continue;
    writes.push(planConfigWrite(planned.snapshot, planned.changes, `${tag}.${type}`));
    alsoCreated += planned.changes.length;
  }
  if (changes.length > 0) writes.push(planConfigWrite(snapshot, changes, tag));
  if (alsoCreated > 0) result.alsoCreated = alsoCreated;
  return { result, writes };
}

/**
 * Writes one staged batch of an import. The plan (merged objects with their next version, laid out in the chunks
 * they will be stored in, see db/bulk/config-chunks.ts) is computed from the stored objects once and saved next to
 * the batch; applying it is a few writes by `_id` per type, the last of which (the type's head) commits. A retry
 * after a crash reuses the saved plan, so each row is written exactly once with one version increment, and importing
 * the same file twice writes nothing (unchanged rows are not in the plan). If the stored objects changed since the
 * plan (another writer, which the one-operation-per-tenant rule should exclude), the plan is dropped and the retry
 * plans again. Side objects a row creates when absent (e.g. an agent's default place) are planned with the batch.
 * Heartbeats on a timer (activities/heartbeat.ts); once cancelled, nothing more is planned or written.
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
  if (await deps.blobs.exists(planKey)) {
    plan = JSON.parse(await readBlobText(deps.blobs, planKey)) as BatchPlan;
  } else {
    plan = await planBatch(deps, heartbeat, input);
    await deps.blobs.putBuffer(planKey, JSON.stringify(plan));
  }
  heartbeat.progress({ batch: input.batch, step: 'write', writes: plan.writes.length });
  for (const write of plan.writes) {
    try {
      await applyConfigWrite(deps.db.config, write, () => heartbeat.check());
    } catch (error) {
      if (!(error instanceof ConfigWriteConflict)) throw error;
      await deps.blobs.delete(planKey);
      throw error;
    }
  }
  return plan.result;
}
