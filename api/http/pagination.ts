import { z } from 'zod';
import { ServiceError } from '../../domain/errors';

/**
 * Cursor pagination shared by every list: the cursor is the sort key of the last item of the page, opaque to
 * clients (base64url JSON), so it is URL-safe and carries what the next query needs.
 */
export function encodeCursor(position: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Decodes a cursor made by `encodeCursor`; anything else is a 400 naming the `cursor` parameter. */
export function decodeCursor<T>(cursor: string, shape: z.ZodType<T>): T {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const parsed = shape.safeParse(decoded);
  if (parsed.success) return parsed.data;
  throw new ServiceError('validationFailed', 'cursor is not a cursor returned by this endpoint', {
    errors: [{ in: 'query', field: 'cursor', message: 'invalid cursor' }],
  });
}

/** `limit` and `cursor` query parameters. */
export const pageQuerySchema = (defaultLimit: number, maxLimit: number) =>
  z.object({
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
    cursor: z.string().optional().describe('nextCursor of the previous page'),
  });

/** Cuts a `limit + 1` read into a page: the extra item only says whether there is a next page. */
export function toPage<T, V>(
  docs: readonly T[],
  limit: number,
  view: (doc: T) => V,
  positionOf: (doc: T) => readonly (string | number)[],
): { items: V[]; nextCursor?: string } {
  const page = docs.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(view),
    ...(docs.length > limit && last ? { nextCursor: encodeCursor(positionOf(last)) } : {}),
  };
}
