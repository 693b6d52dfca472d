import type { Readable } from 'node:stream';
import busboy, { type Busboy } from 'busboy';
import type { Request } from 'express';
import { ServiceError } from '../../domain/errors';
import { BlobTooLargeError, type BlobStore } from '../../storage/blob-store';

export interface UploadedFile {
  key: string;
  originalName: string;
  bytes: number;
}

export interface MultipartResult {
  fields: Record<string, string>;
  file?: UploadedFile;
}

export interface MultipartOptions {
  fileKey: (originalName: string) => string;
  maxBytes: (fields: Record<string, string>, originalName: string) => { bytes: number; rule: string };
}

function createParser(req: Request): Busboy {
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
    throw new ServiceError(
      'unsupportedMediaType',
      'The request must be multipart/form-data (fields and an optional "file" part).',
    );
  }
  try {
    return busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 64 * 1024 } });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ServiceError(
      'badRequest',
      /boundary/i.test(reason)
        ? 'The Content-Type multipart/form-data has no boundary parameter (multipart/form-data; boundary=…).'
        : `Malformed multipart body: ${reason}`,
    );
  }
}

/**
 * Streams a multipart/form-data body: text fields are collected, the single `file` part is piped straight into the
 * blob store (never buffered) and cut off at `maxBytes(fieldsSoFar)` bytes — fields sent before the file (as
 * browsers and curl do) choose the limit.
 *
 * It settles as soon as the outcome is known, without waiting for the rest of the body: a file over its limit, a
 * malformed body or a client that goes away ends the read at once (the error handler then answers with
 * `Connection: close` and discards what is still arriving). Whatever the outcome, a failed read leaves nothing in
 * the blob store: the partial blob is deleted before the promise rejects.
 */
export function readMultipart(req: Request, blobs: BlobStore, options: MultipartOptions): Promise<MultipartResult> {
  const parser = createParser(req);
  const fields: Record<string, string> = {};
  let file: UploadedFile | undefined;
  let fileStream: Readable | undefined;
  let upload: Promise<void> | undefined;
  let settled = false;

  return new Promise<MultipartResult>((resolve, reject) => {
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      parser.removeAllListeners();
      parser.on('error', () => undefined); // late parser errors have nowhere to go
      fileStream?.destroy();
      void (async () => {
        await upload?.catch(() => undefined);
        if (file) await blobs.delete(file.key);
        reject(error);
      })();
    };
    const succeed = (): void => {
      if (settled) return;
      void (async () => {
        await upload;
        if (settled) return;
        settled = true;
        resolve({ fields, ...(file ? { file } : {}) });
      })().catch(fail);
    };

    parser.on('field', (name: string, value: string) => {
      fields[name] = value;
    });
    parser.on('file', (name: string, stream: Readable, info: { filename?: string }) => {
      if (name !== 'file' || !info.filename || upload) {
        stream.resume();
        return;
      }
      fileStream = stream;
      const originalName = info.filename;
      const key = options.fileKey(originalName);
      const limit = options.maxBytes({ ...fields }, originalName);
      upload = blobs.put(key, stream, { maxBytes: limit.bytes }).then(
        ({ bytes }) => {
          file = { key, originalName, bytes };
        },
        (error: unknown) => {
          fail(
            error instanceof BlobTooLargeError
              ? new ServiceError('payloadTooLarge', `The file "${originalName}" is too large: ${limit.rule}.`, {
                  limitBytes: limit.bytes,
                })
              : settled
                ? error
                : new ServiceError('badRequest', `The upload of "${originalName}" failed: ${String(error)}`),
          );
          throw error;
        },
      );
      upload.catch(() => undefined);
    });
    parser.on('filesLimit', () => fail(new ServiceError('badRequest', 'Send exactly one "file" part.')));
    parser.on('error', (error: unknown) =>
      fail(
        new ServiceError(
          'badRequest',
          `Malformed multipart body: ${error instanceof Error ? error.message : String(error)}`,
        ),
      ),
    );
    parser.on('close', succeed);
    // A client that closes (or half-closes) before its declared body is complete never lets the parser finish.
    req.on('close', () => {
      if (!req.complete) fail(new ServiceError('badRequest', 'The request body ended before it was complete.'));
    });
    req.on('error', () => fail(new ServiceError('badRequest', 'The request body could not be read to its end.')));
    req.pipe(parser);
  });
}
