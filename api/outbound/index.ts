import type { Request } from 'express';
import { ServiceError } from '../../domain/errors';
import type { ApiDeps } from '../context';
import { bearerApiKey } from '../http/auth/bearer';
import { tenantAuthentication } from '../http/auth/strategy';
import { bodyParsers } from '../http/body-parsers';
import { alibabaEnvelope } from '../http/envelopes/alibaba';
import type { RouteGroup } from '../http/route-group';
import { rpcActionOf } from '../http/rpc';

export const OUTBOUND_API_VERSION = '2019-12-26';

/** The RPC endpoint owns the root path only when the request names an action (query `Action` or `x-acs-action`). */
const namesAnAction = (req: Request): boolean => req.path === '/' && rpcActionOf(req) !== undefined;

/**
 * The Alibaba Cloud OutboundBot RPC API (`/?Action=…&Version=2019-12-26`): `{RequestId, Code, Message}` errors in
 * JSON or XML, form bodies, `Name.N` lists. Its actions arrive with the outbound issue; today every action answers
 * `InvalidAction.NotFound`. Tenants authenticate with their API key; the Alibaba signature strategy
 * (api/http/auth/alibaba-signature.ts) joins when tenants can create Alibaba access keys.
 */
export function outboundGroup({ db }: ApiDeps): RouteGroup {
  return {
    name: 'outbound',
    prefix: '/',
    owns: namesAnAction,
    envelope: alibabaEnvelope,
    parsers: [bodyParsers.form()],
    authenticate: {
      tenant: tenantAuthentication([bearerApiKey(db)]),
      admin: (_req, _res, next) =>
        next(new ServiceError('forbidden', 'The outbound API has no administrative actions.')),
    },
    routes: [],
    rpc: { version: OUTBOUND_API_VERSION, actions: [] },
  };
}
