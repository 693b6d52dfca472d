import { z } from 'zod';
import type { ObjectTypeId } from './object-type-ids';

/**
 * Column model of the bulk catalog: what one CSV cell may hold, and how a single value is parsed (with zod, built
 * from the spec) and written back in its canonical spelling. Pure: no I/O, imported by workflows.
 */
export const COLUMN_KINDS = [
  'string',
  'integer',
  'number',
  'boolean',
  'enum',
  'email',
  'phone',
  'time',
  'date',
  'datetime',
  'timezone',
  'json',
  'items',
] as const;
export type ColumnKind = (typeof COLUMN_KINDS)[number];
export type ScalarKind = Exclude<ColumnKind, 'items'>;
export type Scalar = string | number | boolean;

/** What one value looks like; shared by columns and by the fields inside a child item. */
export interface ValueSpec {
  kind: ColumnKind;
  required: boolean;
  /** Columns: pipe-separated list. Item fields: comma-separated list. */
  multi?: boolean;
  /** Enum values in canonical spelling. */
  values?: readonly string[];
  /** The value (each value of a list) is the key of an object of that type. */
  references?: ObjectTypeId;
  min?: number;
  max?: number;
  maxLength?: number;
  /** RegExp source the whole value must match. */
  pattern?: string;
  /** Human wording of `pattern` for error messages, e.g. "letters, digits, spaces, _ and -". */
  patternHint?: string;
  /** Booleans: canonical [true, false] spellings written on export (accepted on import too). Default true/false. */
  labels?: readonly [string, string];
}

/** One field of a child item (an entry of an `items` cell). */
export interface ItemFieldSpec extends ValueSpec {
  field: string;
  kind: ScalarKind;
  description: string;
}

/**
 * Syntax of one child item. `format` is a template: `{field}` is a placeholder, `[...]` an optional section that is
 * written only when every placeholder inside has a value; other text is literal (a space matches any whitespace,
 * other separators tolerate surrounding whitespace). The parser is derived from the template.
 */
export interface ItemSpec {
  format: string;
  /** Human-readable syntax, e.g. `NAME:DAYS:HH:mm-HH:mm`. */
  syntax: string;
  example: string;
  fields: readonly ItemFieldSpec[];
  /** Field whose value must be unique among the items of one cell. */
  unique?: string;
}

export interface ColumnSpec extends ValueSpec {
  /** Canonical CSV header, e.g. 'Service Level Threshold'. */
  header: string;
  /** camelCase property in stored data, e.g. 'serviceLevelThreshold'. */
  field: string;
  description: string;
  example?: string;
  /** Other accepted header spellings (matched case-insensitively, like the header). */
  aliases?: readonly string[];
  /** Required when kind is 'items'. */
  item?: ItemSpec;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const DEFAULT_LABELS: readonly [string, string] = ['true', 'false'];
const TRUE_WORDS = ['true', 'yes', 'y', 'on', '1'];
const FALSE_WORDS = ['false', 'no', 'n', 'off', '0'];
const PHONE_PATTERN = '^\\+?[0-9(][0-9().\\-\\s]*$';

export function booleanLabels(spec: ValueSpec): readonly [string, string] {
  return spec.labels ?? DEFAULT_LABELS;
}

/** Enum comparison key: case, spaces, underscores and hyphens do not matter (`social channel` = `SOCIAL_CHANNEL`). */
export function enumKey(value: string): string {
  return value.toUpperCase().replace(/[\s_-]+/g, '');
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const timeZoneCache = new Map<string, string | undefined>();
/** Canonical IANA spelling of a time zone known to the runtime's ICU data, or undefined. */
export function canonicalTimeZone(value: string): string | undefined {
  const key = value.toLowerCase();
  if (!timeZoneCache.has(key)) {
    let canonical: string | undefined;
    try {
      canonical = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
    } catch {
      canonical = undefined;
    }
    timeZoneCache.set(key, canonical);
  }
  return timeZoneCache.get(key);
}

type ScalarSchema = z.ZodType<Scalar, string>;

function textSchema(spec: ValueSpec, defaultPattern?: string, defaultHint?: string): ScalarSchema {
  let schema = z.string();
  if (spec.maxLength !== undefined) {
    schema = schema.max(spec.maxLength, `is longer than ${spec.maxLength} characters`);
  }
  const pattern = spec.pattern ?? defaultPattern;
  if (pattern !== undefined) {
    const hint = spec.pattern !== undefined ? spec.patternHint : defaultHint;
    schema = schema.regex(new RegExp(pattern), hint ? `may only contain ${hint}` : `does not match ${pattern}`);
  }
  return schema;
}

function boundedNumber(spec: ValueSpec, integer: boolean): z.ZodType<number, number> {
  let schema = z.number();
  if (integer) schema = schema.refine(Number.isSafeInteger, 'is too large');
  if (spec.min !== undefined) schema = schema.min(spec.min, `must be at least ${spec.min}`);
  if (spec.max !== undefined) schema = schema.max(spec.max, `must be at most ${spec.max}`);
  return schema;
}

function buildSchema(spec: ValueSpec): ScalarSchema {
  switch (spec.kind) {
    case 'string':
      return textSchema(spec);
    case 'phone':
      return textSchema(spec, PHONE_PATTERN, 'digits, spaces and ( ) . - with an optional leading +');
    case 'integer':
      return z
        .string()
        .regex(/^[+-]?\d+$/, 'is not an integer')
        .transform(Number)
        .pipe(boundedNumber(spec, true));
    case 'number':
      return z
        .string()
        .regex(/^[+-]?(\d+(\.\d*)?|\.\d+)$/, 'is not a number')
        .transform(Number)
        .pipe(boundedNumber(spec, false));
    case 'boolean': {
      const [yes, no] = booleanLabels(spec);
      const truthy = new Set([...TRUE_WORDS, yes.toLowerCase()]);
      const falsy = new Set([...FALSE_WORDS, no.toLowerCase()]);
      return z.string().transform((value, ctx) => {
        const key = value.toLowerCase();
        if (truthy.has(key)) return true;
        if (falsy.has(key)) return false;
        ctx.addIssue({
          code: 'custom',
          message: `is not ${yes} or ${no} (true/false, yes/no, y/n, on/off and 1/0 are accepted too)`,
        });
        return z.NEVER;
      });
    }
    case 'enum': {
      const values = spec.values ?? [];
      const lookup = new Map(values.map((value) => [enumKey(value), value]));
      return z.string().transform((value, ctx) => {
        const canonical = lookup.get(enumKey(value));
        if (canonical !== undefined) return canonical;
        ctx.addIssue({ code: 'custom', message: `is not one of ${values.join(', ')}` });
        return z.NEVER;
      });
    }
    case 'email':
      return z
        .string()
        .max(spec.maxLength ?? 254, `is longer than ${spec.maxLength ?? 254} characters`)
        .transform((value) => value.toLowerCase())
        .pipe(z.email({ error: 'is not a valid email address' }));
    case 'time':
      return z.string().transform((value, ctx) => {
        const match = /^(\d{1,2}):(\d{2})$/.exec(value);
        const hours = Number(match?.[1]);
        const minutes = Number(match?.[2]);
        if (match && hours < 24 && minutes < 60) return `${pad(hours)}:${pad(minutes)}`;
        ctx.addIssue({ code: 'custom', message: 'is not a time of day (HH:mm, 00:00 to 23:59)' });
        return z.NEVER;
      });
    case 'date':
      return z.string().transform((value, ctx) => {
        const match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
        const [year, month, day] = [Number(match?.[1]), Number(match?.[2]), Number(match?.[3])];
        if (match && isCalendarDate(year, month, day)) return `${year}-${pad(month)}-${pad(day)}`;
        ctx.addIssue({ code: 'custom', message: 'is not a date (YYYY-MM-DD)' });
        return z.NEVER;
      });
    case 'datetime':
      return z.string().transform((value, ctx) => {
        const match = /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(:00)?$/.exec(value);
        const [year, month, day, hours, minutes] = [1, 2, 3, 4, 5].map((i) => Number(match?.[i]));
        if (
          match &&
          year !== undefined &&
          month !== undefined &&
          day !== undefined &&
          hours !== undefined &&
          minutes !== undefined &&
          isCalendarDate(year, month, day) &&
          hours < 24 &&
          minutes < 60
        ) {
          return `${year}-${pad(month)}-${pad(day)}T${pad(hours)}:${pad(minutes)}`;
        }
        ctx.addIssue({ code: 'custom', message: 'is not a local date and time (YYYY-MM-DDTHH:mm)' });
        return z.NEVER;
      });
    case 'timezone':
      return z.string().transform((value, ctx) => {
        const canonical = canonicalTimeZone(value);
        if (canonical !== undefined) return canonical;
        ctx.addIssue({ code: 'custom', message: 'is not a known time zone (IANA name such as America/New_York)' });
        return z.NEVER;
      });
    case 'json':
      return textSchema(spec).refine((value) => {
        try {
          const parsed: unknown = JSON.parse(String(value));
          return typeof parsed === 'object' && parsed !== null;
        } catch {
          return false;
        }
      }, 'is not a JSON object or array');
    case 'items':
      throw new Error('items columns have no scalar parser');
  }
}

const schemaCache = new WeakMap<ValueSpec, ScalarSchema>();

/** Parses one trimmed, non-empty value (one element of a list) into its canonical stored form. */
export function parseScalar(spec: ValueSpec, raw: string): Parsed<Scalar> {
  let schema = schemaCache.get(spec);
  if (!schema) {
    schema = buildSchema(spec);
    schemaCache.set(spec, schema);
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, reason: result.error.issues[0]?.message ?? 'is not valid' };
}

/** Writes one stored value in its canonical CSV spelling. */
export function formatScalar(spec: ValueSpec, value: Scalar): string {
  if (typeof value === 'boolean') {
    const [yes, no] = booleanLabels(spec);
    return value ? yes : no;
  }
  return String(value);
}

/** Splits a pipe-separated cell. `\|` is a literal pipe and `\\` a literal backslash; other backslashes are kept. */
export function splitList(raw: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < raw.length; i += 1) {
    const char = raw.charAt(i);
    const next = raw.charAt(i + 1);
    if (char === '\\' && (next === '|' || next === '\\')) {
      current += next;
      i += 1;
    } else if (char === '|') {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/** Inverse of splitList: escapes pipes, and backslashes only where splitList would otherwise read an escape. */
export function joinList(values: readonly string[]): string {
  return values.map((value) => value.replace(/\\(?=\\|\||$)/g, '\\\\').replace(/\|/g, '\\|')).join('|');
}

type Segment = { literal: string } | { field: string } | { optional: Segment[] };

interface CompiledItem {
  regex: RegExp;
  segments: Segment[];
}

const TOKENS: Partial<Record<ScalarKind, string>> = {
  integer: '[+-]?\\d+',
  number: '[+-]?\\d+(?:\\.\\d+)?',
  boolean: '[A-Za-z0-9_]+',
  enum: '[A-Za-z0-9_]+',
  time: '\\d{1,2}:\\d{2}',
  date: '\\d{4}-\\d{1,2}-\\d{1,2}',
  datetime: '\\d{4}-\\d{1,2}-\\d{1,2}[T ]\\d{1,2}:\\d{2}(?::\\d{2})?',
};

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function literalPattern(text: string): string {
  return text
    .split(/(\s+)/)
    .map((part) => {
      if (part === '') return '';
      if (/^\s+$/.test(part)) return '\\s+';
      return `\\s*${escapeRegex(part)}\\s*`;
    })
    .join('');
}

function parseTemplate(format: string): Segment[] {
  const root: Segment[] = [];
  let target = root;
  let literal = '';
  const flush = (): void => {
    if (literal !== '') target.push({ literal });
    literal = '';
  };
  for (let i = 0; i < format.length; i += 1) {
    const char = format.charAt(i);
    if (char === '{') {
      const end = format.indexOf('}', i);
      flush();
      target.push({ field: format.slice(i + 1, end) });
      i = end;
    } else if (char === '[') {
      flush();
      const optional: Segment[] = [];
      root.push({ optional });
      target = optional;
    } else if (char === ']') {
      flush();
      target = root;
    } else {
      literal += char;
    }
  }
  flush();
  return root;
}

const itemCache = new WeakMap<ItemSpec, CompiledItem>();

function compileItem(item: ItemSpec): CompiledItem {
  const cached = itemCache.get(item);
  if (cached) return cached;
  const fields = new Map(item.fields.map((field) => [field.field, field]));
  const toPattern = (segments: Segment[]): string =>
    segments
      .map((segment) => {
        if ('literal' in segment) return literalPattern(segment.literal);
        if ('optional' in segment) return `(?:${toPattern(segment.optional)})?`;
        const spec = fields.get(segment.field);
        const token = (spec && TOKENS[spec.kind]) ?? '.*?';
        const list = spec?.multi && token !== '.*?' ? `${token}(?:\\s*,\\s*${token})*` : token;
        return `(?<${segment.field}>${list})`;
      })
      .join('');
  const segments = parseTemplate(item.format);
  const compiled = { regex: new RegExp(`^\\s*${toPattern(segments)}\\s*$`, 'i'), segments };
  itemCache.set(item, compiled);
  return compiled;
}

/** Raw (trimmed) text of each item field, or undefined when the item does not match the syntax. */
export function matchItem(item: ItemSpec, raw: string): Record<string, string | undefined> | undefined {
  const match = compileItem(item).regex.exec(raw);
  if (!match) return undefined;
  const groups = match.groups ?? {};
  return Object.fromEntries(item.fields.map((field) => [field.field, groups[field.field]?.trim()]));
}

/** Writes an item from its already formatted field texts (null = no value: its optional section is left out). */
export function formatItemText(item: ItemSpec, texts: Record<string, string | null>): string {
  const write = (segments: Segment[]): string =>
    segments
      .map((segment) => {
        if ('literal' in segment) return segment.literal;
        if ('field' in segment) return texts[segment.field] ?? '';
        const fields = segment.optional.filter((inner): inner is { field: string } => 'field' in inner);
        return fields.every((inner) => texts[inner.field] != null) ? write(segment.optional) : '';
      })
      .join('');
  return write(compileItem(item).segments);
}

/** Field names used as placeholders in an item template, in order (for catalog consistency tests). */
export function itemTemplateFields(item: ItemSpec): { field: string; optional: boolean }[] {
  return compileItem(item).segments.flatMap((segment): { field: string; optional: boolean }[] => {
    if ('field' in segment) return [{ field: segment.field, optional: false }];
    if ('optional' in segment) {
      return segment.optional.flatMap((inner) => ('field' in inner ? [{ field: inner.field, optional: true }] : []));
    }
    return [];
  });
}
