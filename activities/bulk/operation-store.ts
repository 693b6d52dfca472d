import type { Database } from '../../db/connection';
import type { OperationState } from '../../domain/bulk/status';

export interface SaveOperationInput {
  tenantId: string;
  operationId: string;
  /** Monotonic per operation (the workflow counts its writes); an older write never overwrites a newer one. */
  version: number;
  state: OperationState;
  /** Fields known at creation; written on insert only. */
  created: {
    kind: string;
    objectType: string;
    fileName: string;
    dryRun: boolean;
    submittedBy: string;
    createdAt: string;
    uploadKey?: string;
    retryOf?: string;
  };
}

const isDuplicateKey = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 11000;

/** Versioned upsert of the operation read model (FerretDB has no transactions; the version orders writes). */
export async function saveOperationState(db: Database, input: SaveOperationInput): Promise<void> {
  const { state } = input;
  const set: Record<string, unknown> = {
    status: state.status,
    counts: state.counts,
    processed: state.processed,
    version: input.version,
  };
  const unset: Record<string, ''> = {};
  for (const field of ['failureReason', 'errorsKey', 'resultKey', 'resultContentType'] as const) {
    if (state[field] !== undefined) set[field] = state[field];
    else unset[field] = '';
  }
  if (state.startedAt) set.startedAt = new Date(state.startedAt);
  if (state.endedAt) set.endedAt = new Date(state.endedAt);
  const { createdAt, ...created } = input.created;
  try {
    await db.bulkOperations.updateOne(
      { _id: input.operationId, tenantId: input.tenantId, version: { $lt: input.version } },
      {
        $set: set,
        ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}),
        $setOnInsert: { ...created, createdAt: new Date(createdAt) },
      },
      { upsert: true },
    );
  } catch (error) {
    // The filter missed because a newer version is stored; the upsert then collides on _id: nothing to do.
    if (!isDuplicateKey(error)) throw error;
  }
}
