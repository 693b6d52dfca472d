import type { ObjectTypeId } from '../catalog';
import { formatScalar } from '../columns';
import { neutraliseCell } from '../csv-cells';
import type { ExportDialect, ExportWriter } from '../dialect';
import { GAX_AGENT_COLUMNS } from '../object-types/gax';
import type { ConfigData } from '../rows';
import { RELATION_KINDS, type RelationKind } from './header';

/**
 * Export of agents in the GAX format (spec §2.5): `Action` = UPDATE on every row, the standard columns except
 * Password (never exported), then one relational column per existing switch, agent group, access group and skill
 * that any exported agent uses (`Y`, or the skill level; empty when the agent does not have it). Importing the
 * export again changes nothing. Pure.
 */

const EXPORTED_COLUMNS = GAX_AGENT_COLUMNS.filter((column) => column.field !== 'password');

function namesOf(relation: RelationKind, data: ConfigData): Map<string, string> {
  const value = data[relation.field];
  const cells = new Map<string, string>();
  if (!Array.isArray(value)) return cells;
  for (const element of value as unknown[]) {
    if (typeof element === 'string') cells.set(element, 'Y');
    else if (element && typeof element === 'object' && !Array.isArray(element)) {
      const { name, level } = element as Record<string, unknown>;
      if (typeof name === 'string' && typeof level === 'number') cells.set(name, String(level));
    }
  }
  return cells;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

class AgentExportWriter implements ExportWriter {
  private readonly used = new Map<RelationKind, Set<string>>(RELATION_KINDS.map((kind) => [kind, new Set<string>()]));
  private relational: { relation: RelationKind; name: string }[] = [];

  observe(data: ConfigData): void {
    for (const relation of RELATION_KINDS) {
      for (const name of namesOf(relation, data).keys()) this.used.get(relation)?.add(name);
    }
  }

  related(): { type: ObjectTypeId; key: string }[] {
    return RELATION_KINDS.flatMap((relation) =>
      [...(this.used.get(relation) ?? [])].map((key) => ({ type: relation.type, key })),
    );
  }

  header(exists: (type: ObjectTypeId, key: string) => boolean): string[] {
    this.relational = RELATION_KINDS.flatMap((relation) =>
      [...(this.used.get(relation) ?? [])]
        .filter((name) => exists(relation.type, name))
        .sort(byName)
        .map((name) => ({ relation, name })),
    );
    return [
      ...EXPORTED_COLUMNS.map((column) => column.header),
      ...this.relational.map(({ relation, name }) => `${relation.prefix}:${name}`),
    ];
  }

  record(data: ConfigData): string[] {
    const standard = EXPORTED_COLUMNS.map((column) => {
      if (column.field === 'action') return 'UPDATE';
      const value = data[column.field];
      if (value === null || value === undefined || Array.isArray(value)) return '';
      return formatScalar(column, value);
    });
    const cache = new Map<RelationKind, Map<string, string>>();
    const relational = this.relational.map(({ relation, name }) => {
      let cells = cache.get(relation);
      if (!cells) {
        cells = namesOf(relation, data);
        cache.set(relation, cells);
      }
      return cells.get(name) ?? '';
    });
    return [...standard, ...relational].map(neutraliseCell);
  }
}

export const gaxAgentExport: ExportDialect = {
  objectType: 'agents',
  start: () => new AgentExportWriter(),
};
