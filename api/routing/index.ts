import { bearerApiKey } from '../http/auth/bearer';
import { tenantAuthentication } from '../http/auth/strategy';
import { requireApiVersion } from '../http/api-version';
import { bodyParsers } from '../http/body-parsers';
import { azureEnvelope } from '../http/envelopes/azure';
import type { RouteGroup } from '../http/route-group';
import { ServiceError } from '../../domain/errors';
import type { ApiDeps } from '../context';

export const ROUTER_API_VERSION = '2023-11-01';

/**
 * The Azure Communication Services Job Router API (`/routing/…`, api-version 2023-11-01): Azure's error shape,
 * merge-patch bodies, `:verb` actions. Its operations arrive with the job routing issue; today every path answers
 * an Azure-shaped 404. Tenants authenticate with their API key; the ACS HMAC strategy (api/http/auth/acs-hmac.ts)
 * joins when tenants can create ACS access keys.
 */
export function routingGroup({ db }: ApiDeps): RouteGroup {
  return {
    name: 'routing',
    prefix: '/routing',
    envelope: azureEnvelope,
    parsers: [bodyParsers.jsonAndMergePatch()],
    preconditions: [requireApiVersion(ROUTER_API_VERSION)],
    authenticate: {
      tenant: tenantAuthentication([bearerApiKey(db)]),
      admin: (_req, _res, next) => next(new ServiceError('forbidden', 'The router API has no administrative routes.')),
    },
    routes: [],
  };
}
