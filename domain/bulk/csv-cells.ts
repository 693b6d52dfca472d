/**
 * Spreadsheet formula-injection defence for exported CSV cells (OWASP "CSV Injection"), and its exact inverse for
 * imports, so export → import is a no-op. Pure: workflows import this.
 *
 * A cell is neutralised by prefixing one apostrophe when it starts with = + - @ tab or CR. To keep the mapping
 * reversible, values that already look neutralised (apostrophes followed by one of those characters, e.g.
 * `'=already quoted`) get one more apostrophe; restoring always removes exactly one. Hence
 * `restoreCell(neutraliseCell(x)) === x` for every string x.
 */

/** Optional leading apostrophes, then a character a spreadsheet would treat as the start of a formula. */
const NEEDS_PREFIX = /^'*[=+\-@\t\r]/;
/** At least one apostrophe, then a formula character: the shape neutraliseCell produces. */
const PREFIXED = /^'+[=+\-@\t\r]/;

export function neutraliseCell(value: string): string {
  return NEEDS_PREFIX.test(value) ? `'${value}` : value;
}

export function restoreCell(value: string): string {
  return PREFIXED.test(value) ? value.slice(1) : value;
}
