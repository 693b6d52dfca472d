import type { ColumnSpec } from '../columns';
import { headerKey, scanHeaderCells } from '../headers';
import { GAX_AGENT_COLUMNS } from '../object-types/gax';

/** Header row of the GAX agent CSV (spec §2.2–2.3): standard columns and `<Type>:<name>` relational columns. Pure. */

/** One kind of relational column: its header prefix, the referenced catalog type and the stored field. */
export interface RelationKind {
  prefix: string;
  type: 'switches' | 'agent-groups' | 'access-groups' | 'skill-definitions';
  field: 'switches' | 'agentGroups' | 'accessGroups' | 'skills';
  /** Skills take a level; the others Y/N. */
  levels: boolean;
}

/** In the seed's order; also the export order of relational columns. */
export const RELATION_KINDS: readonly RelationKind[] = [
  { prefix: 'Switch', type: 'switches', field: 'switches', levels: false },
  { prefix: 'Agent Group', type: 'agent-groups', field: 'agentGroups', levels: false },
  { prefix: 'Access Group', type: 'access-groups', field: 'accessGroups', levels: false },
  { prefix: 'Skill', type: 'skill-definitions', field: 'skills', levels: true },
];

export type GaxColumn =
  | { kind: 'attribute'; header: string; column: ColumnSpec }
  | { kind: 'relation'; header: string; relation: RelationKind; name: string };

export interface GaxContext {
  columns: readonly GaxColumn[];
  /** Positions of the Password column (at most one). */
  secretCells: readonly number[];
}

const STANDARD = new Map<string, ColumnSpec>();
for (const column of GAX_AGENT_COLUMNS) {
  for (const name of [column.header, ...(column.aliases ?? [])]) STANDARD.set(headerKey(name), column);
}
const RELATIONS = new Map(RELATION_KINDS.map((relation) => [headerKey(relation.prefix), relation]));

/** Headers that every GAX file needs: Action (required on every row) and the key. */
const ALWAYS_REQUIRED = ['action', 'username'];

function standardHeaders(): string {
  return GAX_AGENT_COLUMNS.map((column) => column.header).join(', ');
}

function resolveOne(text: string, position: number): GaxColumn | string {
  const standard = STANDARD.get(headerKey(text));
  if (standard) return { kind: 'attribute', header: text, column: standard };
  const colon = text.indexOf(':');
  const relation = colon > 0 ? RELATIONS.get(headerKey(text.slice(0, colon))) : undefined;
  if (!relation) {
    return (
      `Unknown header "${text}" (column ${position}); the GAX agent headers are: ${standardHeaders()}, ` +
      `and relational columns Switch:<name>, Agent Group:<name>, Access Group:<name>, Skill:<name>`
    );
  }
  const name = text.slice(colon + 1).trim();
  if (name === '') return `Header "${text}" (column ${position}) names no ${relation.prefix.toLowerCase()}`;
  return { kind: 'relation', header: `${relation.prefix}:${name}`, relation, name };
}

/** Identity of a column for duplicate detection: the standard column, or the relation kind plus object name. */
function identity(column: GaxColumn): string {
  return column.kind === 'attribute' ? `a:${column.column.field}` : `r:${column.relation.field}:${column.name}`;
}

/**
 * Resolves a GAX header row: standard headers and their alternative spellings case-insensitively, relational headers
 * `<Type>:<name>` (type case-insensitive, name exact after trimming), in any order; every problem as a sentence.
 */
export function resolveGaxHeader(
  header: readonly string[],
): { ok: true; context: GaxContext } | { ok: false; problems: string[] } {
  const { columns, problems, seen } = scanHeaderCells<GaxColumn, string>(header, {
    resolve: resolveOne,
    identity,
    duplicate: (text, earlier, position) =>
      `Duplicate header "${text}" (columns ${earlier.position} and ${position}): same column as "${earlier.text}"`,
  });
  for (const field of ALWAYS_REQUIRED) {
    const column = GAX_AGENT_COLUMNS.find((c) => c.field === field);
    if (column && !seen.has(`a:${field}`)) problems.push(`Missing required header "${column.header}"`);
  }
  if (problems.length > 0) return { ok: false, problems };
  const secretCells = columns.flatMap((column, index) =>
    column.kind === 'attribute' && column.column.field === 'password' ? [index] : [],
  );
  return { ok: true, context: { columns, secretCells } };
}
