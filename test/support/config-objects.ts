import type { StoredObject } from '../../db/bulk/config-chunks';
import { configObjectChunks } from '../../db/bulk/config-objects';
import type { Database } from '../../db/connection';
import type { ObjectTypeId } from '../../domain/bulk/object-type-ids';

/** Every stored object of a tenant's type, in key order, read the way the exporter reads them. */
export async function storedObjects(db: Database, tenantId: string, type: ObjectTypeId): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  for await (const chunk of configObjectChunks(db.config, tenantId, type)) objects.push(...chunk);
  return objects;
}
