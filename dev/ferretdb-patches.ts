/**
 * Source patches applied to FerretDB 1.24.2 before ccflow builds it (dev/install.ts). Each one is a textual
 * replacement that must match exactly once, so a version bump that moves the code fails the build loudly instead of
 * building an unpatched store. Why each exists: docs/architecture.md, "The embedded store".
 */
import fs from 'node:fs';
import path from 'node:path';

export interface SourcePatch {
  id: string;
  file: string;
  from: string;
  to: string;
}

export const FERRETDB_PATCHES: readonly SourcePatch[] = [
  {
    // The SQLite backend pushes `_id` equality down (finds, updates and deletes by `_id`) as
    // `_ferretdb_sjson->'$._id' = ?`, but creates the `_id` index on `_ferretdb_sjson->"_id"`: the same value, another
    // expression, so SQLite never uses the index and every `_id` lookup scans the table. Spelling the pushdown like
    // the index makes each of them an index search.
    id: 'sqlite-id-index',
    file: 'internal/backends/sqlite/metadata/metadata.go',
    from: `IDColumn = DefaultColumn + "->'$._id'"`,
    to: 'IDColumn = DefaultColumn + `->"_id"`',
  },
];

export function applyFerretDbPatches(sourceDir: string, patches: readonly SourcePatch[] = FERRETDB_PATCHES): void {
  for (const patch of patches) {
    const file = path.join(sourceDir, patch.file);
    const source = fs.readFileSync(file, 'utf8');
    const occurrences = source.split(patch.from).length - 1;
    if (occurrences !== 1) {
      throw new Error(
        `FerretDB patch ${patch.id}: expected "${patch.from}" once in ${patch.file}, found ${occurrences}`,
      );
    }
    fs.writeFileSync(file, source.replace(patch.from, patch.to));
  }
}
