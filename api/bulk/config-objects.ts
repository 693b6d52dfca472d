import { z } from 'zod';
import type { StoredObject } from '../../db/bulk/config-chunks';
import { readConfigObject, readConfigPage } from '../../db/bulk/config-objects';
import { findObjectType } from '../../domain/bulk/catalog';
import { dialectFor } from '../../domain/bulk/dialects';
import { ServiceError } from '../../domain/errors';
import type { ApiDeps } from '../context';
import { decodeCursor, pageQuerySchema, toPage } from '../http/pagination';
import { defineRoute } from '../http/route';

const configObjectSchema = z.object({
  type: z.string(),
  key: z.string(),
  data: z.record(z.string(), z.unknown()),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
const audioFileSchema = z.object({
  name: z.string(),
  sizeBytes: z.number().int(),
  contentType: z.string(),
  sourcePath: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  links: z.object({ content: z.string() }),
});
const pageQuery = pageQuerySchema(100, 500);
const keyCursor = z.tuple([z.string()]);

function csvType(type: string) {
  const spec = findObjectType(type);
  if (!spec || spec.format !== 'csv') {
    throw new ServiceError('notFound', `Unknown configuration object type "${type}"; see GET /v1/bulk/object-types`);
  }
  return spec;
}

/** Fields holding secret hashes (GAX passwords) are never served, not even hashed. */
function secretFieldsOf(type: string): ReadonlySet<string> {
  return new Set((dialectFor(type)?.secretFields ?? []).map((secret) => secret.hashField));
}

function configView(type: string) {
  const hidden = secretFieldsOf(type);
  const visible = (data: Record<string, unknown>) =>
    hidden.size === 0 ? data : Object.fromEntries(Object.entries(data).filter(([field]) => !hidden.has(field)));
  return (object: StoredObject) => ({
    type,
    key: object.key,
    data: visible(object.data),
    version: object.version,
    createdAt: object.createdAt,
    updatedAt: object.updatedAt,
  });
}

/** Read access to what bulk imports wrote: configuration objects by type and key, audio files by name. */
export function configObjectRoutes({ db, blobs }: ApiDeps) {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/config/:type',
      summary: 'Configuration objects of one type, in key order',
      tags: ['config'],
      auth: 'tenant',
      params: z.object({ type: z.string() }),
      query: pageQuery,
      responses: {
        200: {
          description: 'A page',
          schema: z.object({ items: z.array(configObjectSchema), nextCursor: z.string().optional() }),
        },
      },
      async handler({ res, params, query, tenant }) {
        const spec = csvType(params.type);
        const afterKey = query.cursor ? decodeCursor(query.cursor, keyCursor)[0] : undefined;
        const page = await readConfigPage(db.config, tenant.id, spec.id, { afterKey, limit: query.limit + 1 });
        res.json(toPage(page.objects, query.limit, configView(spec.id), (object) => [object.key]));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/config/:type/:key',
      summary: 'One configuration object by key (URL-encode composite keys: teams are Site%2FTeam)',
      tags: ['config'],
      auth: 'tenant',
      params: z.object({ type: z.string(), key: z.string() }),
      responses: { 200: { description: 'The object', schema: configObjectSchema } },
      async handler({ res, params, tenant }) {
        const spec = csvType(params.type);
        const object = await readConfigObject(db.config, tenant.id, spec.id, params.key);
        if (!object) throw new ServiceError('notFound', `${spec.label} "${params.key}" not found`);
        res.json(configView(spec.id)(object));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audio-files',
      summary: 'Audio files, in name order',
      tags: ['config'],
      auth: 'tenant',
      query: pageQuery,
      responses: {
        200: {
          description: 'A page',
          schema: z.object({ items: z.array(audioFileSchema), nextCursor: z.string().optional() }),
        },
      },
      async handler({ res, query, tenant }) {
        const filter: Record<string, unknown> = { tenantId: tenant.id };
        if (query.cursor) filter.name = { $gt: decodeCursor(query.cursor, keyCursor)[0] };
        const docs = await db.audioFiles
          .find(filter)
          .sort({ name: 1 })
          .limit(query.limit + 1)
          .lean();
        res.json(
          toPage(
            docs,
            query.limit,
            (doc) => ({
              name: doc.name,
              sizeBytes: doc.sizeBytes,
              contentType: doc.contentType,
              sourcePath: doc.sourcePath,
              createdAt: doc.createdAt.toISOString(),
              updatedAt: doc.updatedAt.toISOString(),
              links: { content: `/v1/audio-files/${encodeURIComponent(doc.name)}` },
            }),
            (doc) => [doc.name],
          ),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audio-files/:name',
      summary: 'The WAV bytes of one audio file',
      tags: ['config'],
      auth: 'tenant',
      params: z.object({ name: z.string() }),
      responses: { 200: { description: 'WAV audio', contentType: 'audio/wav', schema: z.string() } },
      async handler({ res, params, tenant }) {
        const doc = await db.audioFiles.findOne({ tenantId: tenant.id, name: params.name }).lean();
        if (!doc) throw new ServiceError('notFound', `Audio file "${params.name}" not found`);
        res.type('audio/wav').setHeader('Content-Length', String(doc.sizeBytes));
        blobs.get(doc.blobKey).pipe(res);
      },
    }),
  ];
}
