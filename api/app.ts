import { randomUUID } from 'node:crypto';
import express, { type Request } from 'express';
import { pinoHttp } from 'pino-http';
import { bulkRoutes } from './bulk';
import type { ApiDeps } from './context';
import { adminKeyGuard, bearerApiKey } from './http/auth/bearer';
import { tenantAuthentication } from './http/auth/strategy';
import { bodyParsers } from './http/body-parsers';
import { problemEnvelope } from './http/envelopes/problem';
import { redactSerializedRequest } from './http/log-redaction';
import { buildOpenApiDocument } from './http/openapi';
import type { AnyRoute } from './http/route';
import { mountRouteGroups, type RouteGroup } from './http/route-group';
import { outboundGroup } from './outbound';
import { taskOutcomeRoutes } from './outbound/task-outcomes';
import { routingGroup } from './routing';
import { eventSubscriptionRoutes } from './routing/event-subscriptions';
import { healthRoutes } from './system/health';
import { pingRoutes } from './system/pings';
import { tenantRoutes } from './tenants';

/** The native API (`/v1/…`, `/healthz`, …): JSON bodies, Bearer API keys, problem+json errors. */
function nativeGroup(deps: ApiDeps, routes: AnyRoute[]): RouteGroup {
  return {
    name: 'native',
    prefix: '/',
    envelope: problemEnvelope,
    parsers: [bodyParsers.json()],
    authenticate: { tenant: tenantAuthentication([bearerApiKey(deps.db)]), admin: adminKeyGuard(deps.config) },
    routes,
  };
}

/**
 * Composes the API: three wire protocols on one server, each a route group with its own parsers, authentication
 * and error envelope. The RPC group owns `/` only for requests naming an action; the native group owns the rest.
 */
export function createApp(deps: ApiDeps): express.Express {
  const nativeRoutes: AnyRoute[] = [
    ...healthRoutes(deps),
    ...tenantRoutes(deps),
    ...pingRoutes(deps),
    ...bulkRoutes(deps),
    ...eventSubscriptionRoutes(deps),
    ...taskOutcomeRoutes(deps),
  ];
  const openApiDocument = buildOpenApiDocument(nativeRoutes);

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
      // Credentials of all three protocols (Bearer keys, HMAC and RPC signatures, cookies) never reach a log line.
      serializers: { req: redactSerializedRequest },
    }),
  );
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  mountRouteGroups(app, [routingGroup(deps), outboundGroup(deps), nativeGroup(deps, nativeRoutes)]);
  return app;
}
