/** How the router API answers: plain JSON, resources with ETag and Last-Modified, opaque continuation tokens. */
import type { Response } from 'express';
import type { z } from 'zod';
import { ServiceError } from '../../domain/errors';
import { httpDate } from '../../domain/routing/wire';

export const ROUTER_API_VERSION = '2023-11-01';
export const DEFAULT_PAGE_SIZE = 20;
/** A larger `maxpagesize` is served in pages of this size (a client follows `nextLink` either way). */
export const MAX_PAGE_SIZE = 1000;

/**
 * JSON without Express's `res.send` extras: no generated weak ETag on lists (spec §6.2: lists carry none) and no
 * 304 for an `If-None-Match` GET (the API has no conditional GET).
 */
export function sendJson(res: Response, body: unknown, status = 200): void {
  res.status(status).type('application/json; charset=utf-8').end(JSON.stringify(body));
}

/** A resource with its `ETag` and `Last-Modified` headers (GET and PATCH, spec §6.2). */
export function sendView(res: Response, view: { resource: object; etag: string; updatedAt: number }, status = 200) {
  res.setHeader('ETag', view.etag).setHeader('Last-Modified', httpDate(view.updatedAt));
  sendJson(res, view.resource, status);
}

/**
 * The opaque continuation token: base64url JSON of whatever the list needs to resume — its position, page size and
 * filters, because the official client re-sends only `nextLink`'s own query plus `api-version`.
 */
export const encodeToken = (state: object): string => Buffer.from(JSON.stringify(state)).toString('base64url');

export function decodeToken<T>(schema: z.ZodType<T>, token: string): T {
  try {
    return schema.parse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
  } catch {
    throw new ServiceError('validationFailed', 'The continuationToken is not one this server issued.', {
      errors: [{ field: 'continuationToken', message: 'is not a valid continuation token' }],
    });
  }
}
