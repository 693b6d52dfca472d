import { mergePatch } from '../merge-patch';
import { fieldProblems, validationError, type RouterValidationError } from './errors';
import {
  READ_ONLY_FIELDS,
  READ_ONLY_SELECTOR_FIELDS,
  ROUTER_SCHEMAS,
  type ExceptionPolicy,
  type RouterJob,
  type RouterResourceKind,
  type RouterResourceTypes,
} from './models';
import { canonicalJson, formatTimestamp, omitNulls } from './wire';

/**
 * Upsert = RFC 7396 merge patch onto the stored resource (spec §6.1), then validation of the result with the
 * model's schema. Pure and deterministic given its context (time and id generator are passed in), so the job
 * workflow can run it inside a workflow update and the API can run it for the administration resources.
 */

/** A merge-patch body for a model: every member optional, `null` removes or resets it, objects patch recursively. */
export type MergePatch<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: MergePatch<T[K]> | null }
    : T;

export interface UpsertContext {
  /** The id from the path: always wins over any `id` in the body. */
  id: string;
  /** The time of the request: default `notes[].addedAt`, requested selectors' `expiresAt`. */
  now: Date | number;
  /** Generates ids the service assigns (exception action ids): random in the API, `uuid4()` in a workflow. */
  newId: () => string;
}

export type UpsertOutcome<T> =
  | {
      ok: true;
      resource: T;
      /** No stored resource before: 201 instead of 200. */
      created: boolean;
      /** Anything differs from the stored resource; false keeps the ETag and Last-Modified (spec §6.1). */
      changed: boolean;
    }
  | { ok: false; error: RouterValidationError };

const RESOURCE_NAMES: { readonly [K in RouterResourceKind]: string } = {
  distributionPolicies: 'DistributionPolicy',
  queues: 'RouterQueue',
  classificationPolicies: 'ClassificationPolicy',
  exceptionPolicies: 'ExceptionPolicy',
  jobs: 'RouterJob',
  workers: 'RouterWorker',
};

type JsonRecord = Record<string, unknown>;

const isPlainObject = (value: unknown): value is JsonRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function without(record: JsonRecord, keys: readonly string[]): JsonRecord {
  const copy: JsonRecord = { ...record };
  for (const key of keys) delete copy[key];
  return copy;
}

/** Equal as stored data (key order and undefined members do not count). */
const sameContent = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/**
 * Applies a merge-patch body to a stored resource (undefined = create) and validates the result.
 *
 * - Read-only members (`READ_ONLY_FIELDS`, and `status` / `expiresAt` of requested selectors) are removed from the
 *   body first, so they are ignored rather than rejected and can never overwrite server state.
 * - Absent = unchanged, `null` = removed (and schema defaults then reset it: `priority` → 1, `tags` → `{}`), maps
 *   (labels, tags, `mode`) merge per key, arrays are replaced whole (RFC 7396).
 * - Server-assigned values are filled in: `labels.Id` on queues and workers, `notes[].addedAt`, exception action
 *   ids, requested selectors' `expiresAt` / `status`. A value sent again unchanged keeps what was assigned the first
 *   time, so repeating a PATCH is a no-op (same ETag).
 */
export function upsertResource<K extends RouterResourceKind>(
  kind: K,
  previous: RouterResourceTypes[K] | undefined,
  patch: unknown,
  context: UpsertContext,
): UpsertOutcome<RouterResourceTypes[K]> {
  const name = RESOURCE_NAMES[kind];
  if (!isPlainObject(patch)) {
    return {
      ok: false,
      error: validationError(name, [{ field: '', message: 'the body must be a JSON object (a JSON merge patch)' }]),
    };
  }
  const body = sanitise(kind, patch);
  // After the merge, nulls survive only inside arrays (which RFC 7396 copies as they are): a null member there
  // means absent too (`"expiresAfterSeconds": null` in a selector, as the service's own examples show).
  const patched = omitNulls(mergePatch<JsonRecord>(previous as JsonRecord | undefined, body)) as JsonRecord;
  const merged: JsonRecord = { ...patched, id: context.id };
  assignServerValues(kind, merged, body, previous, context);

  const schema = ROUTER_SCHEMAS[kind];
  const parsed = schema.safeParse(merged, { reportInput: true });
  if (!parsed.success) return { ok: false, error: validationError(name, fieldProblems(parsed.error)) };
  // The schema table is typed per kind (`satisfies` in models.ts); indexing it by a generic K loses that link.
  const resource = parsed.data as RouterResourceTypes[K];
  return {
    ok: true,
    resource,
    created: previous === undefined,
    changed: previous === undefined || !sameContent(previous, resource),
  };
}

/** The body without the members a client may not set. */
function sanitise(kind: RouterResourceKind, patch: JsonRecord): JsonRecord {
  const body = without(patch, READ_ONLY_FIELDS[kind]);
  if (kind === 'jobs' && Array.isArray(body.requestedWorkerSelectors)) {
    body.requestedWorkerSelectors = body.requestedWorkerSelectors.map((selector: unknown) =>
      isPlainObject(selector) ? without(selector, READ_ONLY_SELECTOR_FIELDS) : selector,
    );
  }
  return body;
}

function assignServerValues(
  kind: RouterResourceKind,
  merged: JsonRecord,
  body: JsonRecord,
  previous: RouterResourceTypes[RouterResourceKind] | undefined,
  context: UpsertContext,
): void {
  if (kind === 'queues' || kind === 'workers') {
    // The service adds `Id` = the resource id to every queue's and worker's labels (spec §3.2, §3.6): queue
    // selectors and preferred-worker selectors rely on it, so a client cannot remove or change it.
    if (merged.labels === undefined) merged.labels = { Id: context.id };
    else if (isPlainObject(merged.labels)) merged.labels = { ...merged.labels, Id: context.id };
  } else if (kind === 'jobs') {
    assignJobValues(merged, body, previous as RouterJob | undefined, context);
  } else if (kind === 'exceptionPolicies') {
    assignActionIds(merged, previous as ExceptionPolicy | undefined, context);
  }
}

function assignJobValues(
  merged: JsonRecord,
  body: JsonRecord,
  previous: RouterJob | undefined,
  context: UpsertContext,
) {
  const now = typeof context.now === 'number' ? context.now : context.now.getTime();
  if (Array.isArray(merged.notes)) {
    merged.notes = merged.notes.map((note: unknown, i) => {
      if (!isPlainObject(note) || (note.addedAt !== undefined && note.addedAt !== null)) return note;
      // The same note resent at the same place keeps its time; a new one is stamped now.
      const before = previous?.notes[i];
      const addedAt = before && before.message === note.message ? before.addedAt : formatTimestamp(now);
      return { ...note, addedAt };
    });
  }
  // Only a body that replaces the requested selectors starts their expiry clocks: absent keeps the stored ones
  // (with their server-computed status and expiresAt) untouched.
  if (Array.isArray(body.requestedWorkerSelectors) && Array.isArray(merged.requestedWorkerSelectors)) {
    merged.requestedWorkerSelectors = merged.requestedWorkerSelectors.map((selector: unknown, i) => {
      if (!isPlainObject(selector) || typeof selector.expiresAfterSeconds !== 'number') return selector;
      const before = previous?.requestedWorkerSelectors[i];
      if (before && sameContent(without(before, READ_ONLY_SELECTOR_FIELDS), selector)) {
        return { ...selector, status: before.status, expiresAt: before.expiresAt };
      }
      const expiresAt = formatTimestamp(now + selector.expiresAfterSeconds * 1000);
      return { ...selector, status: 'active', expiresAt };
    });
  }
}

function assignActionIds(merged: JsonRecord, previous: ExceptionPolicy | undefined, context: UpsertContext): void {
  if (!Array.isArray(merged.exceptionRules)) return;
  merged.exceptionRules = merged.exceptionRules.map((rule: unknown) => {
    if (!isPlainObject(rule) || !Array.isArray(rule.actions)) return rule;
    const stored = previous?.exceptionRules.find((r) => r.id === rule.id);
    const actions = rule.actions.map((action: unknown, i) => {
      if (!isPlainObject(action) || (typeof action.id === 'string' && action.id.length > 0)) return action;
      // An action resent unchanged (at the same place in the same rule) keeps the id it was given.
      const before = stored?.actions[i];
      const reused = before && sameContent(without(before, ['id']), without(action, ['id']));
      return { ...action, id: reused ? before.id : context.newId() };
    });
    return { ...rule, actions };
  });
}
