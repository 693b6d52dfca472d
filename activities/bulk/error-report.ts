import { stringify } from 'csv-stringify/sync';
import { neutraliseCell } from '../../domain/bulk/csv-cells';

export const ERROR_MESSAGE_HEADER = 'Error Message';

interface FailedRow {
  header: readonly string[];
  cells: readonly string[];
  message: string;
}

/**
 * Collects failed rows and renders the error CSV: the original columns of the failed rows plus `Error Message`,
 * re-importable after fixing (the importer ignores an `Error Message` column). Rows from several CSVs of a ZIP are
 * aligned on the union of their headers.
 */
export class ErrorReport {
  private readonly rows: FailedRow[] = [];

  add(header: readonly string[], cells: readonly string[], message: string): void {
    this.rows.push({ header, cells, message });
  }

  get size(): number {
    return this.rows.length;
  }

  toCsv(): string {
    const columns: string[] = [];
    const position = new Map<string, number>();
    for (const row of this.rows) {
      for (const header of row.header) {
        const key = header.trim().toLowerCase();
        if (!position.has(key)) {
          position.set(key, columns.length);
          columns.push(header.trim());
        }
      }
    }
    const records = this.rows.map((row) => {
      const record = new Array<string>(columns.length + 1).fill('');
      row.header.forEach((header, index) => {
        const at = position.get(header.trim().toLowerCase());
        if (at !== undefined) record[at] = neutraliseCell(row.cells[index] ?? '');
      });
      record[columns.length] = row.message;
      return record;
    });
    return stringify([[...columns, ERROR_MESSAGE_HEADER], ...records], { record_delimiter: 'windows' });
  }
}

/** Drops an `Error Message` column (from a re-imported error CSV) from the header and returns its index. */
export function withoutErrorColumn(header: readonly string[]): { header: string[]; dropped: number } {
  const dropped = header.findIndex(
    (cell) =>
      cell
        .replace(/^\uFEFF/, '')
        .trim()
        .toLowerCase() === 'error message',
  );
  return { header: header.filter((_, index) => index !== dropped), dropped };
}
