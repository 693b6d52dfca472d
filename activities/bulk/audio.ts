import type { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { Database } from '../../db/connection';
import { neutraliseCell } from '../../domain/bulk/csv-cells';
import { BULK_LIMITS } from '../../domain/bulk/limits';
import { bulkBlobKeys } from '../../domain/bulk/blob-keys';
import {
  audioFileName,
  isWavFileName,
  isWavHeader,
  validateAudioFileName,
  WAV_HEADER_BYTES,
} from '../../domain/bulk/wav';
import { type BlobStore, readBlobText } from '../../storage/blob-store';
import { forEachZipEntry, inspectZip, ZipRejectedError, type ZipLimits } from '../zip/reader';
import { isArchiverNoise, isZipBlob } from './csv-sources';
import { type Heartbeat, withHeartbeat } from '../heartbeat';

/**
 * Audio prompts arrive as a ZIP (≤ 50 MB). Digital silence deflates about 1000:1, exactly like a zero-filled bomb,
 * so the ratio check only applies to entries large enough to matter, with a ceiling on their total size.
 */
export const AUDIO_ZIP_LIMITS: ZipLimits = {
  maxEntries: BULK_LIMITS.maxAudioZipEntries,
  maxTotalUncompressedBytes: BULK_LIMITS.maxUncompressedBytes,
  maxCompressionRatio: BULK_LIMITS.maxCompressionRatio,
  minBytesForRatioCheck: 1024 * 1024,
};

export interface AudioStageInput {
  tenantId: string;
  operationId: string;
  uploadKey: string;
  fileName: string;
}

export type AudioStageResult =
  | { outcome: 'rejected'; reason: string }
  | { outcome: 'staged'; total: number; valid: number; failed: number; batches: number; errorsKey?: string };

interface StagedAudio {
  entry: string;
  name: string;
}

async function firstBytes(stream: Readable, count: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length >= count) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, count);
}

/**
 * Checks every entry (name, extension, RIFF/WAVE content) without storing anything; dry runs stop here. Heartbeats on
 * a timer; stops at the next entry once cancelled, and writes its staged files through a guarded store.
 */
export async function stageAudioImport(deps: { blobs: BlobStore }, input: AudioStageInput): Promise<AudioStageResult> {
  return withHeartbeat((heartbeat) => stageAudioAttempt({ blobs: heartbeat.blobs(deps.blobs) }, heartbeat, input));
}

async function stageAudioAttempt(
  deps: { blobs: BlobStore },
  heartbeat: Heartbeat,
  input: AudioStageInput,
): Promise<AudioStageResult> {
  const zip = { blobs: deps.blobs, key: input.uploadKey };
  if (!(await isZipBlob(deps.blobs, input.uploadKey))) {
    return {
      outcome: 'rejected',
      reason: `"${input.fileName}" is not a ZIP file; audio files are imported as a ZIP of .wav files`,
    };
  }
  const errors: string[][] = [];
  const staged: StagedAudio[] = [];
  let total = 0;
  try {
    await inspectZip(zip, AUDIO_ZIP_LIMITS);
    await forEachZipEntry(zip, AUDIO_ZIP_LIMITS, async (entry, open) => {
      heartbeat.check();
      if (isArchiverNoise(entry.name)) return;
      total += 1;
      const name = audioFileName(entry.name);
      let problem: string | undefined;
      if (!isWavFileName(name)) problem = `"${entry.name}" is not a .wav file; only WAV audio is imported`;
      else problem = validateAudioFileName(name);
      if (!problem && !isWavHeader(await firstBytes(await open(), WAV_HEADER_BYTES))) {
        problem = `"${entry.name}" is named .wav but its content is not RIFF/WAVE audio`;
      }
      if (problem) errors.push([entry.name, problem]);
      else staged.push({ entry: entry.name, name });
      heartbeat.progress({ checked: total });
    });
  } catch (error) {
    if (error instanceof ZipRejectedError) {
      return { outcome: 'rejected', reason: `ZIP "${input.fileName}" rejected: ${error.message}` };
    }
    throw error;
  }
  if (total === 0) return { outcome: 'rejected', reason: `ZIP "${input.fileName}" contains no files` };
  let batches = 0;
  for (let start = 0; start < staged.length; start += BULK_LIMITS.audioBatchSize) {
    const lines = staged.slice(start, start + BULK_LIMITS.audioBatchSize).map((row) => JSON.stringify(row));
    await deps.blobs.putBuffer(bulkBlobKeys.stagedBatch(input.tenantId, input.operationId, batches), lines.join('\n'));
    batches += 1;
  }
  let errorsKey: string | undefined;
  if (errors.length > 0) {
    errorsKey = bulkBlobKeys.errors(input.tenantId, input.operationId);
    const rows = errors.map(([file, message]) => [neutraliseCell(file ?? ''), message ?? '']);
    await deps.blobs.putBuffer(
      errorsKey,
      stringify([['File', 'Error Message'], ...rows], { record_delimiter: 'windows' }),
    );
  }
  return {
    outcome: 'staged',
    total,
    valid: staged.length,
    failed: errors.length,
    batches,
    ...(errorsKey ? { errorsKey } : {}),
  };
}

/**
 * Streams one batch of WAV entries into the blob store and records them; an existing name is replaced. Heartbeats on
 * a timer. Cancellation is checked before each entry; an entry's blob and its record are one unit: a blob write
 * under way when the cancellation arrives fails (guarded store) and its record is not touched, a blob written is
 * always recorded.
 */
export async function applyAudioBatch(
  deps: { db: Database; blobs: BlobStore },
  input: { tenantId: string; operationId: string; uploadKey: string; batch: number },
): Promise<{ rows: number }> {
  return withHeartbeat((heartbeat) =>
    applyAudioAttempt({ db: deps.db, blobs: heartbeat.blobs(deps.blobs) }, heartbeat, input),
  );
}

async function applyAudioAttempt(
  deps: { db: Database; blobs: BlobStore },
  heartbeat: Heartbeat,
  input: { tenantId: string; operationId: string; uploadKey: string; batch: number },
): Promise<{ rows: number }> {
  const text = await readBlobText(deps.blobs, bulkBlobKeys.stagedBatch(input.tenantId, input.operationId, input.batch));
  const wanted = new Map(
    text.split('\n').map((line) => {
      const row = JSON.parse(line) as StagedAudio;
      return [row.entry, row.name] as const;
    }),
  );
  let rows = 0;
  await forEachZipEntry({ blobs: deps.blobs, key: input.uploadKey }, AUDIO_ZIP_LIMITS, async (entry, open) => {
    const name = wanted.get(entry.name);
    if (!name) return;
    heartbeat.check();
    const blobKey = bulkBlobKeys.audio(input.tenantId, name);
    const { bytes } = await deps.blobs.put(blobKey, await open());
    const now = new Date();
    await deps.db.audioFiles.updateOne(
      { tenantId: input.tenantId, name },
      {
        $set: {
          blobKey,
          sizeBytes: bytes,
          contentType: 'audio/wav',
          sourcePath: entry.name,
          lastOperationId: input.operationId,
          updatedAt: now,
        },
        $setOnInsert: { createdAt: now },
      },
      { upsert: true },
    );
    rows += 1;
    heartbeat.progress({ written: rows });
  });
  return { rows };
}
