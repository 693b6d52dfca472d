import { booleanLabels, type ColumnKind } from './columns';
import { ORGANISATION_TYPES } from './object-types/organisation';
import { SKILL_TYPES } from './object-types/skills';
import { AGENT_DESKTOP_TYPES } from './object-types/agent-desktop';
import { DESKTOP_PROFILE_TYPES } from './object-types/desktop-profiles';
import { ENTRY_POINT_AND_QUEUE_TYPES } from './object-types/entry-points-and-queues';
import { CALENDAR_TYPES } from './object-types/calendars';
import { AUDIO_TYPES } from './object-types/audio';
import { GAX_TYPES } from './object-types/gax';

import type { ObjectTypeDefinition, ObjectTypeSpec, RowCondition, RowRule } from './object-type';
import { OBJECT_TYPE_IDS, type ObjectTypeId } from './object-type-ids';

export * from './object-type-ids';
export type { ObjectTypeDefinition, ObjectTypeSpec, RowCondition, RowRule } from './object-type';
export { KEY_SEPARATOR } from './object-type';

/**
 * The catalog of bulk configuration object types: every type is described once (columns, key, references) and the
 * description drives validation, import, export, templates and the OpenAPI document. Pure: imported by workflows.
 */

/** Import order: every type comes after the types it references (spec §1.7, plus dial plans, address books, ANIs
 * and calendars before entry points and desktop profiles, audio before queues; the GAX types (switches, places,
 * agent and access groups) before agents, whose relational columns name them and skill definitions). */
const IMPORT_ORDER: readonly ObjectTypeId[] = [
  'work-types',
  'auxiliary-codes',
  'skill-definitions',
  'skill-profiles',
  'switches',
  'places',
  'agent-groups',
  'access-groups',
  'multimedia-profiles',
  'sites',
  'desktop-layouts',
  'teams',
  'audio-files',
  'dial-plans',
  'address-books',
  'outdial-anis',
  'holidays',
  'overrides',
  'business-hours',
  'entry-points',
  'entry-point-mappings',
  'queues',
  'outdial-queues',
  'outdial-entry-points',
  'global-variables',
  'threshold-rules',
  'user-profiles',
  'desktop-profiles',
  'users',
  'agents',
  'call-recording-schedules',
  'call-monitoring-schedules',
];

const DEFINITIONS: readonly ObjectTypeDefinition[] = [
  ...ORGANISATION_TYPES,
  ...SKILL_TYPES,
  ...AGENT_DESKTOP_TYPES,
  ...DESKTOP_PROFILE_TYPES,
  ...ENTRY_POINT_AND_QUEUE_TYPES,
  ...CALENDAR_TYPES,
  ...AUDIO_TYPES,
  ...GAX_TYPES,
];

/** Every type a definition's columns (and item fields) reference, in import order, self excluded. */
function referencedTypes(definition: ObjectTypeDefinition): ObjectTypeId[] {
  const referenced = new Set<ObjectTypeId>();
  for (const column of definition.columns) {
    if (column.references) referenced.add(column.references);
    for (const field of column.item?.fields ?? []) if (field.references) referenced.add(field.references);
  }
  referenced.delete(definition.id);
  return IMPORT_ORDER.filter((id) => referenced.has(id));
}

export const OBJECT_TYPES: readonly ObjectTypeSpec[] = IMPORT_ORDER.flatMap((id) =>
  DEFINITIONS.filter((definition) => definition.id === id).map((definition) => ({
    ...definition,
    dependsOn: referencedTypes(definition),
  })),
);

const BY_ID = new Map<string, ObjectTypeSpec>(OBJECT_TYPES.map((spec) => [spec.id, spec]));

export function findObjectType(id: string): ObjectTypeSpec | undefined {
  return BY_ID.get(id);
}

export function isObjectTypeId(id: string): id is ObjectTypeId {
  return (OBJECT_TYPE_IDS as readonly string[]).includes(id);
}

export interface ColumnDescription {
  header: string;
  kind: ColumnKind;
  required: boolean;
  multi: boolean;
  values?: readonly string[];
  references?: ObjectTypeId;
  description: string;
  example?: string;
  aliases?: readonly string[];
  /** Booleans: canonical [true, false] spellings. */
  labels?: readonly [string, string];
  /** Items: the syntax of one item, e.g. `SKILL=VALUE`. */
  syntax?: string;
  min?: number;
  max?: number;
  maxLength?: number;
  pattern?: string;
}

export interface ObjectTypeDescription {
  id: ObjectTypeId;
  label: string;
  description: string;
  format: 'csv' | 'audio-zip';
  /** Headers of the key columns. */
  key: string[];
  dependsOn: ObjectTypeId[];
  columns: ColumnDescription[];
  /** Cross-column rules in words. */
  rules: string[];
}

function headerOf(spec: ObjectTypeSpec, field: string): string {
  return spec.columns.find((column) => column.field === field)?.header ?? field;
}

export function describeCondition(spec: ObjectTypeSpec, when: RowCondition): string {
  const header = headerOf(spec, when.field);
  if (!when.in) return `${header} is set`;
  const column = spec.columns.find((c) => c.field === when.field);
  const values = when.in.map((value) =>
    typeof value === 'boolean' && column ? booleanLabels(column)[value ? 0 : 1] : String(value),
  );
  return `${header} is ${values.join(' or ')}`;
}

/** One rule in words, e.g. `DN is required when Type is CAPACITY`. */
export function describeRule(spec: ObjectTypeSpec, rule: RowRule): string {
  if (rule.kind === 'member') {
    return `${headerOf(spec, rule.field)} must name one of the items of ${headerOf(spec, rule.of.field)}`;
  }
  const headers = rule.fields.map((field) => headerOf(spec, field)).join(', ');
  const condition = describeCondition(spec, rule.when);
  if (rule.kind === 'forbids') return `${headers} must be empty when ${condition}`;
  return `${headers} ${rule.fields.length > 1 ? 'are' : 'is'} required when ${condition}`;
}

/** JSON for GET /v1/bulk/object-types. */
export function describeObjectType(spec: ObjectTypeSpec): ObjectTypeDescription {
  return {
    id: spec.id,
    label: spec.label,
    description: spec.description,
    format: spec.format,
    key: spec.keyFields.map((field) => headerOf(spec, field)),
    dependsOn: [...spec.dependsOn],
    columns: spec.columns.map((column) => {
      const description: ColumnDescription = {
        header: column.header,
        kind: column.kind,
        required: column.required,
        multi: column.kind === 'items' || column.multi === true,
        description: column.description,
      };
      if (column.values) description.values = column.values;
      if (column.references) description.references = column.references;
      if (column.example !== undefined) description.example = column.example;
      if (column.aliases?.length) description.aliases = column.aliases;
      if (column.kind === 'boolean') description.labels = booleanLabels(column);
      if (column.item) description.syntax = column.item.syntax;
      if (column.min !== undefined) description.min = column.min;
      if (column.max !== undefined) description.max = column.max;
      if (column.maxLength !== undefined) description.maxLength = column.maxLength;
      if (column.pattern !== undefined) description.pattern = column.pattern;
      return description;
    }),
    rules: (spec.rules ?? []).map((rule) => describeRule(spec, rule)),
  };
}
