import type { Model, RootFilterQuery, UpdateQuery } from 'mongoose';

/**
 * Read models are projections of workflow state that activities write (FerretDB has no transactions). Each write
 * carries a version that grows with every write of the same document, so a retried or late write of an older
 * state never overwrites a newer one: the filter only matches an older version. When it misses, the upsert
 * collides on `_id` with the stored document; the write is then retried as a plain update, which applies only if
 * the stored version is older (it was inserted concurrently) and is otherwise dropped (a newer state is stored).
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
  where?: Record<string, unknown>;
}

/** MongoDB's E11000: an insert or upsert met an existing `_id` (or unique key). */
export const isDuplicateKey = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 11000;

/** Returns true when the write was applied, false when a newer version was already stored. */
export async function upsertVersioned<T>(model: Model<T>, write: VersionedWrite): Promise<boolean> {
  const unset = Object.fromEntries((write.unset ?? []).map((field) => [field, '']));
  const filter = { _id: write._id, ...write.where, version: { $lt: write.version } } as RootFilterQuery<T>;
  const update = {
    $set: { ...write.set, version: write.version },
    ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}),
    ...(write.setOnInsert ? { $setOnInsert: write.setOnInsert } : {}),
  } as UpdateQuery<T>;
  try {
    await model.updateOne(filter, update, { upsert: true });
    return true;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  // The upsert found no older version and collided on insert: the document exists now, written concurrently by
  // another writer (the API's insert-only record, or a newer state). Apply the write only if what is stored is older.
  const { $setOnInsert: _created, ...updateExisting } = update as Record<string, unknown>;
  const result = await model.updateOne(filter, updateExisting as UpdateQuery<T>);
  return result.matchedCount > 0;
}
