import busboy from 'busboy';
import type { Request } from 'express';
import { BlobTooLargeError, type BlobStore } from '../../storage/blob-store';
import { ServiceError } from '../../domain/errors';

export interface UploadedFile {
  key: string;
  originalName: string;
  bytes: number;
}

export interface MultipartResult {
  fields: Record<string, string>;
  file?: UploadedFile;
}

/**
 * Streams a multipart/form-data body: text fields are collected, the single `file` part is piped straight into the
 * blob store (never buffered) and cut off at `maxBytes(fieldsSoFar)` bytes — fields sent before the file (as
 * browsers and curl do) choose the limit. Any failure deletes the partial blob.
 */
export async function readMultipart(
  req: Request,
  blobs: BlobStore,
  options: {
    fileKey: (originalName: string) => string;
    maxBytes: (fields: Record<string, string>, originalName: string) => { bytes: number; rule: string };
  },
): Promise<MultipartResult> {
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
    throw new ServiceError(
      'unsupportedMediaType',
      'The request must be multipart/form-data (fields and an optional "file" part).',
    );
  }
  const fields: Record<string, string> = {};
  let file: UploadedFile | undefined;
  let upload: Promise<void> | undefined;
  let failure: unknown;
  const parser = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 64 * 1024 } });

  await new Promise<void>((resolve, reject) => {
    parser.on('field', (name: string, value: string) => {
      fields[name] = value;
    });
    parser.on('file', (name: string, stream, info: { filename?: string }) => {
      if (name !== 'file' || !info.filename) {
        stream.resume();
        return;
      }
      const originalName = info.filename;
      const key = options.fileKey(originalName);
      const limit = options.maxBytes({ ...fields }, originalName);
      const maxBytes = limit.bytes;
      upload = blobs.put(key, stream, { maxBytes }).then(
        ({ bytes }) => {
          file = { key, originalName, bytes };
        },
        async (error: unknown) => {
          stream.resume();
          await blobs.delete(key);
          failure =
            error instanceof BlobTooLargeError
              ? new ServiceError('payloadTooLarge', `The file "${originalName}" is too large: ${limit.rule}.`, {
                  limitBytes: maxBytes,
                })
              : error;
        },
      );
    });
    parser.on('filesLimit', () => {
      failure = new ServiceError('badRequest', 'Send exactly one "file" part.');
    });
    parser.on('error', reject);
    parser.on('close', resolve);
    req.pipe(parser);
  }).catch((error: unknown) => {
    failure = failure ?? new ServiceError('badRequest', `Malformed multipart body: ${String(error)}`);
  });
  await upload;
  if (failure) {
    if (file) await blobs.delete(file.key);
    throw failure;
  }
  return { fields, ...(file ? { file } : {}) };
}
