/**
 * What the job and worker routes share: conditional headers, reference checks, GET of a workflow-written read model
 * and lists served from the router's summary index (db/routing/summary-index.ts).
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { mapBounded } from '../../db/bounded';
import type { Database } from '../../db/connection';
import type { SummaryKind } from '../../db/routing/summary-index';
import { ServiceError } from '../../domain/errors';
import type { Conditions } from '../../domain/routing/conditional';
import type { RouterResourceKind } from '../../domain/routing/models';
import {
  decodeToken,
  DEFAULT_PAGE_SIZE,
  encodeToken,
  MAX_PAGE_SIZE,
  ROUTER_API_VERSION,
  sendJson,
  sendView,
} from './responses';

/** `If-Match` / `If-Unmodified-Since` of a PATCH, for the workflow update that checks them atomically. */
export function conditionsOf(req: Request): Conditions {
  const ifMatch = req.header('if-match');
  const ifUnmodifiedSince = req.header('if-unmodified-since');
  return {
    ...(ifMatch === undefined ? {} : { ifMatch }),
    ...(ifUnmodifiedSince === undefined ? {} : { ifUnmodifiedSince }),
  };
}

export interface Reference {
  field: string;
  kind: RouterResourceKind;
  id: string;
}

/** Every reference must exist: otherwise a 400 naming each field (`queueId`, `queues.2`) and the missing id. */
export async function requireReferences(db: Database, tenantId: string, resource: string, refs: Reference[]) {
  const found = await Promise.all(refs.map((ref) => db.routing.get(tenantId, ref.kind, ref.id)));
  const errors = refs
    .filter((_ref, i) => found[i] === undefined)
    .map((ref) => ({ field: ref.field, message: `refers to ${ref.id}, which does not exist` }));
  if (errors.length > 0) {
    const summary = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    throw new ServiceError('validationFailed', `Invalid ${resource}: ${summary}`, { errors });
  }
}

/** GET of a job or worker: its read model as the workflow wrote it, with ETag and Last-Modified. */
export async function sendStored(
  db: Database,
  res: Response,
  tenantId: string,
  kind: SummaryKind,
  id: string,
  label: string,
): Promise<void> {
  const stored = await db.routing.get(tenantId, kind, id);
  if (!stored) throw new ServiceError('notFound', `${label} ${id} not found.`);
  sendView(res, { resource: stored.resource as object, etag: stored.etag, updatedAt: stored.updatedAt.getTime() });
}

const cursorSchema = z.object({ page: z.number().int(), index: z.number().int(), lastId: z.string().optional() });
/** Index entries one list request examines at most: a short (even empty) page with a nextLink beyond that. */
const MAX_EXAMINED = 2048;

export interface IndexedList<F> {
  kind: SummaryKind;
  /** The filters as the continuation token carries them (the official client re-sends only nextLink's query). */
  filters: z.ZodType<F>;
  /** An index entry that may match (the read model then decides). */
  matchesSummary(filters: F, summary: Record<string, unknown>): boolean;
  /** The read model matches too: it is at least as fresh as the index, so an item that moved on since is left out. */
  matchesResource(filters: F, resource: Record<string, unknown>): boolean;
}

/** A list page from the summary index: `{value, nextLink}`, with the filters and page size in the token. */
export async function sendIndexedList<F>(
  db: Database,
  res: Response,
  tenantId: string,
  list: IndexedList<F>,
  request: { filters: F; maxpagesize?: number | undefined; continuationToken?: string | undefined },
): Promise<void> {
  const tokenSchema = z.object({ size: z.number().int().min(1), from: cursorSchema, filters: list.filters });
  const token =
    request.continuationToken === undefined ? undefined : decodeToken(tokenSchema, request.continuationToken);
  const filters = token ? token.filters : request.filters;
  const size = Math.min(request.maxpagesize ?? token?.size ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const scan = await db.routingIndex.scan(tenantId, list.kind, {
    ...(token ? { from: token.from } : {}),
    limit: size,
    maxExamined: MAX_EXAMINED,
    match: (summary) => list.matchesSummary(filters, summary),
  });
  const docs = await mapBounded(scan.entries, 8, (entry) => db.routing.get(tenantId, list.kind, entry.id));
  const value = docs.flatMap((doc) => {
    const resource = doc?.resource as Record<string, unknown> | undefined;
    return resource && list.matchesResource(filters, resource) ? [resource] : [];
  });
  const nextLink = scan.next
    ? `/routing/${list.kind}?api-version=${ROUTER_API_VERSION}&continuationToken=${encodeToken({ size, from: scan.next, filters })}`
    : undefined;
  sendJson(res, nextLink ? { value, nextLink } : { value });
}
