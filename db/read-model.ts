import type { Model, RootFilterQuery, UpdateQuery } from 'mongoose';

/**
 * Read models are projections of workflow state that activities write (FerretDB has no transactions). Each write
 * carries a version that grows with every write of the same document, so a retried or late write of an older
 * state never overwrites a newer one.
 *
 * The guard is read-then-write: the stored version (and the `where` fields) are read by `_id` and compared here, then
 * the document is written with a filter on `_id` alone. It used to be one conditional upsert (`{_id, version: {$lt}}`),
 * but FerretDB executes any filter other than a bare `_id` by reading and decoding the whole collection, which made
 * every state save cost ~0.1 ms per stored operation. Reading first is safe here because a document has one writer of
 * newer states at a time: one workflow per tenant writes its operation's states in sequence (Temporal runs the next
 * save only after the previous one returned), and the API's only write is an insert that never overwrites. The one
 * concurrent pair, that insert racing the workflow's first save, is settled by the `_id` unique index: an insert that
 * meets an existing document fails with a duplicate key, and the write is re-read and compared again. Versions still
 * order the writes: a retried older save that arrives after a newer one reads the newer version and is dropped.
 */
export interface VersionedWrite {
  _id: string;
  version: number;
  /** Fields written on every accepted write. */
  set: Record<string, unknown>;
  /** Fields removed on every accepted write (state that no longer holds). */
  unset?: readonly string[];
  /** Fields written only when the document is created. */
  setOnInsert?: Record<string, unknown>;
  /** Extra equality conditions (the tenant), so a write can never land in another tenant's document. */
  where?: Record<string, string | number | boolean>;
}

/** MongoDB's E11000: an insert or upsert met an existing `_id` (or unique key). */
export const isDuplicateKey = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 11000;

/** Reads before giving up: each miss means the document was inserted or deleted between our read and our write. */
const ATTEMPTS = 3;

/** Returns true when the write was applied, false when a newer version (or another tenant's document) is stored. */
export async function upsertVersioned<T>(model: Model<T>, write: VersionedWrite): Promise<boolean> {
  const where = write.where ?? {};
  const projection = Object.fromEntries(['version', ...Object.keys(where)].map((field) => [field, 1]));
  const byId = { _id: write._id } as RootFilterQuery<T>;
  const unset = Object.fromEntries((write.unset ?? []).map((field) => [field, '']));
  const update = {
    $set: { ...write.set, version: write.version },
    ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}),
  } as UpdateQuery<T>;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    const stored = await model.findById(write._id, projection).lean<Record<string, unknown>>();
    if (!stored) {
      try {
        // An insert, not an upsert: it fails instead of overwriting a document written meanwhile.
        await model.create({ ...write.setOnInsert, ...write.set, ...where, _id: write._id, version: write.version });
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        continue; // inserted concurrently (the API's record, or a newer state): compare with it
      }
    }
    if (Object.entries(where).some(([field, value]) => stored[field] !== value)) return false;
    if (typeof stored.version !== 'number' || stored.version >= write.version) return false;
    const result = await model.updateOne(byId, update);
    if (result.matchedCount > 0) return true;
    // Deleted between the read and the write (retention): start over, as the conditional upsert would have inserted.
  }
  throw new Error(`versioned write of ${write._id} kept racing with inserts and deletes; giving up`);
}
