import { randomBytes, scrypt } from 'node:crypto';
import { stringify, type Stringifier } from 'csv-stringify';
import type { ImportDialect } from '../../domain/bulk/dialect';
import { bulkBlobKeys } from '../../domain/bulk/blob-keys';
import type { ConfigData } from '../../domain/bulk/rows';
import type { BlobStore } from '../../storage/blob-store';
import { writeZip } from '../zip/writer';

/**
 * Secrets in imported rows (GAX passwords): hashed before a row is staged, blanked in the error CSV, and blanked in the
 * stored upload once staging is done, so no clear-text secret outlives the staging activity.
 */

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 } as const;

/** `scrypt$N$r$p$salt$hash` (base64), a salted hash in the PHC-like form verifiers parse. */
export function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, (error, key) => {
      if (error) reject(error);
      else resolve(`scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`);
    });
  });
}

/** The row's data with each clear-text secret field replaced by its hash field. */
export async function protectSecrets(dialect: ImportDialect, data: ConfigData): Promise<ConfigData> {
  const fields = dialect.secretFields ?? [];
  if (!fields.some(({ field }) => field in data)) return data;
  const protectedData: ConfigData = { ...data };
  for (const { field, hashField } of fields) {
    const value = protectedData[field];
    delete protectedData[field];
    if (typeof value === 'string' && value !== '') protectedData[hashField] = await hashSecret(value);
  }
  return protectedData;
}

export function blankCells(cells: readonly string[], positions: readonly number[]): readonly string[] {
  if (positions.length === 0) return cells;
  return cells.map((cell, index) => (positions.includes(index) ? '' : cell));
}

/**
 * Writes a copy of each CSV of an upload with its secret cells blanked (staging files, deleted with the batches), then
 * replaces the upload with the copies if any secret was seen: a CSV by its copy, a ZIP by a ZIP of the copies.
 */
export class UploadScrubber {
  private readonly files: { name: string; key: string }[] = [];
  private current: { output: Stringifier; done: Promise<unknown> } | undefined;
  private secretsSeen = false;

  constructor(
    private readonly blobs: BlobStore,
    private readonly ids: { tenantId: string; operationId: string; uploadKey: string },
  ) {}

  async begin(fileName: string, header: readonly string[]): Promise<void> {
    await this.end();
    const key = `${bulkBlobKeys.staged(this.ids.tenantId, this.ids.operationId)}/scrubbed-${this.files.length}.csv`;
    const output = stringify({ record_delimiter: 'windows' });
    this.current = { output, done: this.blobs.put(key, output) };
    this.files.push({ name: fileName, key });
    await this.write(header, []);
  }

  async write(cells: readonly string[], secretCells: readonly number[]): Promise<void> {
    if (!this.current) return;
    if (secretCells.some((index) => (cells[index] ?? '').trim() !== '')) this.secretsSeen = true;
    if (!this.current.output.write(blankCells(cells, secretCells))) {
      await new Promise((resolve) => this.current?.output.once('drain', resolve));
    }
  }

  async end(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (!current) return;
    current.output.end();
    await current.done;
  }

  /** What commit will do; saved with the staging result so that a retried activity can redo it. */
  async finish(zip: boolean): Promise<ScrubPlan> {
    await this.end();
    return { uploadKey: this.ids.uploadKey, zip, files: this.secretsSeen ? [...this.files] : [] };
  }
}

export interface ScrubPlan {
  uploadKey: string;
  zip: boolean;
  /** The scrubbed copies; empty when no secret cell held a value (the upload is then left as it is). */
  files: { name: string; key: string }[];
}

/** Replaces the upload by its scrubbed copies: a CSV by its copy, a ZIP by a ZIP of the copies. Idempotent. */
export async function commitScrub(blobs: BlobStore, plan: ScrubPlan): Promise<void> {
  const first = plan.files[0];
  if (!first || !(await blobs.exists(first.key))) return;
  if (!plan.zip) {
    await blobs.put(plan.uploadKey, blobs.get(first.key));
    return;
  }
  async function* entries() {
    for (const file of plan.files) yield { name: file.name, content: blobs.get(file.key) };
  }
  await writeZip({ blobs, key: plan.uploadKey }, entries());
}
