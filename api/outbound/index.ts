import type { Request } from 'express';
import { findAlibabaKey, serverKeyFrom } from '../../db/access-keys';
import { ServiceError } from '../../domain/errors';
import type { ApiDeps } from '../context';
import { alibabaSignature, memoryNonceStore } from '../http/auth/alibaba-signature';
import { bearerApiKey } from '../http/auth/bearer';
import { tenantAuthentication } from '../http/auth/strategy';
import { bodyParsers } from '../http/body-parsers';
import { alibabaEnvelope } from '../http/envelopes/alibaba';
import type { RouteGroup } from '../http/route-group';
import { rpcActionOf } from '../http/rpc';
import { assignActions } from './assign';
import { blockListActions } from './block-list';
import { instanceActions } from './instances';
import { jobControlActions } from './job-controls';
import { jobGroupActions } from './job-groups';
import { jobReadActions } from './jobs';
import { settingsActions } from './settings';

export const OUTBOUND_API_VERSION = '2019-12-26';
/** AssignJobsAsync's form body: 10,000 jobs of a few hundred bytes, URL-encoded. */
const FORM_LIMIT = '32mb';

/** The RPC endpoint owns the root path only when the request names an action (query `Action` or `x-acs-action`). */
const namesAnAction = (req: Request): boolean => req.path === '/' && rpcActionOf(req) !== undefined;

/**
 * The Alibaba Cloud OutboundBot RPC API (`/?Action=…&Version=2019-12-26`, docs/outbound.md): `{RequestId, Code,
 * Message}` errors in JSON or XML, form bodies, `Name.N` lists. Tenants authenticate with an Alibaba access key
 * (V3 `ACS3-HMAC-SHA256` or the V1 query signature) or with their API key (Bearer).
 */
export function outboundGroup(deps: ApiDeps): RouteGroup {
  const { db, config } = deps;
  const serverKey = config.CCFLOW_SECRET_KEY ? serverKeyFrom(config.CCFLOW_SECRET_KEY) : undefined;
  const findKey = async (accessKeyId: string) => {
    if (!serverKey) return undefined;
    const found = await findAlibabaKey(db, serverKey, accessKeyId);
    return (
      found && { tenant: { id: found.tenantId, name: found.tenantId, apiKeyPrefix: accessKeyId }, secret: found.secret }
    );
  };
  return {
    name: 'outbound',
    prefix: '/',
    owns: namesAnAction,
    envelope: alibabaEnvelope,
    parsers: [bodyParsers.form(FORM_LIMIT)],
    authenticate: {
      tenant: tenantAuthentication([alibabaSignature(findKey, memoryNonceStore()), bearerApiKey(db)]),
      admin: (_req, _res, next) =>
        next(new ServiceError('forbidden', 'The outbound API has no administrative actions.')),
    },
    routes: [],
    rpc: {
      version: OUTBOUND_API_VERSION,
      actions: [
        ...instanceActions(deps),
        ...jobGroupActions(deps),
        ...blockListActions(deps),
        ...settingsActions(deps),
        ...assignActions(deps),
        ...jobReadActions(deps),
        ...jobControlActions(deps),
      ],
    },
  };
}
