/**
 * The store of router resources (distribution, classification and exception policies, queues; later workers and
 * jobs), one generic store for every kind. Every read is by `_id` (the embedded FerretDB only uses an index for
 * `_id` equality, docs/architecture.md "The embedded store"):
 *
 * - collection `routing_resources`, `_id = {tenantId}:{kind}:{id}`: the stored resource as JSON text, its ETag,
 *   Last-Modified time and a version counter;
 * - collection `routing_catalogs`, `_id = {tenantId}:{kind}`: the ids of the tenant's resources of that kind in
 *   creation order, for lists (read the catalog, then the page's resources by `_id` in parallel).
 *
 * FerretDB 1.x has no atomic read-modify-write, so writes of one resource (and appends to one catalog) are
 * serialized inside the process by a mutex keyed by the document id. This is exact for a single API process; with
 * several API replicas on one database the last writer wins (docs/routing.md "Administration resources").
 */
import { type Connection, Schema } from 'mongoose';
import { z } from 'zod';
import type { RouterResourceKind } from '../../domain/routing/models';

const resourceDocSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    kind: { type: String, required: true },
    id: { type: String, required: true },
    /** The stored resource, JSON text (kept verbatim: no schema conversion of nested unions). */
    body: { type: String, required: true },
    etag: { type: String, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { versionKey: false },
);

const catalogDocSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    kind: { type: String, required: true },
    ids: { type: [String], default: [] },
  },
  { versionKey: false },
);

export const routingResourceModel = (connection: Connection) =>
  connection.model('RoutingResources', resourceDocSchema, 'routing_resources');
export const routingCatalogModel = (connection: Connection) =>
  connection.model('RoutingCatalogs', catalogDocSchema, 'routing_catalogs');

/** A stored resource with its metadata; `resource` is the parsed JSON (validated by the caller's model schema). */
export interface StoredResource {
  id: string;
  resource: unknown;
  etag: string;
  updatedAt: Date;
  version: number;
}

const storedDocSchema = z.object({
  id: z.string(),
  body: z.string(),
  etag: z.string(),
  updatedAt: z.date(),
  version: z.number(),
});

const catalogSchema = z.object({ ids: z.array(z.string()) });

/** Serializes async work per key inside this process (FIFO per key). */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** One process-wide mutex: every store instance of this process shares it (tests may open several). */
const mutex = new KeyedMutex();

export const resourceDocId = (tenantId: string, kind: RouterResourceKind, id: string): string =>
  `${tenantId}:${kind}:${id}`;
export const catalogDocId = (tenantId: string, kind: RouterResourceKind): string => `${tenantId}:${kind}`;

export interface ResourcePage {
  items: StoredResource[];
  /** Where the next page starts, absent on the last page. */
  next?: PageCursor;
}

/**
 * A position in a catalog: after the last of `after` (the last ids of the previous page, oldest first) that still
 * exists; when all of them were deleted meanwhile, at `index` less the deleted ones (a page may then repeat an id).
 */
export interface PageCursor {
  after: string[];
  index: number;
}

/** How many ids of a page a cursor remembers. */
const CURSOR_IDS = 5;

export interface RoutingResourceStore {
  get(tenantId: string, kind: RouterResourceKind, id: string): Promise<StoredResource | undefined>;
  /**
   * Read-modify-write of one resource under its mutex: `decide` sees the current state and returns the new
   * resource (with its ETag) or nothing to leave it unchanged. A new resource is appended to the catalog first, so
   * a crash in between leaves a catalog entry without a resource (lists skip it), never an unlisted resource.
   */
  update<R>(
    tenantId: string,
    kind: RouterResourceKind,
    id: string,
    decide: (current: StoredResource | undefined) => Promise<R> | R,
    write: (decision: R) => { resource: object; etag: string } | undefined,
  ): Promise<{ decision: R; stored: StoredResource | undefined }>;
  /**
   * Deletes under the resource's mutex after `check` (which may throw to refuse); false when it did not exist.
   */
  remove(
    tenantId: string,
    kind: RouterResourceKind,
    id: string,
    check?: (current: StoredResource) => Promise<void>,
  ): Promise<boolean>;
  /** A page of the tenant's resources of a kind, in creation order. */
  list(tenantId: string, kind: RouterResourceKind, pageSize: number, from?: PageCursor): Promise<ResourcePage>;
  /** Every resource of a kind (for reference checks on delete; by `_id`, in parallel batches). */
  all(tenantId: string, kind: RouterResourceKind): Promise<StoredResource[]>;
  /**
   * Writes the read model of a resource that a workflow owns (jobs, workers): one writer per resource, so no mutex
   * and no catalog (their lists come from db/routing/summary-index.ts). A version older than the stored one is
   * skipped, so a retried write never undoes a newer one.
   */
  putView(tenantId: string, kind: RouterResourceKind, id: string, view: ResourceViewDoc): Promise<void>;
  /** Removes a workflow-owned read model. */
  removeView(tenantId: string, kind: RouterResourceKind, id: string): Promise<void>;
}

/** A workflow-owned resource's read model: its wire form (with `etag`), Last-Modified and version. */
export interface ResourceViewDoc {
  resource: object;
  etag: string;
  /** ms */
  updatedAt: number;
  version: number;
}

const READ_BATCH = 50;

export function routingResourceStore(connection: Connection): RoutingResourceStore {
  const resources = routingResourceModel(connection);
  const catalogs = routingCatalogModel(connection);

  const read = async (docId: string): Promise<StoredResource | undefined> => {
    const doc: unknown = await resources.findById(docId).lean();
    if (doc === null || doc === undefined) return undefined;
    const parsed = storedDocSchema.parse(doc);
    return {
      id: parsed.id,
      resource: JSON.parse(parsed.body) as unknown,
      etag: parsed.etag,
      updatedAt: parsed.updatedAt,
      version: parsed.version,
    };
  };

  const catalogIds = async (tenantId: string, kind: RouterResourceKind): Promise<string[]> => {
    const doc: unknown = await catalogs.findById(catalogDocId(tenantId, kind)).lean();
    return doc === null || doc === undefined ? [] : catalogSchema.parse(doc).ids;
  };

  const editCatalog = (tenantId: string, kind: RouterResourceKind, edit: (ids: string[]) => string[]) => {
    const docId = catalogDocId(tenantId, kind);
    return mutex.run(docId, async () => {
      const before = await catalogIds(tenantId, kind);
      const after = edit(before);
      if (after.length === before.length && after.every((id, i) => id === before[i])) return;
      await catalogs.replaceOne({ _id: docId }, { _id: docId, tenantId, kind, ids: after }, { upsert: true });
    });
  };

  const readMany = async (tenantId: string, kind: RouterResourceKind, ids: readonly string[]) => {
    const out: StoredResource[] = [];
    for (let i = 0; i < ids.length; i += READ_BATCH) {
      const batch = await Promise.all(
        ids.slice(i, i + READ_BATCH).map((id) => read(resourceDocId(tenantId, kind, id))),
      );
      for (const item of batch) if (item) out.push(item);
    }
    return out;
  };

  return {
    get: (tenantId, kind, id) => read(resourceDocId(tenantId, kind, id)),

    update: (tenantId, kind, id, decide, write) => {
      const docId = resourceDocId(tenantId, kind, id);
      return mutex.run(docId, async () => {
        const current = await read(docId);
        const decision = await decide(current);
        const next = write(decision);
        if (!next) return { decision, stored: current };
        if (!current) await editCatalog(tenantId, kind, (ids) => (ids.includes(id) ? ids : [...ids, id]));
        const stored: StoredResource = {
          id,
          resource: next.resource,
          etag: next.etag,
          updatedAt: new Date(),
          version: (current?.version ?? 0) + 1,
        };
        await resources.replaceOne(
          { _id: docId },
          {
            _id: docId,
            tenantId,
            kind,
            id,
            body: JSON.stringify(next.resource),
            etag: stored.etag,
            updatedAt: stored.updatedAt,
            version: stored.version,
          },
          { upsert: true },
        );
        return { decision, stored };
      });
    },

    remove: (tenantId, kind, id, check) => {
      const docId = resourceDocId(tenantId, kind, id);
      return mutex.run(docId, async () => {
        const current = await read(docId);
        if (!current) {
          // A catalog entry left by an interrupted create: drop it too.
          await editCatalog(tenantId, kind, (ids) => ids.filter((other) => other !== id));
          return false;
        }
        if (check) await check(current);
        await resources.deleteOne({ _id: docId });
        await editCatalog(tenantId, kind, (ids) => ids.filter((other) => other !== id));
        return true;
      });
    },

    list: async (tenantId, kind, pageSize, from) => {
      const ids = await catalogIds(tenantId, kind);
      let start = 0;
      if (from) {
        const at = Math.max(...from.after.map((id) => ids.indexOf(id)));
        start = at >= 0 ? at + 1 : Math.min(Math.max(0, from.index - from.after.length), ids.length);
      }
      // Entries without a resource (interrupted creates) are skipped: read ahead until the page is full.
      const items: StoredResource[] = [];
      let position = start;
      while (items.length < pageSize && position < ids.length) {
        const chunk = ids.slice(position, position + (pageSize - items.length));
        position += chunk.length;
        items.push(...(await readMany(tenantId, kind, chunk)));
      }
      const after = items.slice(-CURSOR_IDS).map((item) => item.id);
      return position < ids.length && after.length > 0 ? { items, next: { after, index: position } } : { items };
    },

    all: async (tenantId, kind) => readMany(tenantId, kind, await catalogIds(tenantId, kind)),

    putView: async (tenantId, kind, id, view) => {
      const docId = resourceDocId(tenantId, kind, id);
      const current: unknown = await resources.findById(docId, { version: 1 }).lean();
      const stored = z.object({ version: z.number() }).safeParse(current);
      // An equal version is written again: a workflow task that failed after its write is replayed without it, and
      // the version it had written then carries different content; the workflow's current state is the truth.
      if (stored.success && stored.data.version > view.version) return;
      await resources.replaceOne(
        { _id: docId },
        {
          _id: docId,
          tenantId,
          kind,
          id,
          body: JSON.stringify(view.resource),
          etag: view.etag,
          updatedAt: new Date(view.updatedAt),
          version: view.version,
        },
        { upsert: true },
      );
    },

    removeView: async (tenantId, kind, id) => {
      await resources.deleteOne({ _id: resourceDocId(tenantId, kind, id) });
    },
  };
}
