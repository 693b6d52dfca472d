import type { ApiDeps } from '../context';
import type { AnyRoute } from '../http/route';
import { bulkCatalogRoutes } from './catalog';
import { configObjectRoutes } from './config-objects';
import { bulkOperationRoutes } from './operations';

/** Bulk configuration on the native API: the object-type catalog, operations, and what imports wrote. */
export function bulkRoutes(deps: ApiDeps): AnyRoute[] {
  return [...bulkCatalogRoutes(), ...bulkOperationRoutes(deps), ...configObjectRoutes(deps)];
}
