/**
 * What every OutboundBot action shares: parameter types as the official SDK writes them (everything is a string in
 * the query: `All=True`, `PageSize=20`), repeat lists, and the ownership checks (`NotExist.Instance` for an unknown
 * or another tenant's instance, everywhere).
 */
import type { Request } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/connection';
import { ServiceError } from '../../domain/errors';
import type { InstanceRecord, JobGroupRecord } from '../../domain/outbound/resources';
import { repeatList, rpcParams } from '../http/rpc';

/** Python writes `True` / `False`; others `true` / `false`. */
export const rpcBoolean = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false']))
  .transform((text) => text === 'true');

export const rpcInt = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const rpcId = z.string().trim().min(1).max(256);

/** A `Name.N` repeat list of the request (query and form body), at most `max` values. */
export const listParam = (req: Request, name: string, max = 99): string[] => repeatList(rpcParams(req), name, max);

/** A JSON-valued parameter (`StrategyJson`, `JobsJson.N`, …): a parse error names the parameter. */
export function jsonParam(name: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const why = error instanceof Error ? error.message : 'not JSON';
    throw new ServiceError('validationFailed', `The specified parameter ${name} is invalid: ${why}.`);
  }
}

/** Validates a JSON parameter with its schema; the first issue names the parameter and the field inside it. */
export function parseJsonParam<S extends z.ZodType>(name: string, text: string, schema: S): z.infer<S> {
  const parsed = schema.safeParse(jsonParam(name, text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const inner = issue?.path.length ? `.${issue.path.join('.')}` : '';
    throw new ServiceError(
      'validationFailed',
      `The specified parameter ${name}${inner} is invalid: ${issue?.message ?? 'invalid'}.`,
    );
  }
  return parsed.data;
}

export async function requireInstance(db: Database, tenantId: string, instanceId: string): Promise<InstanceRecord> {
  const instance = await db.outbound.instances.get(tenantId, instanceId);
  if (!instance) {
    throw new ServiceError('instanceNotFound', `The specified Instance does not exist: ${instanceId}.`);
  }
  return instance;
}

/** The job group, which must belong to the instance (checked first). */
export async function requireJobGroup(
  db: Database,
  tenantId: string,
  instanceId: string,
  jobGroupId: string,
): Promise<JobGroupRecord> {
  await requireInstance(db, tenantId, instanceId);
  const group = await db.outbound.groups.get(tenantId, jobGroupId);
  if (!group || group.instanceId !== instanceId) {
    throw new ServiceError('jobGroupNotFound', `The specified JobGroup does not exist: ${jobGroupId}.`);
  }
  return group;
}
