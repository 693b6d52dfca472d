import { z } from 'zod';
import { parseScalar } from '../columns';
import { restoreCell } from '../csv-cells';
import { type DialectRow, type ImportDialect, mergeAttributes, type SideObject } from '../dialect';
import { GAX_AGENT_COLUMNS } from '../object-types/gax';
import type { ConfigData, ConfigItem, ObjectReference } from '../rows';
import { type GaxColumn, type GaxContext, RELATION_KINDS, resolveGaxHeader } from './header';

/**
 * The GAX agent CSV as an import dialect (spec §2, seed 002). One row is one user or agent, keyed by Username.
 * An empty cell leaves the attribute unchanged (it is simply left out of the parsed data); relational cells become
 * deltas (`relations`) that `merge` applies to the stored sets. Pure.
 */

/** Fields that an ADD row must set (the seed's mandatory columns besides Action and Username). */
const ADD_MANDATORY = ['firstName', 'lastName', 'employeeId', 'isAgent', 'folder'] as const;

const quote = (value: string): string => JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);

const actionSchema = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(z.enum(['ADD', 'UPDATE']));
const yesNoSchema = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(z.enum(['Y', 'N']));
const levelSchema = z.union([
  z
    .string()
    .regex(/^[Nn]$/)
    .transform(() => null),
  z
    .string()
    .regex(/^\d{1,9}$/)
    .transform(Number),
]);

/** `Acme / Branch/Team 1/` → `Acme/Branch/Team 1`; undefined when a folder name is empty. */
export function normaliseFolder(raw: string): string | undefined {
  const parts = raw
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map((part) => part.trim());
  return parts.every((part) => part !== '') ? parts.join('/') : undefined;
}

interface RowState {
  errors: string[];
  data: ConfigData;
  relations: ConfigItem[];
  references: ObjectReference[];
  action?: 'ADD' | 'UPDATE';
}

function parseAttribute(column: Extract<GaxColumn, { kind: 'attribute' }>, raw: string, state: RowState): void {
  const prefix = `Column "${column.header}": `;
  const spec = column.column;
  if (spec.field === 'action') {
    const parsed = actionSchema.safeParse(raw);
    if (raw === '') state.errors.push(`Column "${column.header}" is required (ADD or UPDATE)`);
    else if (!parsed.success) state.errors.push(`${prefix}${quote(raw)} is not ADD or UPDATE`);
    else state.action = parsed.data;
    return;
  }
  if (raw === '') return;
  if (spec.kind === 'boolean') {
    const parsed = yesNoSchema.safeParse(raw);
    if (parsed.success) state.data[spec.field] = parsed.data === 'Y';
    else state.errors.push(`${prefix}${quote(raw)} is not Y or N`);
    return;
  }
  const parsed = parseScalar(spec, raw);
  if (!parsed.ok) {
    state.errors.push(`${prefix}${quote(raw)} ${parsed.reason}`);
    return;
  }
  if (spec.field === 'folder') {
    const folder = normaliseFolder(String(parsed.value));
    if (folder === undefined) state.errors.push(`${prefix}${quote(raw)} has an empty folder name (use A/B/C)`);
    else state.data.folder = folder;
    return;
  }
  state.data[spec.field] = parsed.value;
}

function parseRelation(column: Extract<GaxColumn, { kind: 'relation' }>, raw: string, state: RowState): void {
  if (raw === '') return;
  const { relation, name } = column;
  const prefix = `Column "${column.header}": `;
  let item: ConfigItem | undefined;
  if (relation.levels) {
    const parsed = levelSchema.safeParse(raw);
    if (!parsed.success) state.errors.push(`${prefix}${quote(raw)} is not a skill level (a whole number) or N`);
    else item = { field: relation.field, name, level: parsed.data, remove: parsed.data === null };
  } else {
    const parsed = yesNoSchema.safeParse(raw);
    if (!parsed.success) state.errors.push(`${prefix}${quote(raw)} is not Y or N`);
    else item = { field: relation.field, name, level: null, remove: parsed.data === 'N' };
  }
  if (!item) return;
  state.relations.push(item);
  state.references.push({ type: relation.type, key: name, column: column.header });
}

/** Parses one GAX row; see the module comment. */
export function parseAgentRow(context: GaxContext, cells: readonly string[]): DialectRow {
  const width = context.columns.length;
  if (cells.length < width || cells.slice(width).some((cell) => cell.trim() !== '')) {
    return { ok: false, error: `The row has ${cells.length} cells but the header has ${width} columns` };
  }
  const state: RowState = { errors: [], data: {}, relations: [], references: [] };
  context.columns.forEach((column, index) => {
    const raw = restoreCell((cells[index] ?? '').trim());
    if (column.kind === 'attribute') parseAttribute(column, raw, state);
    else parseRelation(column, raw, state);
  });
  const { data, errors } = state;
  if (typeof data.username !== 'string' && !errors.some((e) => e.startsWith('Column "Username"'))) {
    errors.push('Column "Username" is required');
  }
  if (state.action === 'ADD') {
    for (const field of ADD_MANDATORY) {
      const header = GAX_AGENT_COLUMNS.find((column) => column.field === field)?.header ?? field;
      if (!(field in data) && !errors.some((e) => e.startsWith(`Column "${header}"`))) {
        errors.push(`Column "${header}" is required for ADD`);
      }
    }
    if (!('enabled' in data)) data.enabled = true;
  }
  if (errors.length > 0 || !state.action || typeof data.username !== 'string') {
    return { ok: false, error: errors.join('; ') };
  }
  const alsoCreate: SideObject[] = [];
  if (typeof data.extension === 'string') {
    data.place = data.extension;
    alsoCreate.push({ type: 'places', key: data.extension, data: { name: data.extension, dn: data.extension } });
  }
  if (state.relations.length > 0) data.relations = state.relations;
  return {
    ok: true,
    key: data.username,
    data,
    references: state.references,
    expect: state.action === 'ADD' ? 'new' : 'existing',
    ...(alsoCreate.length > 0 ? { alsoCreate } : {}),
  };
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

function skillLevels(value: unknown): Map<string, number> {
  const levels = new Map<string, number>();
  if (!Array.isArray(value)) return levels;
  for (const item of value as unknown[]) {
    if (item && typeof item === 'object' && !Array.isArray(item)) {
      const { name, level } = item as Record<string, unknown>;
      if (typeof name === 'string' && typeof level === 'number') levels.set(name, level);
    }
  }
  return levels;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Attributes as in the catalog (the row only carries non-empty cells), then the relational deltas on the stored sets
 * `switches`, `agentGroups`, `accessGroups` (sorted names) and `skills` (`{ name, level }` sorted by name).
 */
export function mergeAgent(existing: ConfigData | undefined, incoming: ConfigData): ConfigData {
  const { relations, ...attributes } = incoming;
  const merged = mergeAttributes(existing, attributes);
  const sets = new Map<string, Set<string>>();
  for (const kind of RELATION_KINDS) if (!kind.levels) sets.set(kind.field, new Set(strings(merged[kind.field])));
  const skills = skillLevels(merged.skills);
  for (const item of Array.isArray(relations) ? (relations as unknown[]) : []) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) continue;
    const { field, name, level, remove } = item as Record<string, unknown>;
    if (typeof field !== 'string' || typeof name !== 'string') continue;
    if (field === 'skills') {
      if (remove === true) skills.delete(name);
      else if (typeof level === 'number') skills.set(name, level);
      continue;
    }
    const set = sets.get(field);
    if (remove === true) set?.delete(name);
    else set?.add(name);
  }
  for (const [field, set] of sets) merged[field] = [...set].sort(byName);
  merged.skills = [...skills.keys()].sort(byName).map((name) => ({ name, level: skills.get(name) ?? 0 }));
  return merged;
}

export const gaxAgentDialect: ImportDialect<GaxContext> = {
  objectType: 'agents',
  resolveHeaders: resolveGaxHeader,
  parseRow: parseAgentRow,
  merge: mergeAgent,
  secretFields: [{ field: 'password', hashField: 'passwordHash' }],
  secretCells: (context) => context.secretCells,
};
