/**
 * CSV text of export records (RFC 4180, CRLF), without csv-stringify's per-record stream machinery: one string per
 * batch of records instead of one stream chunk per record, which made the export's deflate work per row (measured
 * in docs/benchmarks.md). A cell is quoted when it contains `"` (doubled), `,`, CR or LF — any line break, so a
 * multi-line description survives export → import (csv-stringify with `record_delimiter: 'windows'` leaves a lone
 * LF unquoted); empty, null and undefined cells are empty; every record ends with CRLF.
 */

function csvCell(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  if (value.includes('"')) return `"${value.replaceAll('"', '""')}"`;
  if (value.includes(',') || value.includes('\r') || value.includes('\n')) return `"${value}"`;
  return value;
}

/** One CSV record with its `\r\n` record delimiter. */
export function csvRecordText(record: readonly (string | null | undefined)[]): string {
  let text = '';
  for (let i = 0; i < record.length; i += 1) {
    if (i > 0) text += ',';
    text += csvCell(record[i]);
  }
  return `${text}\r\n`;
}
