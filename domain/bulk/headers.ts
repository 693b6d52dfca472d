import type { ObjectTypeSpec } from './object-type';
import type { ColumnSpec } from './columns';

/** Header row handling: matching a CSV header row to catalog columns, and the template header. Pure. */

export type HeaderResolution = { ok: true; columns: readonly ColumnSpec[] } | { ok: false; problems: string[] };

/** Header comparison key: case-insensitive, surrounding whitespace trimmed, inner whitespace runs collapsed. */
export function headerKey(header: string): string {
  return header.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * Resolves a header row against a type's columns (canonical headers and aliases, case-insensitively). On success the
 * returned columns are aligned with the header cells. Otherwise every problem is reported as a sentence.
 */
export function resolveHeaders(spec: ObjectTypeSpec, header: readonly string[]): HeaderResolution {
  const lookup = new Map<string, ColumnSpec>();
  for (const column of spec.columns) {
    for (const name of [column.header, ...(column.aliases ?? [])]) lookup.set(headerKey(name), column);
  }
  const accepted = spec.columns.map((c) => c.header).join(', ');
  const { columns, problems, seen } = scanHeaderCells<ColumnSpec, ColumnSpec>(header, {
    resolve: (text, position) =>
      lookup.get(headerKey(text)) ??
      (accepted === ''
        ? `Unknown header "${text}" (column ${position}): ${spec.label} are not imported from CSV`
        : `Unknown header "${text}" (column ${position}); the ${spec.label} headers are: ${accepted}`),
    identity: (column) => column,
    duplicate: (text, earlier, position, column) =>
      headerKey(earlier.text) === headerKey(text)
        ? `Duplicate header "${text}" (columns ${earlier.position} and ${position})`
        : `Duplicate header "${text}" (columns ${earlier.position} and ${position}): "${earlier.text}" and "${text}" both mean "${column.header}"`,
  });
  for (const column of spec.columns) {
    if (column.required && !seen.has(column)) problems.push(`Missing required header "${column.header}"`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, columns };
}

export interface HeaderCell {
  position: number;
  text: string;
}

/**
 * The part every header dialect shares: strips a BOM, reports empty cells, resolves each cell (a string result is a
 * problem) and reports a column that appears twice (two cells with the same `identity`).
 */
export function scanHeaderCells<C, K>(
  header: readonly string[],
  rules: {
    resolve: (text: string, position: number) => C | string;
    identity: (column: C) => K;
    duplicate: (text: string, earlier: HeaderCell, position: number, column: C) => string;
  },
): { columns: C[]; problems: string[]; seen: Map<K, HeaderCell> } {
  const problems: string[] = [];
  const columns: C[] = [];
  const seen = new Map<K, HeaderCell>();
  header.forEach((cell, index) => {
    const position = index + 1;
    const text = (index === 0 ? cell.replace(/^\uFEFF/, '') : cell).trim();
    if (text === '') {
      problems.push(`Column ${position} has an empty header`);
      return;
    }
    const column = rules.resolve(text, position);
    if (typeof column === 'string') {
      problems.push(column);
      return;
    }
    const id = rules.identity(column);
    const earlier = seen.get(id);
    if (earlier) {
      problems.push(rules.duplicate(text, earlier, position, column));
      return;
    }
    seen.set(id, { position, text });
    columns.push(column);
  });
  return { columns, problems, seen };
}

/** Canonical header row (template, export) in catalog column order. */
export function templateHeader(spec: ObjectTypeSpec): string[] {
  return spec.columns.map((column) => column.header);
}
