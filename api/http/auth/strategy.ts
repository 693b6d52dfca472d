import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ServiceError } from '../../../domain/errors';
import type { Tenant } from '../../context';

/**
 * One way of proving who the caller is. A route group lists the strategies it accepts; the first one whose
 * credentials the request carries decides (a wrong credential is never retried with another strategy).
 */
export interface AuthStrategy {
  /** How a client sends this credential, for error messages: `"Authorization: Bearer <api key>"`. */
  describe: string;
  /** Whether the request carries this strategy's credential (its Authorization scheme, its query parameters). */
  applies(req: Request): boolean;
  /** The caller's tenant; throws a ServiceError (401 or the protocol's own code) when the credential is wrong. */
  authenticate(req: Request): Promise<Tenant>;
}

/** Middleware that authenticates a tenant with the first applicable strategy and puts it in `res.locals.tenant`. */
export function tenantAuthentication(strategies: readonly AuthStrategy[]): RequestHandler {
  const accepted = strategies.map((strategy) => strategy.describe).join(' or ');
  return (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve()
      .then(async () => {
        const strategy = strategies.find((candidate) => candidate.applies(req));
        if (!strategy) {
          throw new ServiceError(
            'unauthorized',
            req.headers.authorization
              ? `Authorization header must be ${accepted}.`
              : `Missing Authorization header; send ${accepted}.`,
          );
        }
        const tenant = await strategy.authenticate(req);
        res.locals.tenant = tenant;
        req.log = req.log.child({ tenantId: tenant.id });
      })
      .then(() => next(), next);
  };
}

/** What a route group's routes may require. */
export interface AuthHooks {
  tenant: RequestHandler;
  admin: RequestHandler;
}
