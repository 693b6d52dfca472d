import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
/**
 * Wire conventions of the Job Router API (spec §1, §6.2): timestamps with 7 fractional digits and `+00:00`, null
 * scalars omitted, quoted ETags derived from the resource's content, RFC 7231 `Last-Modified`. Pure (no
 * `node:crypto`, no `TextEncoder`), so workflows can compute the same ETag as the API.
 */

// ---------------------------------------------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------------------------------------------

/** An instant with 100 ns resolution: whole seconds since the epoch plus the 7-digit fraction, kept exactly. */
interface Instant {
  epochSeconds: number;
  /** 0..9,999,999 (units of 100 ns). */
  ticks: number;
}

// Extended ISO 8601 date-time. Seconds and the fraction are optional; the offset is `Z`, `±hh`, `±hhmm` or `±hh:mm`.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

function parseInstant(text: string): Instant | undefined {
  const m = ISO_DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0..99 to 1900..1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  // Day 31 of a 30-day month rolls over: reject instead of silently moving the date.
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return undefined;
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const hours = Number(m[10]);
    const minutes = m[11] === undefined ? 0 : Number(m[11]);
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  // Digits beyond the 7th (below 100 ns) are truncated: the wire format cannot carry them.
  const ticks = Number((m[7] ?? '').padEnd(7, '0').slice(0, 7));
  const epochSeconds = date.getTime() / 1000 - offsetMinutes * 60;
  const yearUtc = new Date(epochSeconds * 1000).getUTCFullYear();
  if (yearUtc < 0 || yearUtc > 9999) return undefined;
  return { epochSeconds, ticks };
}

function formatInstant({ epochSeconds, ticks }: Instant): string {
  const iso = new Date(epochSeconds * 1000).toISOString(); // yyyy-mm-ddThh:mm:ss.000Z
  return `${iso.slice(0, 19)}.${String(ticks).padStart(7, '0')}+00:00`;
}

/**
 * Any ISO 8601 date-time → the wire form `2026-11-29T21:05:00.1234567+00:00` (UTC, exactly 7 fractional digits);
 * undefined when the text is not a valid date-time. A value without an offset is read as UTC (the spec is silent;
 * every official client sends an offset). Sub-millisecond digits are kept, so a client's value round-trips exactly.
 */
export function normaliseTimestamp(text: string): string | undefined {
  const instant = parseInstant(text);
  return instant && formatInstant(instant);
}

/** A server-side instant (a Date or epoch milliseconds) in the wire form. */
export function formatTimestamp(at: Date | number): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  const epochSeconds = Math.floor(ms / 1000);
  return formatInstant({ epochSeconds, ticks: Math.round(ms - epochSeconds * 1000) * 10_000 });
}

/** Epoch milliseconds of a timestamp (sub-millisecond digits dropped): for timers and comparisons. */
export function timestampMillis(text: string): number | undefined {
  const instant = parseInstant(text);
  return instant && instant.epochSeconds * 1000 + Math.floor(instant.ticks / 10_000);
}

/** RFC 7231 IMF-fixdate for `Last-Modified` (`Sun, 29 Nov 2026 15:43:00 GMT`): the official client rejects ISO. */
export function httpDate(at: Date | number): string {
  return new Date(typeof at === 'number' ? at : at.getTime()).toUTCString();
}

// ---------------------------------------------------------------------------------------------------------------
// JSON shape
// ---------------------------------------------------------------------------------------------------------------

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Removes null and undefined object members at every depth (spec §1: null-valued optional scalars are omitted).
 * Array elements are kept as they are: an array's length is part of its meaning. Collections stay present: the
 * schemas default them to `[]` / `{}`.
 */
export function omitNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(omitNulls);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== null && member !== undefined) out[key] = omitNulls(member);
  }
  return out;
}

/**
 * JSON with object keys sorted at every depth and undefined members dropped: two resources with the same content
 * have the same text whatever order their keys were written in, which is what makes the ETag stable.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (isPlainObject(value)) {
    const members = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// ---------------------------------------------------------------------------------------------------------------
// ETag
// ---------------------------------------------------------------------------------------------------------------

/**
 * The ETag of a stored resource: the first 128 bits of SHA-256 over its canonical JSON (without any `etag` member),
 * in hex, wrapped in double quotes as the spec and the official client expect (`"…"` in the body and the header).
 * Derived from content, so a PATCH that changes nothing keeps the ETag and no counter has to be stored.
 */
export function computeEtag(resource: object): string {
  const { etag: _ignored, ...content } = resource as Record<string, unknown>;
  // Nulls are dropped first: on the wire a null member is an absent one, so both must give the same ETag.
  return `"${sha256Hex(canonicalJson(omitNulls(content))).slice(0, 32)}"`;
}

/**
 * Whether an `If-Match` header value is satisfied by the current ETag. `*` matches any existing resource (the caller
 * checks existence). Lists (`"a", "b"`) are accepted; weak tags (`W/"…"`) never match (RFC 9110 strong comparison).
 * An unquoted value is read as if quoted, for hand-written clients.
 */
export function ifMatchSatisfied(header: string, currentEtag: string): boolean {
  const value = header.trim();
  if (value === '*') return true;
  return value
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0 && !tag.startsWith('W/'))
    .some((tag) => (tag.startsWith('"') ? tag : `"${tag}"`) === currentEtag);
}

// SHA-256 (FIPS 180-4) over the UTF-8 bytes of a string.

/** SHA-256 from @noble/hashes: audited, pure JavaScript, so it also runs in the workflow sandbox (no node:crypto). */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/**
 * A stored resource as the API returns it (spec §1): its members in schema order without nulls, then `etag` (the
 * given one, else the content's).
 */
export function toWire(resource: object, etag?: string): Record<string, unknown> {
  const body = omitNulls(resource) as Record<string, unknown>;
  delete body.etag;
  // A versioned ETag (jobs, workers) is given: hashing the content again would be wasted (SHA-256 in a workflow).
  return { ...body, etag: etag ?? computeEtag(resource) };
}
