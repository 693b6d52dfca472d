import type { Request, RequestHandler } from 'express';
import type { z } from 'zod';
import { ServiceError } from '../../domain/errors';
import type { Tenant } from '../context';
import { sendAlibabaBody } from './envelopes/alibaba';

/**
 * Alibaba Cloud RPC style: one path, the action named by the `Action` query parameter or the `x-acs-action` header,
 * the API version by `Version` / `x-acs-version`, parameters from the query string and a form body.
 */
export interface RpcAction<P extends z.ZodType = z.ZodType> {
  name: string;
  summary: string;
  /** Validates the merged parameters (strings; `Name.N` lists stay flat, see `repeatList`). */
  params: P;
  handler(ctx: { req: Request; tenant: Tenant; params: z.infer<P> }): Promise<Record<string, unknown>>;
}

/** Declares an action with its parameter types inferred from its schema (the RPC twin of defineRoute). */
export function defineAction<P extends z.ZodType>(action: RpcAction<P>): RpcAction {
  return action;
}

export interface RpcDispatcher {
  version: string;
  actions: readonly RpcAction[];
}

export const rpcActionOf = (req: Request): string | undefined => {
  const fromQuery = req.query.Action;
  if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery;
  const fromHeader = req.headers['x-acs-action'];
  return typeof fromHeader === 'string' && fromHeader !== '' ? fromHeader : undefined;
};

const versionOf = (req: Request): string | undefined => {
  const fromQuery = req.query.Version;
  if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery;
  const fromHeader = req.headers['x-acs-version'];
  return typeof fromHeader === 'string' ? fromHeader : undefined;
};

/** Query string and form body as one flat map of strings (the body wins only where the query is silent). */
export function rpcParams(req: Request): Record<string, string> {
  const params: Record<string, string> = {};
  const add = (source: unknown): void => {
    if (typeof source !== 'object' || source === null) return;
    for (const [key, value] of Object.entries(source)) {
      if (key in params) continue;
      if (typeof value === 'string') params[key] = value;
      else if (Array.isArray(value) && typeof value[0] === 'string') params[key] = value[0];
    }
  };
  add(req.query);
  add(req.body);
  return params;
}

/**
 * A `Name.N` repeat list (`JobId.1`, `JobId.2`, …): 1-based and contiguous; a gap, or more than `max` entries, is
 * an InvalidParameter naming the offending key.
 */
export function repeatList(params: Record<string, string>, name: string, max = Number.POSITIVE_INFINITY): string[] {
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)$`);
  const byIndex = new Map<number, string>();
  for (const [key, value] of Object.entries(params)) {
    const index = pattern.exec(key)?.[1];
    if (index === undefined) continue;
    if (!/^[1-9]\d*$/.test(index)) {
      throw new ServiceError(
        'validationFailed',
        `The specified parameter ${key} is invalid: ${name}.N counts 1, 2, 3, …`,
      );
    }
    byIndex.set(Number(index), value);
  }
  const values: string[] = [];
  for (let index = 1; index <= byIndex.size; index += 1) {
    const value = byIndex.get(index);
    if (value === undefined) {
      throw new ServiceError(
        'validationFailed',
        `The specified parameter ${name}.${index} is missing: ${name}.N must count 1, 2, 3, … without gaps.`,
      );
    }
    values.push(value);
  }
  if (values.length > max) {
    throw new ServiceError(
      'validationFailed',
      `The specified parameter ${name}.N is invalid: at most ${max} values are accepted, got ${values.length}.`,
    );
  }
  return values;
}

/** The success envelope every action's result travels in (OutboundBot §1.3), as JSON or XML. */
export function rpcHandler(dispatcher: RpcDispatcher): RequestHandler {
  const actions = new Map(dispatcher.actions.map((action) => [action.name, action]));
  return (req, res, next) => {
    Promise.resolve()
      .then(async () => {
        const name = rpcActionOf(req);
        if (!name) throw new ServiceError('missingParameter', 'You must specify parameter Action.');
        const version = versionOf(req);
        if (version !== dispatcher.version) {
          throw new ServiceError(
            'invalidVersion',
            `Specified parameter Version is not valid: expected ${dispatcher.version}, got ${version ?? 'none'}.`,
          );
        }
        const action = actions.get(name);
        if (!action)
          throw new ServiceError(
            'invalidAction',
            `Specified api is not found, please check your url and method: ${name}.`,
          );
        const raw = rpcParams(req);
        const parsed = action.params.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const field = issue?.path.join('.') ?? '';
          const [top] = issue?.path ?? [];
          if (typeof top === 'string' && raw[top] === undefined) {
            throw new ServiceError('missingParameter', `You must specify parameter ${top}.`);
          }
          throw new ServiceError(
            'validationFailed',
            `The specified parameter ${field} is invalid: ${issue?.message ?? 'invalid'}.`,
            {
              errors: parsed.error.issues.map((i) => ({ in: 'query', field: i.path.join('.'), message: i.message })),
            },
          );
        }
        const result = await action.handler({ req, tenant: res.locals.tenant as Tenant, params: parsed.data });
        const body = {
          RequestId: String(req.id),
          Success: true,
          Code: 'OK',
          Message: '',
          HttpStatusCode: 200,
          ...result,
        };
        sendAlibabaBody(req, res, `${name}Response`, body);
      })
      .catch(next);
  };
}
