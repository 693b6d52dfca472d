import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { NextFunction, Request, Response, Router } from 'express';
import type { AuthHooks } from './auth/strategy';
import { type z } from 'zod';
import { ServiceError } from '../../domain/errors';
import type { Tenant } from '../context';
import { problemSchema } from './envelopes/problem-schema';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyObject = z.ZodObject;

export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

export interface RouteContext<B, Q, P> {
  req: Request;
  res: Response;
  body: B;
  query: Q;
  params: P;
  tenant: Tenant;
}

/**
 * One declaration per endpoint: zod schemas validate the request at the boundary AND feed /openapi.json,
 * so the documentation cannot drift from what the server accepts.
 */
export interface RouteDefinition<B extends z.ZodType, Q extends AnyObject, P extends AnyObject> {
  method: Method;
  path: string; // express syntax, e.g. /v1/bulk/operations/:id
  /** A custom verb after the last segment (Google API style, as Azure uses): `verb: 'cancel'` serves `…/{id}:cancel`. */
  verb?: string;
  summary: string;
  tags: string[];
  auth: 'tenant' | 'admin' | 'none';
  body?: B;
  bodyContentType?: string; // for non-JSON bodies documented but parsed by the handler (multipart)
  query?: Q;
  params?: P;
  responses: Record<number, RouteResponse>;
  handler: (ctx: RouteContext<z.infer<B>, z.infer<Q>, z.infer<P>>) => Promise<void>;
}

export type AnyRoute = RouteDefinition<z.ZodType, AnyObject, AnyObject>;

export function defineRoute<
  B extends z.ZodType = z.ZodUnknown,
  Q extends AnyObject = AnyObject,
  P extends AnyObject = AnyObject,
>(definition: RouteDefinition<B, Q, P>): AnyRoute {
  return definition as unknown as AnyRoute;
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query' | 'path'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    in: where,
    field: issue.path.join('.') || undefined,
    message: issue.message,
  }));
  const summary = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
  throw new ServiceError('validationFailed', `Invalid request ${where}: ${summary}`, { errors });
}

export function mountRoutes(router: Router, routes: readonly AnyRoute[], authenticate: AuthHooks): void {
  for (const route of routes) {
    const guard = route.auth === 'tenant' ? authenticate.tenant : route.auth === 'admin' ? authenticate.admin : pass;
    router[route.method](expressPath(route), guard, async (req: Request, res: Response) => {
      const body = route.body && !route.bodyContentType ? parseOrThrow(route.body, req.body ?? {}, 'body') : undefined;
      const query = route.query ? parseOrThrow(route.query, req.query, 'query') : {};
      const params = route.params ? parseOrThrow(route.params, req.params, 'path') : {};
      await route.handler({ req, res, body, query, params, tenant: res.locals.tenant as Tenant });
    });
  }
}

const pass = (_req: Request, _res: Response, next: NextFunction): void => next();

/** `:verb` is part of the last segment: Express needs the colon escaped so it is not read as a parameter. */
const expressPath = (route: AnyRoute): string => (route.verb ? `${route.path}\\:${route.verb}` : route.path);

const openApiPath = (route: AnyRoute): string =>
  route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}') + (route.verb ? `:${route.verb}` : '');

export function registerOpenApi(registry: OpenAPIRegistry, routes: readonly AnyRoute[]): void {
  for (const route of routes) {
    const responses: RouteConfig['responses'] = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const contentType = response.contentType ?? 'application/json';
      responses[status] = response.schema
        ? { description: response.description, content: { [contentType]: { schema: response.schema } } }
        : { description: response.description };
    }
    responses.default = {
      description: 'Error (RFC 9457 problem details)',
      content: { 'application/problem+json': { schema: problemSchema } },
    };
    const request: RouteConfig['request'] = {};
    if (route.params) request.params = route.params;
    if (route.query) request.query = route.query;
    if (route.body) {
      request.body = { content: { [route.bodyContentType ?? 'application/json']: { schema: route.body } } };
    }
    registry.registerPath({
      method: route.method,
      path: openApiPath(route),
      summary: route.summary,
      tags: route.tags,
      security: route.auth === 'none' ? [] : [{ [route.auth === 'admin' ? 'adminKey' : 'apiKey']: [] }],
      request,
      responses,
    });
  }
}
