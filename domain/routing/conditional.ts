import type { RouterFailure } from './job-lifecycle';
import { ifMatchSatisfied } from './wire';

/** The conditional headers of an upsert (spec §6.2: only PATCH accepts them). */
export interface Conditions {
  ifMatch?: string;
  ifUnmodifiedSince?: string;
}

/**
 * Why an upsert's `If-Match` / `If-Unmodified-Since` fails against the current resource (412), or undefined.
 * `If-Match` on a resource that does not exist fails (`*` included); HTTP dates have whole seconds, so the
 * modification time is compared at that resolution.
 */
export function preconditionFailure(
  current: { etag: string; updatedAt: number } | undefined,
  conditions: Conditions,
  name: string,
): RouterFailure | undefined {
  const { ifMatch, ifUnmodifiedSince } = conditions;
  if (ifMatch !== undefined && (!current || !ifMatchSatisfied(ifMatch, current.etag))) {
    return {
      code: 'preconditionFailed',
      message: current
        ? `${name} has changed: its ETag ${current.etag} does not match If-Match ${ifMatch}.`
        : `${name} does not exist, so If-Match cannot match.`,
    };
  }
  // RFC 9110 §13.2.2: If-Unmodified-Since is ignored when If-Match is present.
  if (ifUnmodifiedSince !== undefined && ifMatch === undefined && current) {
    const since = Date.parse(ifUnmodifiedSince);
    if (!Number.isNaN(since) && Math.floor(current.updatedAt / 1000) * 1000 > since) {
      return { code: 'preconditionFailed', message: `${name} was modified after If-Unmodified-Since.` };
    }
  }
  return undefined;
}
