import { z } from 'zod';
import { describeObjectType, findObjectType, OBJECT_TYPE_IDS, OBJECT_TYPES } from '../../domain/bulk/catalog';
import { templateHeader } from '../../domain/bulk/headers';
import { stringify } from 'csv-stringify/sync';
import { ServiceError } from '../../domain/errors';
import { defineRoute } from '../http/route';

const columnSchema = z
  .object({
    header: z.string(),
    kind: z.string(),
    required: z.boolean(),
    multi: z.boolean().optional(),
    values: z.array(z.string()).optional(),
    references: z.string().optional(),
    description: z.string(),
  })
  .catchall(z.unknown());
const objectTypeSchema = z
  .object({
    id: z.enum(OBJECT_TYPE_IDS),
    label: z.string(),
    description: z.string(),
    format: z.enum(['csv', 'audio-zip']),
    key: z.array(z.string()),
    dependsOn: z.array(z.string()),
    columns: z.array(columnSchema),
  })
  .catchall(z.unknown());

const typeParams = z.object({ type: z.string() });

export function bulkCatalogRoutes() {
  const described = OBJECT_TYPES.map(describeObjectType);
  return [
    defineRoute({
      method: 'get',
      path: '/v1/bulk/object-types',
      summary: 'The catalog of configuration object types, in a dependency-respecting import order',
      tags: ['bulk'],
      auth: 'tenant',
      responses: { 200: { description: 'Catalog', schema: z.object({ items: z.array(objectTypeSchema) }) } },
      async handler({ res }) {
        res.json({ items: described });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/bulk/object-types/:type/template',
      summary: 'The import template of an object type: its header row only',
      tags: ['bulk'],
      auth: 'tenant',
      params: typeParams,
      responses: { 200: { description: 'CSV header row', contentType: 'text/csv', schema: z.string() } },
      async handler({ res, params }) {
        const spec = findObjectType(params.type);
        if (!spec)
          throw new ServiceError('notFound', `Unknown object type "${params.type}"; see GET /v1/bulk/object-types`);
        if (spec.format !== 'csv') {
          throw new ServiceError(
            'templateNotAvailable',
            `${spec.label} are imported as a ZIP of .wav files; there is no CSV template`,
          );
        }
        res.type('text/csv; charset=utf-8').attachment(`${spec.id}-template.csv`);
        res.send(stringify([templateHeader(spec)], { record_delimiter: 'windows' }));
      },
    }),
  ];
}
