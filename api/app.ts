import { randomUUID } from 'node:crypto';
import express, { type Request } from 'express';
import { pinoHttp } from 'pino-http';
import type { ApiDeps } from './context';
import { authHooks } from './http/auth/bearer';
import { errorHandler, notFoundHandler } from './http/errors';
import { buildOpenApiDocument } from './http/openapi';
import { type AnyRoute, mountRoutes } from './http/route';
import { bulkCatalogRoutes } from './bulk/catalog';
import { bulkOperationRoutes } from './bulk/operations';
import { configObjectRoutes } from './bulk/config-objects';
import { healthRoutes } from './system/health';
import { systemRoutes } from './system/pings';
import { tenantRoutes } from './tenants';

/** Composes the API: one route list per capability, shared middleware, problem+json errors. */
export function createApp(deps: ApiDeps): express.Express {
  const routes: AnyRoute[] = [
    ...healthRoutes(deps),
    ...tenantRoutes(deps),
    ...systemRoutes(deps),
    ...bulkCatalogRoutes(),
    ...bulkOperationRoutes(deps),
    ...configObjectRoutes(deps),
  ];
  const openApiDocument = buildOpenApiDocument(routes);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => (req as Request).url === '/healthz' },
    }),
  );
  app.use(express.json({ limit: '1mb' }));
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  const router = express.Router();
  mountRoutes(router, routes, authHooks(deps));
  app.use(router);
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
