import type { ObjectTypeId } from '../object-type-ids';
import type { ColumnSpec, ItemFieldSpec } from '../columns';

/** Building blocks shared by the object-type definitions. */

/** Drops properties whose value is undefined, so specs print and compare cleanly. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export const DAYS_OF_WEEK = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

interface NameOptions {
  maxLength?: number;
  pattern?: string;
  patternHint?: string;
  example: string;
  description?: string;
}

/** The `Name` key column. */
export function nameColumn(options: NameOptions): ColumnSpec {
  return compact({
    header: 'Name',
    field: 'name',
    kind: 'string',
    required: true,
    maxLength: options.maxLength ?? 80,
    pattern: options.pattern,
    patternHint: options.patternHint,
    description: options.description ?? 'Unique name; decides whether the row creates or updates an object.',
    example: options.example,
  });
}

export function descriptionColumn(example?: string): ColumnSpec {
  return compact({
    header: 'Description',
    field: 'description',
    kind: 'string',
    required: false,
    maxLength: 255,
    description: 'Free text shown to administrators.',
    example,
  });
}

export function timezoneColumn(required: boolean, description = 'Time zone (IANA name) of the object.'): ColumnSpec {
  return {
    header: 'Timezone',
    field: 'timezone',
    kind: 'timezone',
    required,
    description,
    example: 'America/New_York',
  };
}

export function booleanColumn(
  header: string,
  field: string,
  description: string,
  labels?: readonly [string, string],
): ColumnSpec {
  return compact({
    header,
    field,
    kind: 'boolean',
    required: false,
    labels,
    description,
    example: labels?.[0] ?? 'true',
  });
}

export function integerColumn(
  header: string,
  field: string,
  required: boolean,
  description: string,
  bounds: { min?: number; max?: number } = { min: 0 },
): ColumnSpec {
  return { header, field, kind: 'integer', required, ...bounds, description, example: String(bounds.min ?? 0) };
}

export function enumColumn(
  header: string,
  field: string,
  required: boolean,
  values: readonly string[],
  description: string,
): ColumnSpec {
  return { header, field, kind: 'enum', required, values, description, example: values[0] };
}

/** A column naming one object (or, with multi, a pipe-separated list of objects) of another type by its key. */
export function referenceColumn(
  header: string,
  field: string,
  references: ObjectTypeId,
  options: { required?: boolean; multi?: boolean; description: string; example?: string; aliases?: string[] },
): ColumnSpec {
  return compact({
    header,
    field,
    kind: 'string',
    required: options.required ?? false,
    multi: options.multi,
    references,
    aliases: options.aliases,
    description: options.description,
    example: options.example,
  });
}

/** A pipe-separated list of users named by email. */
export function userListColumn(header: string, field: string, description: string): ColumnSpec {
  return {
    header,
    field,
    kind: 'email',
    required: false,
    multi: true,
    references: 'users',
    description,
    example: 'agent1@example.com|agent2@example.com',
  };
}

export function dateColumn(header: string, field: string, required: boolean, description: string): ColumnSpec {
  return { header, field, kind: 'date', required, description, example: '2026-01-01' };
}

export function timeColumn(header: string, field: string, required: boolean, description: string): ColumnSpec {
  return { header, field, kind: 'time', required, description, example: '08:00' };
}

/** Item field: a `name` unique within its cell. */
export function itemName(description: string): ItemFieldSpec {
  return { field: 'name', kind: 'string', required: true, maxLength: 80, description };
}

/** Item fields of a simple recurrence (frequency, interval, until), shared by holidays and overrides. */
export const RECURRENCE_FIELDS: readonly ItemFieldSpec[] = [
  {
    field: 'frequency',
    kind: 'enum',
    required: false,
    values: ['DontRepeat', 'Daily', 'Weekly', 'Monthly', 'Yearly'],
    description: 'How the entry repeats; absent means it does not repeat.',
  },
  {
    field: 'interval',
    kind: 'integer',
    required: false,
    min: 1,
    description: 'Repeat every N periods of the frequency.',
  },
  { field: 'until', kind: 'date', required: false, description: 'Last date of the recurrence.' },
];

export const RECURRENCE_TEMPLATE = '[ {frequency}][ every {interval}][ until {until}]';
