import express, { type Express, type Request, type RequestHandler } from 'express';
import type { AuthHooks } from './auth/strategy';
import type { ErrorEnvelope } from './envelopes/envelope';
import { errorHandlerFor, notFoundFor } from './errors';
import { type AnyRoute, mountRoutes } from './route';
import { type RpcDispatcher, rpcHandler } from './rpc';

/**
 * A wire protocol's corner of the server: the requests it owns, how it parses bodies, how it authenticates tenants,
 * how it writes errors, and its routes (paths, or RPC actions on one path). The native API, the Azure Job Router API
 * and the Alibaba RPC API are three groups; a request is served by exactly one of them.
 */
export interface RouteGroup {
  name: string;
  /** Path prefix the group owns (`/routing`), or `/` with `owns` narrowing it. */
  prefix: string;
  /** Narrows ownership beyond the prefix (the RPC group owns `/` only when an action is named). */
  owns?: (req: Request) => boolean;
  envelope: ErrorEnvelope;
  parsers: RequestHandler[];
  /** Checks every request of the group must pass before its route runs (e.g. `api-version`). */
  preconditions?: RequestHandler[];
  authenticate: AuthHooks;
  routes: AnyRoute[];
  rpc?: RpcDispatcher;
}

/** Mounts the groups in order: more specific owners first, the native API (owner of everything else) last. */
export function mountRouteGroups(app: Express, groups: readonly RouteGroup[]): void {
  for (const group of groups) {
    const router = express.Router();
    router.use(...group.parsers);
    for (const precondition of group.preconditions ?? []) router.use(precondition);
    mountRoutes(router, group.routes, group.authenticate);
    if (group.rpc) router.all('/', group.authenticate.tenant, rpcHandler(group.rpc));
    router.use(notFoundFor(group.envelope));
    router.use(errorHandlerFor(group.envelope));
    const owns = group.owns;
    app.use(group.prefix, owns ? (req, res, next) => (owns(req) ? router(req, res, next) : next()) : router);
  }
}
