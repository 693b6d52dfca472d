import { findObjectType, type ObjectTypeId, type ObjectTypeSpec } from './catalog';
import type { ColumnSpec } from './columns';
import { resolveHeaders } from './headers';
import { type ConfigData, type ObjectReference, parseRow } from './rows';

/**
 * How one object type's CSV is read and applied. The catalog dialect serves the Webex-style types; other CSV
 * dialects (the GAX agent CSV) implement the same interface and reuse the whole import pipeline. Pure.
 */
export type DialectRow =
  | {
      ok: true;
      key: string;
      data: ConfigData;
      references: ObjectReference[];
      /** 'new': the key must not exist yet (GAX ADD); 'existing': it must (GAX UPDATE); absent: upsert. */
      expect?: 'new' | 'existing';
    }
  | { ok: false; error: string };

export interface ImportDialect<Context = unknown> {
  objectType: ObjectTypeId;
  resolveHeaders(header: readonly string[]): { ok: true; context: Context } | { ok: false; problems: string[] };
  parseRow(context: Context, cells: readonly string[]): DialectRow;
  /** New stored data from the stored object (if any) and a parsed row; must be deterministic (retries). */
  merge(existing: ConfigData | undefined, incoming: ConfigData): ConfigData;
}

/** Overwrite the attributes present in the row; a null (empty cell) clears the attribute; absent columns stay. */
export function mergeAttributes(existing: ConfigData | undefined, incoming: ConfigData): ConfigData {
  const merged: ConfigData = { ...existing };
  for (const [field, value] of Object.entries(incoming)) {
    if (value === null) delete merged[field];
    else merged[field] = value;
  }
  return merged;
}

export function catalogDialect(spec: ObjectTypeSpec): ImportDialect<readonly ColumnSpec[]> {
  return {
    objectType: spec.id,
    resolveHeaders(header) {
      const resolution = resolveHeaders(spec, header);
      return resolution.ok ? { ok: true, context: resolution.columns } : resolution;
    },
    parseRow: (columns, cells) => parseRow(spec, columns, cells),
    merge: mergeAttributes,
  };
}

const extraDialects = new Map<string, ImportDialect>();

/** Lets a capability register a dialect that replaces the catalog's for its object type. */
export function registerDialect(dialect: ImportDialect): void {
  extraDialects.set(dialect.objectType, dialect);
}

export function dialectFor(objectType: string): ImportDialect | undefined {
  const registered = extraDialects.get(objectType);
  if (registered) return registered;
  const spec = findObjectType(objectType);
  return spec && spec.format === 'csv' ? (catalogDialect(spec) as ImportDialect) : undefined;
}

/** Deep equality of stored data, so re-importing an unchanged row writes nothing. */
export function sameData(a: ConfigData | undefined, b: ConfigData): boolean {
  if (!a) return false;
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
