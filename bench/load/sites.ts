/**
 * Import files of the store-under-load benchmarks: `sites` rows (Name + Multimedia Profile, ~40 bytes each, one of the
 * narrowest types of the catalog, so the store's cost per object dominates) and the one multimedia profile they all
 * reference (a site's profile must exist, so every tenant imports it first).
 *
 * Keys carry the tenant's prefix (`t03-site-00042`), so a page holding another tenant's objects is caught by its keys
 * alone; the number is zero-padded, so key order (the API's page order) is the order of generation.
 */
import { findObjectType, type ObjectTypeSpec } from '../../domain/bulk/catalog';
import { resolveHeaders, templateHeader } from '../../domain/bulk/headers';
import { parseRow } from '../../domain/bulk/rows';

export const SITES = 'sites';
export const PROFILE_NAME = 'Bench Voice and Chat';

/** CSV text from a header and rows (cells quoted when needed), CRLF line ends like spreadsheet exports. */
function csv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

function spec(id: string): ObjectTypeSpec {
  const found = findObjectType(id);
  if (!found) throw new Error(`unknown object type ${id}`);
  return found;
}

/** The keys of `rows` as the importer parses them (header resolution, then the catalog's parseRow); throws on a bad row. */
function parsedKeys(type: ObjectTypeSpec, header: string[], rows: readonly string[][]): string[] {
  const resolution = resolveHeaders(type, header);
  if (!resolution.ok) throw new Error(resolution.problems.join('; '));
  return rows.map((cells, index) => {
    const parsed = parseRow(type, resolution.columns, cells);
    if (!parsed.ok) throw new Error(`generated ${type.id} row ${index + 1} is invalid: ${parsed.error}`);
    return parsed.key;
  });
}

export interface CsvFile {
  objectType: string;
  text: string;
  rows: number;
  /** Keys of the rows, in key order. */
  keys: string[];
}

/** The multimedia profile every generated site references. */
export function profileCsv(): CsvFile {
  const type = spec('multimedia-profiles');
  const header = templateHeader(type); // Name, Description, Type, Voice, Chat, Email, Social
  const row = [PROFILE_NAME, 'store-under-load benchmark', 'BLENDED', '1', '3', '0', '0'];
  parsedKeys(type, header, [row]);
  return { objectType: type.id, text: csv(header, [row]), rows: 1, keys: [PROFILE_NAME] };
}

/** `{prefix}-{series}-{00001…}`: sorts by number within a series, and series by name. */
export function siteKey(prefix: string, series: string, index: number): string {
  return `${prefix}-${series}-${String(index + 1).padStart(5, '0')}`;
}

/** `count` valid sites whose keys are `{prefix}-{series}-00001` … in key order; checked with the catalog's parser. */
export function sitesCsv(prefix: string, count: number, series = 'site'): CsvFile {
  const type = spec('sites');
  const header = templateHeader(type); // Name, Multimedia Profile
  if (header.join(',') !== 'Name,Multimedia Profile') throw new Error(`unexpected sites columns: ${header.join(', ')}`);
  const keys = Array.from({ length: count }, (_, i) => siteKey(prefix, series, i));
  const rows = keys.map((key) => [key, PROFILE_NAME]);
  parsedKeys(type, header, rows).forEach((key, i) => {
    if (key !== keys[i]) throw new Error(`generated site ${i + 1} has key ${key}, expected ${keys[i]}`);
  });
  return { objectType: type.id, text: csv(header, rows), rows: count, keys };
}
