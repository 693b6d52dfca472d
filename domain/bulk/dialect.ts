import type { ObjectTypeSpec } from './object-type';
import type { ObjectTypeId } from './object-type-ids';
import type { ColumnSpec } from './columns';
import { mergePatch } from '../merge-patch';
import { resolveHeaders } from './headers';
import { type ConfigData, type ObjectReference, parseRow } from './rows';

/** An object a row creates when absent (never updates), e.g. the default place of a GAX agent's Extension. */
export interface SideObject {
  type: ObjectTypeId;
  key: string;
  data: ConfigData;
}

/** A parsed-data field holding a clear-text secret, replaced by a salted hash in `hashField` before staging. */
export interface SecretField {
  field: string;
  hashField: string;
}

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
      /** Objects of other types to create if absent, written by the same write batch as the row (idempotently). */
      alsoCreate?: SideObject[];
    }
  | { ok: false; error: string };

export interface ImportDialect<Context = unknown> {
  objectType: ObjectTypeId;
  resolveHeaders(header: readonly string[]): { ok: true; context: Context } | { ok: false; problems: string[] };
  parseRow(context: Context, cells: readonly string[]): DialectRow;
  /** New stored data from the stored object (if any) and a parsed row; must be deterministic (retries). */
  merge(existing: ConfigData | undefined, incoming: ConfigData): ConfigData;
  /** Secret fields of parsed data: hashed by the import activity before rows are staged (never stored in clear). */
  secretFields?: readonly SecretField[];
  /** 0-based header positions holding secrets: blanked in the error CSV and in the stored upload after staging. */
  secretCells?(context: Context): readonly number[];
}

/** One export of a type in a dialect's own format: a first pass sees every object, then the header and records. */
export interface ExportWriter {
  observe(data: ConfigData): void;
  /** Objects the header would name (after the first pass); the activity says which exist. */
  related(): { type: ObjectTypeId; key: string }[];
  header(exists: (type: ObjectTypeId, key: string) => boolean): string[];
  /** One CSV record, aligned with header(), cells already neutralised. */
  record(data: ConfigData): string[];
}

export interface ExportDialect {
  objectType: ObjectTypeId;
  start(): ExportWriter;
}

/**
 * A row is a merge patch of the stored object (RFC 7396): the attributes present in the row overwrite, a null (an
 * empty cell) clears the attribute, absent columns stay. Cell values are scalars or lists, which a merge patch
 * replaces whole (JSON columns are kept as their text).
 */
export function mergeAttributes(existing: ConfigData | undefined, incoming: ConfigData): ConfigData {
  return mergePatch(existing, incoming);
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
