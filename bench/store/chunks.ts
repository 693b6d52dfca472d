/**
 * The product's layout in the store benchmark (bench/benchmarks/store.ts): configuration objects as key-ordered
 * chunks listed by one head per tenant and type (db/bulk/config-chunks.ts), read and written THROUGH the production
 * module db/bulk/config-objects.ts on the ConfigStore of a mongoose connection (db/connection.ts), so the figures
 * include what ccflow itself does around the statements (JSON and schema parsing, planning the copy-on-write).
 *
 * - one object (by `_id` and by tenant + key alike: objects have no `_id` of their own, a key is looked up in the
 *   head's chunk list): `readConfigObject` = head + one chunk by `_id`;
 * - page: `readConfigPage` = head + the one or two chunks the page spans;
 * - batch lookup: `readConfigSnapshot` = head + every chunk holding one of the keys (8 in flight);
 * - batch write: `writeConfigObjects` = `readConfigSnapshot` of the batch's keys + `planConfigWrite` +
 *   `applyConfigWrite` (head read, insertMany of the new chunks, head replaceOne, deleteOne per replaced chunk) — the
 *   import's existence read is part of it, where the driver layouts' write column has only the two write statements;
 * - count: `countConfigObjects` = the head.
 *
 * Reads that the API caches (single objects, pages) go through the module's chunk cache; the benchmark clears it
 * before each timed sample (`cache`), and measures a warm page separately.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { StoredObject } from '../../db/bulk/config-chunks';
import {
  applyConfigWrite,
  type ConfigStore,
  countConfigObjects,
  planConfigWrite,
  readConfigObject,
  readConfigPage,
  readConfigSnapshot,
  writeConfigObjects,
} from '../../db/bulk/config-objects';
import type { ObjectTypeId } from '../../domain/bulk/object-type-ids';
import { log } from '../report';
import { BATCH, type Layout, PAGE, type StoreDoc } from './layouts';

const TYPE: ObjectTypeId = 'sites';

/** A benchmark document as the importer stores it (key, data, version, operation, ISO timestamps). */
function storedObjectOf(doc: StoreDoc): StoredObject {
  return {
    key: doc.key,
    data: { ...doc.data },
    version: doc.version,
    lastOperationId: doc.lastOperationId,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

export function chunkLayout(store: ConfigStore): Layout {
  const readOne = async (tenant: string, key: string) => (await readConfigObject(store, tenant, TYPE, key)) ?? null;
  return {
    cache: store.cache,
    async seed(docs) {
      // The product's own write, BATCH objects at a time (the import's batches), tenant after tenant in key order.
      for (let start = 0; start < docs.length; start += BATCH) {
        const batch = docs.slice(start, start + BATCH);
        for (const tenant of new Set(batch.map((doc) => doc.tenantId))) {
          const objects = batch.filter((doc) => doc.tenantId === tenant).map(storedObjectOf);
          await writeConfigObjects(store, tenant, TYPE, objects, `seed-${start}`);
        }
      }
    },
    byId: readOne,
    byTenantKey: readOne,
    pageAfter: async (tenant, cursorKey) =>
      (await readConfigPage(store, tenant, TYPE, { afterKey: cursorKey, limit: PAGE })).objects,
    lookup: async (tenant, keys) => [...(await readConfigSnapshot(store, tenant, TYPE, keys)).objects.values()],
    async writeBatch(tenant, docs) {
      // writeConfigObjects, spelled out to log where the time goes.
      const objects = docs.map(storedObjectOf);
      const t0 = performance.now();
      const snapshot = await readConfigSnapshot(
        store,
        tenant,
        TYPE,
        objects.map((object) => object.key),
      );
      const t1 = performance.now();
      const write = planConfigWrite(snapshot, objects, `bench-${randomUUID().slice(0, 8)}`);
      const t2 = performance.now();
      await applyConfigWrite(store, write);
      const t3 = performance.now();
      log(
        `store: chunks write of ${objects.length}: snapshot ${(t1 - t0).toFixed(0)} ms (${snapshot.chunks.size} ` +
          `chunks), plan ${(t2 - t1).toFixed(0)} ms, apply ${(t3 - t2).toFixed(0)} ms (${write.rewrite.chunks.length} new chunks, ` +
          `${write.rewrite.removed.length} removed; head lists ${write.rewrite.head.chunks.length})`,
      );
    },
    count: (tenant) => countConfigObjects(store, tenant, TYPE),
  };
}
