import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Response } from 'express';
import { z } from 'zod';
import { type BulkOperationDoc, listOperations, recordSubmittedOperation } from '../../db/bulk/operations';
import { findObjectType, OBJECT_TYPE_IDS } from '../../domain/bulk/catalog';
import { BULK_LIMITS } from '../../domain/bulk/limits';
import { bulkBlobKeys } from '../../domain/bulk/blob-keys';
import { type BulkWorkflowInput } from '../../domain/bulk/messages';
import { OPERATION_KINDS, OPERATION_STATUSES } from '../../domain/bulk/status';
import { durationMs } from '../../domain/config';
import { ServiceError } from '../../domain/errors';
import { assertNoActiveOperation, liveOperationState, requestCancel, startBulkOperation } from './workflow-client';
import { operationView, operationViewSchema } from './views';
import type { ApiDeps, Tenant } from '../context';
import { readMultipart } from '../http/multipart';
import { decodeCursor, encodeCursor, pageQuerySchema } from '../http/pagination';
import { defineRoute } from '../http/route';

const submissionSchema = z
  .object({
    kind: z.enum(OPERATION_KINDS, { error: 'kind must be "import" or "export"' }),
    objectType: z.string().refine((value) => findObjectType(value) !== undefined, {
      error: (issue) => `unknown object type "${String(issue.input)}"; see GET /v1/bulk/object-types`,
    }),
    fileName: z.string().trim().min(1).max(200).optional(),
    dryRun: z.enum(['true', 'false']).optional(),
  })
  .describe('multipart/form-data fields; `file` is the CSV or ZIP to import');

const multipartBodySchema = submissionSchema.extend({
  file: z
    .string()
    .describe('The CSV (≤ 5000 rows, ≤ 5 MB), a ZIP of CSVs, or (audio-files) a ZIP of .wav files')
    .optional(),
});

const listQuery = z
  .object({
    q: z.string().trim().max(200).optional().describe('Matches the operation id or (case-insensitively) the file name'),
    status: z.enum(OPERATION_STATUSES).optional(),
    kind: z.enum(OPERATION_KINDS).optional(),
    objectType: z.enum(OBJECT_TYPE_IDS).optional(),
  })
  .extend(pageQuerySchema(20, 100).shape);
const idParams = z.object({ id: z.uuid() });

/** Upload limits per object type (Webex: CSV ≤ 5 MB, audio ZIP ≤ 50 MB); applied while the upload streams. */
function uploadLimit(
  objectType: string | undefined,
  fileName: string,
  hardCap: number,
): { bytes: number; rule: string } {
  if (objectType === 'audio-files')
    return { bytes: BULK_LIMITS.maxAudioZipBytes, rule: 'an audio ZIP may be at most 50 MB' };
  if (/\.zip$/i.test(fileName))
    return { bytes: BULK_LIMITS.maxCsvZipBytes, rule: 'a ZIP of CSVs may be at most 50 MB' };
  if (objectType) {
    return {
      bytes: BULK_LIMITS.maxCsvBytes,
      rule: 'a CSV may be at most 5 MB; split it and upload the parts together in one ZIP',
    };
  }
  return { bytes: hardCap, rule: `uploads are limited to ${hardCap} bytes` };
}

const submitterOf = (tenant: Tenant, header: string | undefined): string =>
  header && /^[^\s]{1,200}$/.test(header) ? header : `api-key:${tenant.apiKeyPrefix}`;

/**
 * Operations are listed newest first by walking the tenant's operation index (db/bulk/operation-index.ts); the cursor
 * is a position in that index, `[chunkNo, offset]`, which entries appended later never move.
 */
const operationCursor = z.tuple([z.number().int().min(0), z.number().int().min(0)]);

/**
 * Index entries one list request examines at most. Filters are applied in memory (the store cannot filter without
 * scanning), so a selective filter over a long history would otherwise read all of it; past this many the page ends
 * short, possibly empty, with a `nextCursor` to go on (Azure's and Webex's lists allow short pages with a
 * continuation too). 300 entries are four chunk reads (~4 ms each on FerretDB), which keeps a request that matches
 * nothing within the list's 50 ms p95 (34 ms measured; 500, with longer entries, measured 45–70 ms on 2 cores).
 */
export const LIST_MAX_EXAMINED = 300;
/** Running operations (their entry may lag) read by `_id` at once for one list request. */
const LIST_READ_CONCURRENCY = 8;

const baseName = (doc: Pick<BulkOperationDoc, 'fileName'>): string => doc.fileName.replace(/\.(csv|zip)$/i, '');

export function bulkOperationRoutes({ db, temporal, blobs, config }: ApiDeps) {
  const prefix = config.CCFLOW_TASK_QUEUE_PREFIX;
  /** Operations that ended longer ago are purged or due to be (the retention Schedule runs once a day): not listed. */
  const retentionMs = durationMs(config.CCFLOW_BULK_RETENTION);

  /** By `_id` alone (the one filter FerretDB does not scan for); another tenant's operation is a 404 all the same. */
  async function findOperation(tenantId: string, id: string): Promise<BulkOperationDoc> {
    const doc = await db.bulkOperations.findById(id).lean<BulkOperationDoc>();
    if (!doc || doc.tenantId !== tenantId) throw new ServiceError('notFound', `Bulk operation ${id} not found`);
    return doc;
  }

  const hasEnded = async (operationId: string): Promise<boolean> => {
    const doc = await db.bulkOperations.findById(operationId, { endedAt: 1 }).lean();
    return Boolean(doc?.endedAt);
  };

  /** Streams one of the operation's files as a download. */
  function sendFile(res: Response, key: string, contentType: string, fileName: string): void {
    res.type(contentType).attachment(fileName);
    blobs.get(key).pipe(res);
  }

  async function viewOf(doc: BulkOperationDoc) {
    const active = doc.status === 'new' || doc.status === 'inProgress';
    return operationView(doc, active ? await liveOperationState(temporal, doc.tenantId, doc._id) : undefined);
  }

  /**
   * Starts the workflow, then records the `new` operation unless the workflow already wrote a newer state.
   * `owned.byWorkflow` turns true once the workflow runs: from then on the uploaded file is the workflow's, and no
   * error on the API's side (a slow or failed read-model write) may delete it.
   */
  async function launch(input: BulkWorkflowInput, owned: { byWorkflow: boolean }): Promise<BulkOperationDoc> {
    await startBulkOperation(temporal, prefix, input, hasEnded);
    owned.byWorkflow = true;
    const { tenantId, operationId, submittedAt, batchSize: _batchSize, ...rest } = input;
    await recordSubmittedOperation(db, { ...rest, tenantId, operationId, createdAt: submittedAt });
    return findOperation(tenantId, operationId);
  }

  return [
    defineRoute({
      method: 'post',
      path: '/v1/bulk/operations',
      summary: 'Submit an import (CSV, ZIP of CSVs, audio ZIP) or an export; one active operation per tenant',
      tags: ['bulk'],
      auth: 'tenant',
      body: multipartBodySchema,
      bodyContentType: 'multipart/form-data',
      responses: { 202: { description: 'Accepted; poll the operation', schema: operationViewSchema } },
      async handler({ req, res, tenant }) {
        await assertNoActiveOperation(temporal, tenant.id, hasEnded);
        const operationId = randomUUID();
        const { fields, file } = await readMultipart(req, blobs, {
          fileKey: (name) => bulkBlobKeys.upload(tenant.id, operationId, /\.zip$/i.test(name) ? 'zip' : 'csv'),
          maxBytes: (known, name) => uploadLimit(known.objectType, name, config.CCFLOW_MAX_UPLOAD_BYTES),
        });
        const owned = { byWorkflow: false };
        try {
          const parsed = submissionSchema.safeParse(fields);
          if (!parsed.success) {
            const errors = parsed.error.issues.map((i) => ({
              in: 'body',
              field: i.path.join('.'),
              message: i.message,
            }));
            throw new ServiceError(
              'validationFailed',
              `Invalid submission: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
              { errors },
            );
          }
          const { kind, objectType } = parsed.data;
          const spec = findObjectType(objectType);
          if (!spec) throw new ServiceError('validationFailed', `unknown object type "${objectType}"`);
          if (kind === 'export' && spec.format !== 'csv') {
            throw new ServiceError(
              'exportNotSupported',
              `${spec.label} cannot be exported; only imported as a ZIP of .wav files`,
            );
          }
          if (kind === 'import' && !file) {
            throw new ServiceError('validationFailed', 'An import needs a "file" part (CSV or ZIP)', {
              errors: [{ in: 'body', field: 'file', message: 'required for kind=import' }],
            });
          }
          if (file) {
            const limit = uploadLimit(objectType, file.originalName, config.CCFLOW_MAX_UPLOAD_BYTES);
            if (file.bytes > limit.bytes) {
              throw new ServiceError(
                'payloadTooLarge',
                `The file "${file.originalName}" is too large: ${limit.rule}.`,
                {
                  limitBytes: limit.bytes,
                },
              );
            }
          }
          const fileName =
            kind === 'import' && file
              ? path.basename(file.originalName)
              : (parsed.data.fileName ?? `${objectType}-export`);
          const doc = await launch(
            {
              tenantId: tenant.id,
              operationId,
              kind,
              objectType: spec.id,
              fileName,
              dryRun: parsed.data.dryRun === 'true',
              submittedBy: submitterOf(tenant, req.header('x-ccflow-user')),
              submittedAt: new Date().toISOString(),
              batchSize: config.CCFLOW_BULK_BATCH_SIZE,
              ...(kind === 'import' && file ? { uploadKey: file.key } : {}),
            },
            owned,
          );
          res.status(202).location(`/v1/bulk/operations/${operationId}`).json(operationView(doc));
        } catch (error) {
          if (file && !owned.byWorkflow) await blobs.delete(file.key);
          throw error;
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/bulk/operations',
      summary: 'List bulk operations, newest first',
      tags: ['bulk'],
      auth: 'tenant',
      query: listQuery,
      responses: {
        200: {
          description: 'A page of operations',
          schema: z.object({ items: z.array(operationViewSchema), nextCursor: z.string().optional() }),
        },
      },
      async handler({ res, query, tenant }) {
        const q = query.q?.toLowerCase();
        const matches = (doc: BulkOperationDoc): boolean =>
          (!query.status || doc.status === query.status) &&
          (!query.kind || doc.kind === query.kind) &&
          (!query.objectType || doc.objectType === query.objectType) &&
          (q === undefined || doc._id === query.q || doc.fileName.toLowerCase().includes(q));
        const from = query.cursor ? decodeCursor(query.cursor, operationCursor) : undefined;
        const page = await listOperations(db, tenant.id, {
          ...(from ? { from: { chunkNo: from[0], offset: from[1] } } : {}),
          limit: query.limit,
          matches,
          endedAfter: new Date(Date.now() - retentionMs),
          maxExamined: LIST_MAX_EXAMINED,
          concurrency: LIST_READ_CONCURRENCY,
          // A filter may skip most entries: read the chunks below in pairs rather than one after the other.
          readAhead: query.status || query.kind || query.objectType || query.q ? 1 : 0,
        });
        res.json({
          items: await Promise.all(page.docs.map(viewOf)),
          ...(page.next ? { nextCursor: encodeCursor([page.next.chunkNo, page.next.offset]) } : {}),
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/bulk/operations/:id',
      summary: 'One bulk operation, with live progress while it runs',
      tags: ['bulk'],
      auth: 'tenant',
      params: idParams,
      responses: { 200: { description: 'The operation', schema: operationViewSchema } },
      async handler({ res, params, tenant }) {
        res.json(await viewOf(await findOperation(tenant.id, params.id)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/bulk/operations/:id/errors',
      summary: 'The error CSV: the failed rows with their original columns plus "Error Message"',
      tags: ['bulk'],
      auth: 'tenant',
      params: idParams,
      responses: { 200: { description: 'CSV', contentType: 'text/csv', schema: z.string() } },
      async handler({ res, params, tenant }) {
        const doc = await findOperation(tenant.id, params.id);
        if (!doc.errorsKey || !(await blobs.exists(doc.errorsKey))) {
          throw new ServiceError(
            'notFound',
            `Bulk operation ${params.id} has no error file (no row failed, or it has not finished validating)`,
          );
        }
        sendFile(res, doc.errorsKey, 'text/csv; charset=utf-8', `${baseName(doc)}-errors.csv`);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/bulk/operations/:id/result',
      summary: 'The exported file (text/csv, or application/zip above 5000 objects)',
      tags: ['bulk'],
      auth: 'tenant',
      params: idParams,
      responses: { 200: { description: 'The export', contentType: 'application/octet-stream', schema: z.string() } },
      async handler({ res, params, tenant }) {
        const doc = await findOperation(tenant.id, params.id);
        if (doc.kind !== 'export')
          throw new ServiceError('notFound', `Bulk operation ${params.id} is an import; it has no result file`);
        if (doc.status !== 'completed' || !doc.resultKey) {
          throw new ServiceError(
            'conflict',
            `Export ${params.id} is ${doc.status}; its file is available once it is completed`,
            { status: doc.status },
          );
        }
        const zip = doc.resultContentType === 'application/zip';
        sendFile(
          res,
          doc.resultKey,
          zip ? 'application/zip' : 'text/csv; charset=utf-8',
          `${baseName(doc)}.${zip ? 'zip' : 'csv'}`,
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/bulk/operations/:id',
      verb: 'retry',
      summary: 'Re-run a failed or completedWithErrors operation from its stored file, as a new operation',
      tags: ['bulk'],
      auth: 'tenant',
      params: idParams,
      responses: { 202: { description: 'The new operation', schema: operationViewSchema } },
      async handler({ req, res, params, tenant }) {
        const original = await findOperation(tenant.id, params.id);
        if (original.status !== 'failed' && original.status !== 'completedWithErrors') {
          throw new ServiceError(
            'notRetryable',
            `Bulk operation ${params.id} is ${original.status}; only failed or completedWithErrors operations can be retried`,
            { status: original.status },
          );
        }
        await assertNoActiveOperation(temporal, tenant.id, hasEnded);
        const operationId = randomUUID();
        let uploadKey: string | undefined;
        if (original.kind === 'import') {
          if (!original.uploadKey || !(await blobs.exists(original.uploadKey))) {
            throw new ServiceError(
              'conflict',
              `The file of bulk operation ${params.id} is no longer stored; submit it again`,
            );
          }
          uploadKey = bulkBlobKeys.upload(tenant.id, operationId, original.uploadKey.endsWith('.zip') ? 'zip' : 'csv');
          await blobs.put(uploadKey, blobs.get(original.uploadKey));
        }
        const owned = { byWorkflow: false };
        try {
          const doc = await launch(
            {
              tenantId: tenant.id,
              operationId,
              kind: original.kind,
              objectType: original.objectType,
              fileName: original.fileName,
              dryRun: original.dryRun,
              submittedBy: submitterOf(tenant, req.header('x-ccflow-user')),
              submittedAt: new Date().toISOString(),
              retryOf: original._id,
              batchSize: config.CCFLOW_BULK_BATCH_SIZE,
              ...(uploadKey ? { uploadKey } : {}),
            },
            owned,
          );
          res.status(202).location(`/v1/bulk/operations/${operationId}`).json(operationView(doc));
        } catch (error) {
          if (uploadKey && !owned.byWorkflow) await blobs.delete(uploadKey);
          throw error;
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/bulk/operations/:id',
      verb: 'cancel',
      summary: 'Stop a running operation after its current batch (status failed, reason "cancelled")',
      tags: ['bulk'],
      auth: 'tenant',
      params: idParams,
      responses: { 202: { description: 'Cancellation requested', schema: operationViewSchema } },
      async handler({ req, res, params, tenant }) {
        const doc = await findOperation(tenant.id, params.id);
        const requested = await requestCancel(
          temporal,
          tenant.id,
          params.id,
          submitterOf(tenant, req.header('x-ccflow-user')),
        );
        if (!requested) {
          throw new ServiceError(
            'notCancellable',
            `Bulk operation ${params.id} is not running (status ${doc.status})`,
            { status: doc.status },
          );
        }
        res.status(202).json(await viewOf(doc));
      },
    }),
  ];
}
