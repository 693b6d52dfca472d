import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { resolveApiKey } from '../../../db/api-keys';
import { ServiceError } from '../../../domain/errors';
import type { ApiDeps } from '../../context';
import type { AuthHooks } from '../route';

function bearerToken(req: Request): string {
  const header = req.headers.authorization;
  if (!header)
    throw new ServiceError('unauthorized', 'Missing Authorization header; send "Authorization: Bearer <api key>".');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw new ServiceError('unauthorized', 'Authorization header must be "Bearer <api key>".');
  return match[1];
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function authHooks({ db, config }: Pick<ApiDeps, 'db' | 'config'>): AuthHooks {
  return {
    tenant(req: Request, res: Response, next: NextFunction) {
      Promise.resolve()
        .then(async () => {
          const tenant = await resolveApiKey(db, bearerToken(req));
          if (!tenant) throw new ServiceError('unauthorized', 'The API key is not valid.');
          res.locals.tenant = tenant;
          req.log = req.log.child({ tenantId: tenant.id });
        })
        .then(() => next(), next);
    },
    admin(req: Request, _res: Response, next: NextFunction) {
      try {
        const token = bearerToken(req);
        if (!config.CCFLOW_ADMIN_KEY) {
          throw new ServiceError('forbidden', 'Tenant administration is disabled: CCFLOW_ADMIN_KEY is not set.');
        }
        if (!sameSecret(token, config.CCFLOW_ADMIN_KEY))
          throw new ServiceError('unauthorized', 'The admin key is not valid.');
        next();
      } catch (error) {
        next(error);
      }
    },
  };
}
