import type { Database } from '../../db/connection';
import { readConfigSnapshot } from '../../db/bulk/config-objects';
import type { ObjectTypeId } from '../../domain/bulk/catalog';

/** Which keys of which types exist for a tenant; caches answers, asks the database once per batch of unknown keys. */
export class ExistenceIndex {
  private readonly known = new Map<string, Map<string, boolean>>();

  constructor(
    private readonly db: Database,
    private readonly tenantId: string,
  ) {}

  private typeMap(type: ObjectTypeId): Map<string, boolean> {
    let map = this.known.get(type);
    if (!map) {
      map = new Map();
      this.known.set(type, map);
    }
    return map;
  }

  async load(wanted: Iterable<{ type: ObjectTypeId; key: string }>): Promise<void> {
    const missing = new Map<ObjectTypeId, Set<string>>();
    for (const { type, key } of wanted) {
      if (this.typeMap(type).has(key)) continue;
      const set = missing.get(type) ?? new Set<string>();
      set.add(key);
      missing.set(type, set);
    }
    for (const [type, keys] of missing) {
      const list = [...keys];
      const found =
        type === 'audio-files'
          ? (await this.db.audioFiles.find({ tenantId: this.tenantId, name: { $in: list } }, { name: 1 }).lean()).map(
              (doc) => doc.name,
            )
          : [...(await readConfigSnapshot(this.db.config, this.tenantId, type, list)).objects.keys()];
      const map = this.typeMap(type);
      for (const key of list) map.set(key, false);
      for (const key of found) map.set(key, true);
    }
  }

  exists(type: ObjectTypeId, key: string): boolean {
    return this.typeMap(type).get(key) === true;
  }
}
