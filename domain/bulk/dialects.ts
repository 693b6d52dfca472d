import { findObjectType } from './catalog';
import { catalogDialect, type ExportDialect, type ImportDialect } from './dialect';
import { gaxAgentDialect } from './gax/agent-dialect';
import { gaxAgentExport } from './gax/agent-export';

/**
 * Which dialect reads and writes each object type: the catalog's by default; the GAX agent CSV for `agents`.
 * A plain table (not registration by side effect), so the API, the workers and the tests all see the same thing.
 */
const importDialects: ReadonlyMap<string, ImportDialect> = new Map([
  [gaxAgentDialect.objectType, gaxAgentDialect as ImportDialect],
]);
const exportDialects: ReadonlyMap<string, ExportDialect> = new Map([[gaxAgentExport.objectType, gaxAgentExport]]);

export function dialectFor(objectType: string): ImportDialect | undefined {
  const special = importDialects.get(objectType);
  if (special) return special;
  const spec = findObjectType(objectType);
  return spec && spec.format === 'csv' ? (catalogDialect(spec) as ImportDialect) : undefined;
}

/** An export format other than the catalog's `toCsvRecord`, if the type has one. */
export function exportDialectFor(objectType: string): ExportDialect | undefined {
  return exportDialects.get(objectType);
}
