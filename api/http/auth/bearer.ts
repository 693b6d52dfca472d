import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { resolveApiKey } from '../../../db/api-keys';
import type { Database } from '../../../db/connection';
import type { Config } from '../../../domain/config';
import { ServiceError } from '../../../domain/errors';
import type { AuthStrategy } from './strategy';

const BEARER = /^Bearer\s+(\S+)$/i;

/** The native API key: `Authorization: Bearer <api key>`; only the key's SHA-256 is stored. */
export function bearerApiKey(db: Database): AuthStrategy {
  return {
    describe: '"Bearer <api key>"',
    applies: (req) => /^Bearer\s/i.test(req.headers.authorization ?? ''),
    async authenticate(req) {
      const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
      if (!token) throw new ServiceError('unauthorized', 'Authorization header must be "Bearer <api key>".');
      const tenant = await resolveApiKey(db, token);
      if (!tenant) throw new ServiceError('unauthorized', 'The API key is not valid.');
      return tenant;
    },
  };
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The operator's key (CCFLOW_ADMIN_KEY) for tenant administration; native API only. */
export function adminKeyGuard(config: Pick<Config, 'CCFLOW_ADMIN_KEY'>): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    try {
      const header = req.headers.authorization;
      if (!header) {
        throw new ServiceError(
          'unauthorized',
          'Missing Authorization header; send "Authorization: Bearer <admin key>".',
        );
      }
      const token = BEARER.exec(header)?.[1];
      if (!token) throw new ServiceError('unauthorized', 'Authorization header must be "Bearer <admin key>".');
      if (!config.CCFLOW_ADMIN_KEY) {
        throw new ServiceError('forbidden', 'Tenant administration is disabled: CCFLOW_ADMIN_KEY is not set.');
      }
      if (!sameSecret(token, config.CCFLOW_ADMIN_KEY)) {
        throw new ServiceError('unauthorized', 'The admin key is not valid.');
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}
