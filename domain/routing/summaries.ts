/**
 * The list indexes' entries (db/routing/summary-index.ts): a compact summary per job or worker, written by the
 * tenant's router, scanned by the list operations with the filters of spec §2.2 ops 17 and 28.
 */
export interface SummaryChange {
  id: string;
  /** null = the entry is removed (the job or worker was deleted). */
  summary: Record<string, unknown> | null;
}
