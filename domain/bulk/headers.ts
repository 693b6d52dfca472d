import type { ObjectTypeSpec } from './catalog';
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
  const problems: string[] = [];
  const columns: ColumnSpec[] = [];
  const seen = new Map<ColumnSpec, { position: number; text: string }>();
  header.forEach((cell, index) => {
    const position = index + 1;
    const text = (index === 0 ? cell.replace(/^\uFEFF/, '') : cell).trim();
    if (text === '') {
      problems.push(`Column ${position} has an empty header`);
      return;
    }
    const column = lookup.get(headerKey(text));
    if (!column) {
      const accepted = spec.columns.map((c) => c.header).join(', ');
      problems.push(
        accepted === ''
          ? `Unknown header "${text}" (column ${position}): ${spec.label} are not imported from CSV`
          : `Unknown header "${text}" (column ${position}); the ${spec.label} headers are: ${accepted}`,
      );
      return;
    }
    const earlier = seen.get(column);
    if (earlier) {
      const same = headerKey(earlier.text) === headerKey(text);
      problems.push(
        same
          ? `Duplicate header "${text}" (columns ${earlier.position} and ${position})`
          : `Duplicate header "${text}" (columns ${earlier.position} and ${position}): "${earlier.text}" and "${text}" both mean "${column.header}"`,
      );
      return;
    }
    seen.set(column, { position, text });
    columns.push(column);
  });
  for (const column of spec.columns) {
    if (column.required && !seen.has(column)) problems.push(`Missing required header "${column.header}"`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, columns };
}

/** Canonical header row (template, export) in catalog column order. */
export function templateHeader(spec: ObjectTypeSpec): string[] {
  return spec.columns.map((column) => column.header);
}
