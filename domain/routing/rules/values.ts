/**
 * Value semantics of routing expressions: PowerFx's coercions, narrowed to what labels hold (string, number,
 * boolean) plus blank (`undefined`). Every rule here is one line in docs/routing.md; a value that cannot be coerced
 * is a run-time error naming the operator or function and its position.
 */
import type { ExpressionValue } from './ast';

/** A run-time (type) error; caught by evaluateExpression and returned as a failure, never thrown out of it. */
export class ExpressionRuntimeError extends Error {}

/** Where a coercion happens, for the message: `'+'` or `Round`, and its 0-based offset. */
export interface Site {
  name: string;
  position: number;
}

export function fail(site: Site, message: string): never {
  throw new ExpressionRuntimeError(`${site.name} at position ${site.position}: ${message}`);
}

/** How a value reads in a message: strings quoted (and cut short), blank as `blank`. */
export function show(value: ExpressionValue): string {
  if (value === undefined) return 'blank';
  if (typeof value !== 'string') return String(value);
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
}

/** Blank, or the empty string: what IsBlank and Coalesce treat as "no value" (as PowerFx does). */
export const isBlank = (value: ExpressionValue): boolean => value === undefined || value === '';

// What Value() accepts: a plain decimal, optional sign and exponent. Not Number(): that would take "0x1F" and "Infinity".
const NUMERIC_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A numeric string's number; undefined when it is not one (blank-like text is the caller's call). */
export function numberFromText(text: string): number | undefined {
  const trimmed = text.trim();
  if (!NUMERIC_TEXT.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** A number where one is needed: blank and "" are 0, a numeric string converts, anything else is an error. */
export function toNumber(value: ExpressionValue, site: Site): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return fail(site, `${show(value)} is a boolean, not a number`);
  if (value.trim() === '') return 0;
  const number = numberFromText(value);
  return number ?? fail(site, `${show(value)} is not a number`);
}

/** A number as text: at most 15 significant digits (PowerFx's display precision), so 0.1 + 0.2 reads "0.3". */
export function formatNumber(value: number): string {
  return String(Number(value.toPrecision(15)));
}

/** Text where text is needed: blank is "", numbers as formatNumber, booleans "true" / "false". */
export function toText(value: ExpressionValue): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return formatNumber(value);
  return String(value);
}

/** A condition: blank, "" and 0 are false, other numbers true, "true"/"false" in any case convert; else an error. */
export function toBoolean(value: ExpressionValue, site: Site): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  const lower = value.trim().toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false' || lower === '') return false;
  return fail(site, `${show(value)} is not a boolean`);
}

/**
 * `=`: blank equals only blank; same types compare exactly (strings case-sensitively); a string against a number
 * or a boolean converts (a non-blank string that does not convert is an error; "" is blank-like and unequal);
 * a number against a boolean is an error.
 */
export function equals(left: ExpressionValue, right: ExpressionValue, site: Site): boolean {
  if (left === undefined || right === undefined) return left === right;
  if (typeof left === typeof right) return left === right;
  if (typeof left === 'string' || typeof right === 'string') {
    const [text, other] = typeof left === 'string' ? [left, right] : [right as string, left];
    if (text.trim() === '') return false;
    return (typeof other === 'number' ? toNumber(text, site) : toBoolean(text, site)) === other;
  }
  return fail(site, `cannot compare ${show(left)} with ${show(right)}`);
}

/**
 * `< <= > >=`: numbers numerically (a string or blank beside a number converts as in arithmetic), strings by
 * ordinal, case-sensitive order (blank beside a string is ""); booleans cannot be ordered. Returns <0, 0 or >0.
 */
export function compare(left: ExpressionValue, right: ExpressionValue, site: Site): number {
  for (const value of [left, right]) {
    if (typeof value === 'boolean') fail(site, `${show(value)} is a boolean; only numbers and text can be ordered`);
  }
  if (typeof left === 'number' || typeof right === 'number') return toNumber(left, site) - toNumber(right, site);
  const [a, b] = [toText(left), toText(right)];
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `+ - * /` on two values; division by zero and a result beyond the double range are errors. */
export function arithmetic(
  operator: '+' | '-' | '*' | '/',
  left: ExpressionValue,
  right: ExpressionValue,
  site: Site,
): number {
  const a = toNumber(left, site);
  const b = toNumber(right, site);
  if (operator === '/' && b === 0) return fail(site, 'division by zero');
  const result = operator === '+' ? a + b : operator === '-' ? a - b : operator === '*' ? a * b : a / b;
  if (!Number.isFinite(result)) return fail(site, 'the result is out of range');
  // `+ 0` turns -0 into 0, so a result never serialises as "-0" or compares oddly.
  return result + 0;
}
