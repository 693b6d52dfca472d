import type { Database } from '../../db/connection';
import type { ObjectTypeId } from '../../domain/bulk/catalog';
import type { DialectRow, ImportDialect, SideObject } from '../../domain/bulk/dialect';
import { dialectFor } from '../../domain/bulk/dialects';
import { BULK_LIMITS } from '../../domain/bulk/limits';
import { bulkBlobKeys } from '../../domain/bulk/blob-keys';
import type { ConfigData } from '../../domain/bulk/rows';
import { type BlobStore, readBlobText } from '../../storage/blob-store';
import { type CsvSource, FileRejectedError, forEachCsvSource, isZipBlob } from './csv-sources';
import { ErrorReport, withoutErrorColumn } from './error-report';
import { ExistenceIndex } from './existence';
import { blankCells, commitScrub, protectSecrets, type ScrubPlan, UploadScrubber } from './secrets';
import { type Heartbeat, withHeartbeat } from '../heartbeat';

export interface StageImportInput {
  tenantId: string;
  operationId: string;
  objectType: string;
  uploadKey: string;
  fileName: string;
  batchSize?: number;
}

export type StageImportResult =
  | { outcome: 'rejected'; reason: string }
  | { outcome: 'staged'; total: number; valid: number; failed: number; batches: number; errorsKey?: string };

/** One valid row, as staged for the write batches. */
export interface StagedRow {
  key: string;
  data: ConfigData;
  /** Side objects the row creates if absent (DialectRow.alsoCreate). */
  alsoCreate?: SideObject[];
}

interface PendingRow {
  file: string;
  line: number;
  header: readonly string[];
  cells: readonly string[];
  /** Positions of secret cells, blanked in the error CSV. */
  secretCells: readonly number[];
  parsed: DialectRow;
}

/**
 * Rows judged together: their keys and references are looked up at once, one `find` by `_id ∈ keys` per type. On
 * FerretDB's SQLite backend an `$in` is not pushed down: every lookup reads the whole collection, so its time is set
 * by the stored objects, hardly by the list (measured on 20,000 stored objects: 100 keys 2.7 s, 1000 keys 2.6 s).
 * Splitting a lookup would multiply those reads without shortening any of them; fewer, larger lookups are what keeps
 * ten concurrent imports off the store's back. Heartbeats no longer depend on statement time (activities/heartbeat.ts),
 * and a cancelled attempt stops at the next lookup.
 */
const CHUNK = 1000;

/**
 * Validates an import completely before anything is written: file-level checks (reject the whole operation), row
 * parsing, duplicate keys within the operation, references (must exist, or be created by an earlier row of this
 * operation) and ADD/UPDATE expectations. Valid rows are staged in batch files for the write step; failed rows go to
 * the error CSV. Deterministic and side-effect free on config data, so a retry simply redoes it.
 */
class ImportStager {
  private readonly seen = new Map<string, string>();
  private readonly createdKeys = new Set<string>();
  private readonly existing: ExistenceIndex;
  private readonly errors = new ErrorReport();
  private readonly batch: StagedRow[] = [];
  private batches = 0;
  total = 0;
  valid = 0;

  constructor(
    private readonly deps: { db: Database; blobs: BlobStore },
    private readonly input: StageImportInput,
    private readonly dialect: ImportDialect,
    private readonly heartbeat: Heartbeat,
    /** Set when the dialect has secrets: writes the upload's scrubbed copy. */
    private readonly scrubber?: UploadScrubber,
  ) {
    this.existing = new ExistenceIndex(deps.db, input.tenantId);
  }

  async stageSource(source: CsvSource): Promise<void> {
    let header: readonly string[] | undefined;
    let dropped = -1;
    let context: unknown;
    let secretCells: readonly number[] = [];
    let rowsInFile = 0;
    let pending: PendingRow[] = [];
    for await (const record of source.records) {
      // Cancelled (the server gave up on this attempt, or the workflow moved on): stop before any more work.
      this.heartbeat.check();
      if (!header) {
        ({ header, dropped } = withoutErrorColumn(record.cells));
        const resolution = this.dialect.resolveHeaders(header);
        if (!resolution.ok) {
          throw new FileRejectedError(
            `"${source.fileName}" has an invalid header row: ${resolution.problems.join('; ')}`,
          );
        }
        context = resolution.context;
        secretCells = this.dialect.secretCells?.(context) ?? [];
        await this.scrubber?.begin(source.fileName, header);
        continue;
      }
      rowsInFile += 1;
      if (rowsInFile > BULK_LIMITS.maxRowsPerCsv) {
        throw new FileRejectedError(
          `"${source.fileName}" has more than ${BULK_LIMITS.maxRowsPerCsv} data rows; split it into CSVs of at most ${BULK_LIMITS.maxRowsPerCsv} rows and upload them together in one ZIP`,
        );
      }
      const cells = dropped >= 0 ? record.cells.filter((_, index) => index !== dropped) : record.cells;
      await this.scrubber?.write(cells, secretCells);
      pending.push({
        file: source.fileName,
        line: record.line,
        header,
        cells,
        secretCells,
        parsed: this.dialect.parseRow(context, cells),
      });
      if (pending.length >= CHUNK) {
        await this.judge(pending);
        pending = [];
      }
    }
    if (!header) throw new FileRejectedError(`"${source.fileName}" is empty: the first row must be the header row`);
    if (rowsInFile === 0) throw new FileRejectedError(`"${source.fileName}" has a header row but no data rows`);
    await this.judge(pending);
  }

  /** Decides each row of a chunk in file order, so "created earlier in this operation" is exact. */
  private async judge(rows: PendingRow[]): Promise<void> {
    const wanted: { type: ObjectTypeId; key: string }[] = [];
    for (const row of rows) {
      if (!row.parsed.ok) continue;
      wanted.push({ type: this.dialect.objectType, key: row.parsed.key });
      for (const ref of row.parsed.references) wanted.push(ref);
    }
    this.heartbeat.check();
    await this.existing.load(wanted);
    const accepted: StagedRow[] = [];
    for (const row of rows) {
      this.total += 1;
      const error = this.verdict(row);
      if (error) {
        this.errors.add(row.header, blankCells(row.cells, row.secretCells), error);
        continue;
      }
      if (!row.parsed.ok) continue;
      this.valid += 1;
      this.createdKeys.add(row.parsed.key);
      const { key, data, alsoCreate } = row.parsed;
      accepted.push({ key, data, ...(alsoCreate?.length ? { alsoCreate } : {}) });
    }
    // Secrets are hashed (scrypt, in the thread pool, concurrently) before anything reaches a staged batch file.
    const staged = await Promise.all(
      accepted.map(async (row) => ({ ...row, data: await protectSecrets(this.dialect, row.data) })),
    );
    for (const row of staged) {
      this.batch.push(row);
      if (this.batch.length >= (this.input.batchSize ?? BULK_LIMITS.importBatchSize)) await this.flushBatch();
    }
    this.heartbeat.progress({ staged: this.total });
  }

  private verdict(row: PendingRow): string | undefined {
    const parsed = row.parsed;
    if (!parsed.ok) return parsed.error;
    const where = `row ${row.line} of "${row.file}"`;
    const first = this.seen.get(parsed.key);
    if (first) return `Duplicate key "${parsed.key}": already used by ${first}`;
    this.seen.set(parsed.key, where);
    const type = this.dialect.objectType;
    const exists = this.existing.exists(type, parsed.key);
    if (parsed.expect === 'new' && exists) return `"${parsed.key}" already exists; use UPDATE to change it`;
    if (parsed.expect === 'existing' && !exists) return `"${parsed.key}" does not exist; use ADD to create it`;
    const missing = parsed.references.filter(
      (ref) => !this.existing.exists(ref.type, ref.key) && !(ref.type === type && this.createdKeys.has(ref.key)),
    );
    if (missing.length > 0) {
      return missing
        .map(
          (ref) =>
            `Column "${ref.column}": ${ref.type} "${ref.key}" does not exist (nor is it created earlier in this import)`,
        )
        .join('; ');
    }
    return undefined;
  }

  async flushBatch(): Promise<void> {
    if (this.batch.length === 0) return;
    // Also refused by the guarded blob store; checked here so that the intent is plain: no batch file after a cancel.
    this.heartbeat.check();
    const key = bulkBlobKeys.stagedBatch(this.input.tenantId, this.input.operationId, this.batches);
    await this.deps.blobs.putBuffer(key, this.batch.map((row) => JSON.stringify(row)).join('\n'));
    this.batches += 1;
    this.batch.length = 0;
  }

  async finish(): Promise<StageImportResult> {
    await this.flushBatch();
    let errorsKey: string | undefined;
    if (this.errors.size > 0) {
      errorsKey = bulkBlobKeys.errors(this.input.tenantId, this.input.operationId);
      await this.deps.blobs.putBuffer(errorsKey, this.errors.toCsv());
    }
    return {
      outcome: 'staged',
      total: this.total,
      valid: this.valid,
      failed: this.errors.size,
      batches: this.batches,
      ...(errorsKey ? { errorsKey } : {}),
    };
  }
}

/**
 * Runs inside a Heartbeat (activities/heartbeat.ts): heartbeats on a timer whatever the current statement, and every
 * write — staged batches, the error CSV, the scrubbed upload, the saved result — goes through a blob store guarded
 * by the attempt's cancellation, so an attempt Temporal gave up on stops at its next check and writes nothing more.
 */
export async function stageImport(
  deps: { db: Database; blobs: BlobStore },
  input: StageImportInput,
): Promise<StageImportResult> {
  return withHeartbeat((heartbeat) =>
    stageImportAttempt({ db: deps.db, blobs: heartbeat.blobs(deps.blobs) }, input, heartbeat),
  );
}

async function stageImportAttempt(
  deps: { db: Database; blobs: BlobStore },
  input: StageImportInput,
  heartbeat: Heartbeat,
): Promise<StageImportResult> {
  const dialect = dialectFor(input.objectType);
  if (!dialect) return { outcome: 'rejected', reason: `${input.objectType} cannot be imported from CSV` };
  const resultKey = `${bulkBlobKeys.staged(input.tenantId, input.operationId)}/result.json`;
  // A retry after the upload was scrubbed must not re-stage it without its secrets: it reuses the first result.
  if (await deps.blobs.exists(resultKey)) {
    const saved = JSON.parse(await readBlobText(deps.blobs, resultKey)) as {
      result: StageImportResult;
      scrub: ScrubPlan;
    };
    await commitScrub(deps.blobs, saved.scrub);
    return saved.result;
  }
  const hasSecrets = (dialect.secretFields?.length ?? 0) > 0;
  const zip = await isZipBlob(deps.blobs, input.uploadKey);
  const scrubber = hasSecrets ? new UploadScrubber(deps.blobs, input) : undefined;
  const stager = new ImportStager(deps, input, dialect, heartbeat, scrubber);
  try {
    await forEachCsvSource(deps.blobs, input.uploadKey, input.fileName, (source) => stager.stageSource(source));
    const result = await stager.finish();
    if (scrubber) {
      const scrub = await scrubber.finish(zip);
      await deps.blobs.putBuffer(resultKey, JSON.stringify({ result, scrub }));
      await commitScrub(deps.blobs, scrub);
    }
    return result;
  } catch (error) {
    // After a cancellation the scrubbed copy under way fails at its end instead of landing (guarded blob store).
    await scrubber?.end().catch(() => undefined);
    if (!(error instanceof FileRejectedError)) throw error;
    // A rejected file may hold secrets in columns that could not be identified: it is not kept.
    if (hasSecrets) await deps.blobs.delete(input.uploadKey);
    return { outcome: 'rejected', reason: error.message };
  }
}
