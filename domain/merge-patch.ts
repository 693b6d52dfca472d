import { apply } from 'json-merge-patch';

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/**
 * RFC 7396 JSON Merge Patch (json-merge-patch): absent = unchanged, `null` = remove, objects merge per key, arrays
 * and scalars are replaced. The target is never modified (the library patches in place, so it gets a copy).
 * Pure and deterministic: safe in workflows.
 */
export function mergePatch<T extends object>(target: T | undefined, patch: object): T {
  const copy: unknown = target === undefined ? {} : JSON.parse(JSON.stringify(target));
  return apply(copy, patch) as T;
}
