import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { activeSecrets, serverKeyFrom } from '../../db/access-keys';
import type { Database } from '../../db/connection';
import { ServiceError } from '../../domain/errors';
import type { ApiDeps, Tenant } from '../context';
import { requireApiVersion } from '../http/api-version';
import { type AcsAccessKey, acsHmac } from '../http/auth/acs-hmac';
import { bearerApiKey } from '../http/auth/bearer';
import { tenantAuthentication } from '../http/auth/strategy';
import { bodyParsers } from '../http/body-parsers';
import { azureEnvelope } from '../http/envelopes/azure';
import type { RouteGroup } from '../http/route-group';
import { adminRoutes } from './admin';
import { jobRoutes } from './jobs';
import { workerRoutes } from './workers';

import { ROUTER_API_VERSION } from './responses';

export { ROUTER_API_VERSION };

/**
 * The two spellings of a router URL: `/routing/…` (Bearer API key) and `/tenants/{tenantId}/routing/…`, the
 * tenant's endpoint that ACS connection strings name. An HMAC signature does not say which key (or tenant) signed
 * it, and the official client sends nothing else that could; the endpoint path is the one thing it lets the user
 * choose, so it carries the tenant. Group 1 is the tenant prefix, group 2 the tenant id as sent.
 */
const ROUTER_URL = /^(\/tenants\/([^/?#]+))?\/routing(?=[/?:#]|$)/;

/** The tenant endpoint path of a tenant: what `endpoint=` of its connection strings ends with (without the `/`). */
export const routerEndpointPath = (tenantId: string): string => `/tenants/${encodeURIComponent(tenantId)}`;

/** An ACS connection string for a tenant's key: its endpoint (with the trailing `/` ACS uses) and the secret. */
export const acsConnectionString = (publicBaseUrl: string, tenantId: string, secret: string): string =>
  `endpoint=${publicBaseUrl}${routerEndpointPath(tenantId)}/;accesskey=${secret}`;

interface RouterEndpoint {
  /** `/tenants/{tenantId}` as sent, or '' for `/routing/…`. */
  prefix: string;
  tenantId?: string;
}

function endpointOf(url: string): RouterEndpoint | undefined {
  const match = ROUTER_URL.exec(url);
  if (!match) return undefined;
  const [, prefix = '', rawTenant] = match;
  if (rawTenant === undefined) return { prefix };
  try {
    return { prefix, tenantId: decodeURIComponent(rawTenant) };
  } catch {
    return { prefix, tenantId: rawTenant };
  }
}

/**
 * Serves both spellings with the same routes: strips the endpoint prefix and `/routing` from `req.url` (routes are
 * declared relative to `/routing`, e.g. `/jobs/:jobId`) and moves it to `req.baseUrl`, so 404 messages still name
 * the full path. `req.originalUrl` is untouched: the HMAC signature is verified against the URL exactly as sent.
 */
const stripEndpoint: RequestHandler = (req, res, next) => {
  const match = ROUTER_URL.exec(req.url);
  if (match) {
    const rest = req.url.slice(match[0].length);
    req.baseUrl = `${req.baseUrl}${match[0]}`;
    req.url = rest.startsWith('/') ? rest : `/${rest}`;
    res.locals.routerEndpoint = endpointOf(match[0]);
  }
  next();
};

/** The tenant's active ACS keys, decrypted: the candidates acsHmac tries (one `_id` read of the tenant's key list). */
function tenantAcsKeys(db: Database, serverKey: Buffer | undefined) {
  return async (req: Request): Promise<AcsAccessKey[]> => {
    const tenantId = endpointOf(req.originalUrl)?.tenantId;
    if (tenantId === undefined) {
      throw new ServiceError(
        'unauthorized',
        'HMAC-SHA256 requests must be sent to the endpoint of the connection string (…/tenants/{tenantId}/routing/…).',
      );
    }
    if (!serverKey) return [];
    const [tenant, keys] = await Promise.all([
      db.tenants.findById(tenantId).lean(),
      activeSecrets(db, serverKey, tenantId, 'acs'),
    ]);
    if (!tenant) return [];
    return keys.map((key) => ({
      tenant: { id: tenantId, name: tenant.name, apiKeyPrefix: key.id },
      secret: key.secret,
    }));
  };
}

/**
 * What the client signed as "host": the official Python client signs its configured endpoint minus the scheme,
 * path and any trailing slash included, so `127.0.0.1:8080/tenants/t-1/` is as likely as the bare Host header.
 */
function signedHosts(req: Request, host: string): string[] {
  const prefix = endpointOf(req.originalUrl)?.prefix ?? '';
  const hosts = [host, `${host}/`];
  if (prefix) hosts.push(`${host}${prefix}`, `${host}${prefix}/`);
  return hosts;
}

/**
 * The Azure Communication Services Job Router API (`/routing/…`, api-version 2023-11-01): Azure's error shape,
 * merge-patch bodies, `:verb` actions: administration resources (admin.ts), jobs (jobs.ts), workers and offers
 * (workers.ts); any other path answers an Azure-shaped 404. Tenants authenticate
 * with an ACS access key (HMAC-SHA256, on their endpoint `/tenants/{tenantId}/routing/…`) or with their API key
 * (Bearer, on either spelling).
 */
export function routingGroup({ db, config, temporal }: ApiDeps): RouteGroup {
  const serverKey = config.CCFLOW_SECRET_KEY ? serverKeyFrom(config.CCFLOW_SECRET_KEY) : undefined;
  const authenticate = tenantAuthentication([
    acsHmac(tenantAcsKeys(db, serverKey), Date.now, { signedHosts }),
    bearerApiKey(db),
  ]);
  // A Bearer key of one tenant on another tenant's endpoint: that endpoint does not exist for the caller.
  const tenantGuard: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    authenticate(req, res, (error?: unknown) => {
      if (error !== undefined) {
        next(error);
        return;
      }
      const endpoint = res.locals.routerEndpoint as RouterEndpoint | undefined;
      const tenant = res.locals.tenant as Tenant;
      if (endpoint?.tenantId !== undefined && endpoint.tenantId !== tenant.id) {
        next(new ServiceError('notFound', `No router endpoint ${endpoint.prefix} for this credential.`));
        return;
      }
      next();
    });
  };
  return {
    name: 'routing',
    prefix: '/',
    owns: (req) => ROUTER_URL.test(req.url),
    envelope: azureEnvelope,
    parsers: [stripEndpoint, bodyParsers.jsonAndMergePatch()],
    // Every router request is authenticated before routing, as the service does: an unknown path answers 404 only
    // to a caller who may know what exists.
    preconditions: [requireApiVersion(ROUTER_API_VERSION), tenantGuard],
    authenticate: {
      tenant: (req, res, next) => (res.locals.tenant === undefined ? tenantGuard(req, res, next) : next()),
      admin: (_req, _res, next) => next(new ServiceError('forbidden', 'The router API has no administrative routes.')),
    },
    routes: [
      ...adminRoutes({ db, temporal, config }),
      ...jobRoutes({ db, temporal, config }),
      ...workerRoutes({ db, temporal, config }),
    ],
  };
}
