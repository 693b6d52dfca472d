import {
  describeCondition,
  findObjectType,
  KEY_SEPARATOR,
  type ObjectTypeId,
  type ObjectTypeSpec,
  type RowCondition,
  type RowRule,
} from './catalog';
import {
  formatItemText,
  formatScalar,
  joinList,
  matchItem,
  parseScalar,
  splitList,
  type ColumnSpec,
  type ItemSpec,
  type Parsed,
  type Scalar,
  type ValueSpec,
} from './columns';
import { neutraliseCell, restoreCell } from './csv-cells';

/** Row parsing and writing: one CSV row is one object (child collections live in `items` cells). Pure. */

export type ItemValue = Scalar | string[] | number[] | null;
/** One child item, e.g. `{ skill: 'Billing', value: '5' }`; every field of the item syntax is present (null = none). */
export type ConfigItem = Record<string, ItemValue>;
export type ConfigValue = Scalar | null | string[] | number[] | ConfigItem[];
/** Parsed row: only the columns present in the header; null = the cell was empty (clear the attribute). */
export type ConfigData = Record<string, ConfigValue>;

export interface ObjectReference {
  type: ObjectTypeId;
  key: string;
  /** Header of the column holding the reference (also for references inside items). */
  column: string;
}

export type RowResult =
  { ok: true; key: string; data: ConfigData; references: ObjectReference[] } | { ok: false; error: string };

/** Shortens a value quoted in an error message. */
const quote = (value: string): string => JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);

/** Canonical key of a referenced object: composite keys are split on `/`, each part trimmed. */
function referenceKey(type: ObjectTypeId, value: string): Parsed<string> {
  const target = findObjectType(type);
  if (!target || target.keyFields.length < 2) return { ok: true, value };
  const parts = value.split(KEY_SEPARATOR).map((part) => part.trim());
  if (parts.length === target.keyFields.length && parts.every((part) => part !== '')) {
    return { ok: true, value: parts.join(KEY_SEPARATOR) };
  }
  const headers = target.keyFields.map((field) => target.columns.find((c) => c.field === field)?.header ?? field);
  return { ok: false, reason: `is not a ${target.label} key of the form ${headers.join(KEY_SEPARATOR)}` };
}

interface CellContext {
  column: ColumnSpec;
  errors: string[];
  references: ObjectReference[];
}

/** Parses one non-empty value; the error prefix locates it (`Column "X": ` or `Column "X": item "…": field `). */
function parseOne(spec: ValueSpec, raw: string, prefix: string, context: CellContext): Scalar | undefined {
  const parsed = parseScalar(spec, raw);
  if (!parsed.ok) {
    context.errors.push(`${prefix}${quote(raw)} ${parsed.reason}`);
    return undefined;
  }
  if (spec.references && typeof parsed.value === 'string') {
    const key = referenceKey(spec.references, parsed.value);
    if (!key.ok) {
      context.errors.push(`${prefix}${quote(raw)} ${key.reason}`);
      return undefined;
    }
    context.references.push({ type: spec.references, key: key.value, column: context.column.header });
    return key.value;
  }
  return parsed.value;
}

function toList(values: Scalar[]): string[] | number[] {
  const numbers = values.filter((value): value is number => typeof value === 'number');
  return numbers.length === values.length && values.length > 0 ? numbers : values.map(String);
}

/** Parses the elements of a list; undefined when any is bad (errors recorded). */
function parseList(
  spec: ValueSpec,
  parts: string[],
  prefix: string,
  context: CellContext,
): string[] | number[] | undefined {
  const values: Scalar[] = [];
  const seen = new Set<string>();
  let failed = false;
  for (const part of parts.map((p) => p.trim())) {
    if (part === '') {
      context.errors.push(`${prefix}the list has an empty element`);
      failed = true;
      continue;
    }
    const value = parseOne(spec, part, prefix, context);
    if (value === undefined) {
      failed = true;
    } else if (seen.has(String(value))) {
      context.errors.push(`${prefix}${quote(String(value))} is listed twice`);
      failed = true;
    } else {
      seen.add(String(value));
      values.push(value);
    }
  }
  return failed ? undefined : toList(values);
}

function parseItem(item: ItemSpec, raw: string, context: CellContext): ConfigItem | undefined {
  const columnPrefix = `Column "${context.column.header}": `;
  const texts = matchItem(item, raw);
  if (!texts) {
    context.errors.push(`${columnPrefix}item ${quote(raw)} does not match ${item.syntax} (e.g. ${item.example})`);
    return undefined;
  }
  const record: ConfigItem = {};
  let failed = false;
  for (const field of item.fields) {
    const text = texts[field.field] ?? '';
    const prefix = `${columnPrefix}item ${quote(raw)}: ${field.field} `;
    if (text === '') {
      if (field.required) {
        context.errors.push(`${prefix}is required`);
        failed = true;
      }
      record[field.field] = null;
      continue;
    }
    const value = field.multi
      ? parseList(field, text.split(','), prefix, context)
      : parseOne(field, text, prefix, context);
    if (value === undefined) failed = true;
    else record[field.field] = value;
  }
  return failed ? undefined : record;
}

function parseItems(item: ItemSpec, raw: string, context: CellContext): ConfigItem[] | undefined {
  const prefix = `Column "${context.column.header}": `;
  const items: ConfigItem[] = [];
  const seen = new Set<string>();
  let failed = false;
  for (const part of splitList(raw).map((p) => p.trim())) {
    if (part === '') {
      context.errors.push(`${prefix}the list has an empty item`);
      failed = true;
      continue;
    }
    const record = parseItem(item, part, context);
    if (!record) {
      failed = true;
      continue;
    }
    const unique = item.unique === undefined ? undefined : record[item.unique];
    if (unique !== undefined && unique !== null) {
      if (seen.has(String(unique))) {
        context.errors.push(`${prefix}${item.unique} ${quote(String(unique))} is listed twice`);
        failed = true;
      }
      seen.add(String(unique));
    }
    items.push(record);
  }
  return failed ? undefined : items;
}

function parseCell(column: ColumnSpec, raw: string, context: CellContext): ConfigValue | undefined {
  const prefix = `Column "${column.header}": `;
  if (column.kind === 'items') {
    if (!column.item) {
      context.errors.push(`${prefix}has no item syntax`);
      return undefined;
    }
    return parseItems(column.item, raw, context);
  }
  if (column.multi) return parseList(column, splitList(raw), prefix, context);
  return parseOne(column, raw, prefix, context);
}

function conditionHolds(data: ConfigData, condition: RowCondition): boolean {
  const value = data[condition.field];
  if (value === null || value === undefined) return false;
  if (!condition.in) return true;
  return (typeof value === 'string' || typeof value === 'boolean') && condition.in.includes(value);
}

/** The row's own value for a condition (so a message says "Type is CAPACITY", not every value the rule lists). */
function actualValue(data: ConfigData, condition: RowCondition): (string | boolean)[] | undefined {
  const value = data[condition.field];
  return condition.in && (typeof value === 'string' || typeof value === 'boolean') ? [value] : undefined;
}

function headerOf(spec: ObjectTypeSpec, field: string): string {
  return spec.columns.find((column) => column.field === field)?.header ?? field;
}

function checkRule(spec: ObjectTypeSpec, rule: RowRule, data: ConfigData): string[] {
  if (rule.kind === 'member') {
    const value = data[rule.field];
    const items = data[rule.of.field];
    if (typeof value !== 'string' || !Array.isArray(items)) return [];
    const names = new Set<string>();
    for (const item of items) {
      if (typeof item === 'object') names.add(String(item[rule.of.itemField]));
    }
    if (names.has(value)) return [];
    return [
      `Column "${headerOf(spec, rule.field)}": ${quote(value)} is not one of the ${headerOf(spec, rule.of.field)}`,
    ];
  }
  if (!conditionHolds(data, rule.when)) return [];
  const condition = describeCondition(spec, { field: rule.when.field, in: actualValue(data, rule.when) });
  return rule.fields
    .filter((field) => field in data && (rule.kind === 'requires' ? data[field] === null : data[field] !== null))
    .map((field) =>
      rule.kind === 'requires'
        ? `Column "${headerOf(spec, field)}" is required when ${condition}`
        : `Column "${headerOf(spec, field)}" must be empty when ${condition}`,
    );
}

function dedupe(references: ObjectReference[]): ObjectReference[] {
  const seen = new Set<string>();
  return references.filter((reference) => {
    const id = `${reference.type}\u0000${reference.key}\u0000${reference.column}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * Parses one data row. `columns` is the resolved header (resolveHeaders). Cells are trimmed and a formula-neutralising
 * `'` is removed. An empty cell gives null (clears an optional attribute); a column absent from the header is absent
 * from `data` (leaves the attribute unchanged on update).
 */
export function parseRow(spec: ObjectTypeSpec, columns: readonly ColumnSpec[], cells: readonly string[]): RowResult {
  const extra = cells.slice(columns.length);
  if (cells.length < columns.length || extra.some((cell) => cell.trim() !== '')) {
    return { ok: false, error: `The row has ${cells.length} cells but the header has ${columns.length} columns` };
  }
  const errors: string[] = [];
  const references: ObjectReference[] = [];
  const data: ConfigData = {};
  columns.forEach((column, index) => {
    const raw = restoreCell((cells[index] ?? '').trim());
    if (raw === '') {
      if (column.required) errors.push(`Column "${column.header}" is required`);
      else data[column.field] = null;
      return;
    }
    const value = parseCell(column, raw, { column, errors, references });
    if (value !== undefined) data[column.field] = value;
  });
  for (const field of spec.keyFields) {
    const header = headerOf(spec, field);
    const missing = `Column "${header}" is required`;
    if (!columns.some((column) => column.field === field) && !errors.includes(missing)) errors.push(missing);
  }
  if (errors.length === 0) {
    for (const rule of spec.rules ?? []) errors.push(...checkRule(spec, rule, data));
  }
  if (errors.length > 0) return { ok: false, error: errors.join('; ') };
  return { ok: true, key: objectKey(spec, data), data, references: dedupe(references) };
}

/** The object's key: key field values joined by `/` (teams: `Site/Team`); emails in lower case. */
export function objectKey(spec: ObjectTypeSpec, data: ConfigData): string {
  return spec.keyFields
    .map((field) => {
      const value = data[field];
      const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
      const column = spec.columns.find((c) => c.field === field);
      return column?.kind === 'email' ? text.toLowerCase() : text;
    })
    .join(KEY_SEPARATOR);
}

function isItem(value: unknown): value is ConfigItem {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatItem(item: ItemSpec, record: ConfigItem): string {
  const texts: Record<string, string | null> = {};
  for (const field of item.fields) {
    const value = record[field.field];
    if (value === null || value === undefined) texts[field.field] = null;
    else if (Array.isArray(value)) texts[field.field] = value.map((v) => formatScalar(field, v)).join(',');
    else texts[field.field] = formatScalar(field, value);
  }
  return formatItemText(item, texts);
}

function formatCell(column: ColumnSpec, value: ConfigValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (!Array.isArray(value)) return formatScalar(column, value);
  const parts: string[] = [];
  for (const element of value) {
    if (isItem(element)) {
      if (column.item) parts.push(formatItem(column.item, element));
    } else {
      parts.push(formatScalar(column, element));
    }
  }
  return joinList(parts);
}

/** Export/error-file record in templateHeader order: null or absent → '', canonical spellings, formulas neutralised. */
export function toCsvRecord(spec: ObjectTypeSpec, data: ConfigData): string[] {
  return spec.columns.map((column) => neutraliseCell(formatCell(column, data[column.field])));
}
