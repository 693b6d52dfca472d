import { z } from 'zod';

/**
 * When may an outbound job dial next? A pure function of the group strategy (spec §2.12), the instance's
 * windows and cap, the recall strategy, the block list and the attempt history. No I/O, no clock: `now` is an
 * input, so it runs inside Temporal's workflow sandbox. Choices (docs/outbound.md repeats them):
 *
 * - All day arithmetic is in the instance's IANA time zone, through `Intl.DateTimeFormat` only.
 * - Windows are `[beginTime, endTime)` local wall times (`HH:mm[:ss]`, `24:00[:00]` = end of day); end exclusive.
 *   Overnight (begin ≥ end) windows are refused by the schema: split them into two windows instead.
 * - No windows = the whole day. Strategy and instance windows are intersected.
 * - `repeatBy` is case-insensitive; absent = `once`. `once` and `day`: every day between start and end;
 *   `week`: `repeatDays` 0=Sunday..6; `month`: `repeatDays` 1..31, months lacking the day are skipped (no clamp).
 *   Empty `repeatDays` = every day. Instance `onlyWeekdays` / `onlyWorkdays` = Monday–Friday (no holiday calendar).
 * - `startTime` / `endTime` epoch ms; the attempt must start in `[startTime, endTime)`; past the end → `TimeUp`.
 * - Daily cap = min(strategy `maxAttemptsPerDay`, instance cap, default 3), counted over `history` entries for the
 *   same phone number in the same local day. Reached → the next allowed day's first window.
 * - `once` is not repeatable: a number's total attempts are capped by that daily cap; reached → never,
 *   `NoneRepeatableJobMaxAttemptCountLimit`.
 * - `minAttemptInterval` minutes after the number's latest attempt.
 * - Recall flags (true = do not redial): the latest outcome `EmptyNumber`/`NotExist`, `InArrears(NoCall)`,
 *   `OutOfService(NoCall)` → never, with that failure reason. Blocked number → never, `ContactBlockList`.
 * - `never.reason` is a job `FailureReason` of spec §1.7; `detail` is for humans.
 * - DST: a wall time in a gap maps to the first instant after the gap (the transition); one in an overlap maps
 *   to the earlier instant. So a window 02:30–04:00 on a spring-forward night starts at 03:00 local.
 */

const DAY_SECONDS = 86_400;
const MAX_SCAN_DAYS = 3_000; // Feb 29 only: at most 8 years between leap days.

/** A number or a numeric string (official examples send `"maxAttemptsPerDay":"3"`). */
const lenientNumber = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^-?\d+(\.\d+)?$/, 'must be a number'),
  ])
  .pipe(z.coerce.number());
const lenientInt = (min: number, max: number) => lenientNumber.pipe(z.number().int().min(min).max(max));
const lenientBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((text) => text === 'true')]);

/** `HH:mm[:ss]` → seconds since local midnight; `24:00[:00]` allowed (end of day). */
export const wallTimeSchema = z.string().transform((text, ctx) => {
  const match = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  const [hours, minutes, seconds] = [match?.[1], match?.[2], match?.[3] ?? '0'].map(Number);
  if (!match || hours === undefined || minutes === undefined || seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be HH:mm:ss' });
    return z.NEVER;
  }
  const total = hours * 3600 + minutes * 60 + seconds;
  if (minutes > 59 || seconds > 59 || total > DAY_SECONDS) {
    ctx.addIssue({ code: 'custom', message: 'must be a time between 00:00:00 and 24:00:00' });
    return z.NEVER;
  }
  return total;
});

export const workingTimeSchema = z
  .object({ beginTime: wallTimeSchema, endTime: wallTimeSchema })
  .refine((window) => window.beginTime < window.endTime, {
    message: 'beginTime must be before endTime (split overnight windows in two)',
  });
export type WorkingTime = z.infer<typeof workingTimeSchema>;

export const repeatBySchema = z
  .string()
  .transform((text) => text.trim().toLowerCase())
  .pipe(z.enum(['once', 'day', 'week', 'month']));

export const outboundStrategySchema = z
  .object({
    repeatBy: repeatBySchema.optional(),
    startTime: lenientNumber.optional(),
    endTime: lenientNumber.optional(),
    workingTime: z.array(workingTimeSchema).optional(),
    maxAttemptsPerDay: lenientInt(1, 1_000_000).optional(),
    minAttemptInterval: lenientInt(0, 1_000_000).optional(),
    repeatDays: z.array(lenientInt(0, 31)).optional(),
    repeatable: lenientBoolean.optional(),
    routingStrategy: z.string().optional(),
    name: z.string().optional(),
  })
  .superRefine((strategy, ctx) => {
    const [low, high] = strategy.repeatBy === 'month' ? [1, 31] : [0, 6];
    if (strategy.repeatBy === 'week' || strategy.repeatBy === 'month') {
      for (const day of strategy.repeatDays ?? []) {
        if (day < low || day > high) {
          ctx.addIssue({ code: 'custom', path: ['repeatDays'], message: `must be between ${low} and ${high}` });
        }
      }
    }
  });
export type OutboundStrategy = z.infer<typeof outboundStrategySchema>;

export const recallStrategySchema = z.object({
  emptyNumberIgnore: lenientBoolean.optional(),
  inArrearsIgnore: lenientBoolean.optional(),
  outOfServiceIgnore: lenientBoolean.optional(),
});
export type RecallStrategy = z.infer<typeof recallStrategySchema>;

/** Instance-wide settings: `SaveBaseStrategyPeriod` windows and flags, `SaveMaxAttemptsPerDay` cap. */
export const instanceLimitsSchema = z.object({
  workingTime: z.array(workingTimeSchema).optional(),
  onlyWeekdays: lenientBoolean.optional(),
  onlyWorkdays: lenientBoolean.optional(),
  maxAttemptsPerDay: lenientInt(1, 1_000_000).optional(),
});
export type InstanceLimits = z.infer<typeof instanceLimitsSchema>;

export const DEFAULT_INSTANCE_MAX_ATTEMPTS_PER_DAY = 3;

export interface Attempt {
  /** When the attempt was dialled (or planned), epoch ms. */
  at: number;
  phoneNumber: string;
  /** Task status of spec §1.7, e.g. `NoAnswer`, `EmptyNumber`. */
  outcome: string;
}

export interface NextAttemptInput {
  now: number;
  timeZone: string;
  strategy: OutboundStrategy;
  recall?: RecallStrategy;
  instance?: InstanceLimits;
  history: readonly Attempt[];
  phoneNumber: string;
  blocked: boolean;
}

export type NeverReason =
  | 'ContactBlockList'
  | 'TimeUp'
  | 'EmptyNumber'
  | 'InArrears'
  | 'OutOfService'
  | 'NoneRepeatableJobMaxAttemptCountLimit'
  | 'InvalidStrategy';

/**
 * `at`: when to dial; `closes`: when the window that `at` falls in closes (or the strategy's end), after which an
 * attempt nobody has taken is withdrawn as not dialled.
 */
export type NextAttempt =
  { kind: 'at'; at: number; closes: number } | { kind: 'never'; reason: NeverReason; detail: string };

// ---------------------------------------------------------------------------------------------------------------
// Time zones

export interface LocalDate {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
}
export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

const weekdayOf = (date: LocalDate): number => new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();

/** The local wall-clock parts of an instant in an IANA zone. Throws RangeError on an unknown zone. */
export function localParts(epochMs: number, timeZone: string): LocalDateTime {
  const values: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochMs))) values[part.type] = part.value;
  const date = {
    year: Number(values.year),
    month: Number(values.month),
    day: Number(values.day),
  };
  return {
    ...date,
    hour: Number(values.hour),
    minute: Number(values.minute),
    second: Number(values.second),
    millisecond: ((epochMs % 1000) + 1000) % 1000,
    weekday: weekdayOf(date),
  };
}

/** Local wall time as if it were UTC, in ms: comparable arithmetic on wall clocks. */
const wallMs = (date: LocalDate, secondOfDay: number): number =>
  Date.UTC(date.year, date.month - 1, date.day) + secondOfDay * 1000;

/** The zone's UTC offset at an instant, in ms (local = utc + offset). */
export function offsetAt(epochMs: number, timeZone: string): number {
  const parts = localParts(epochMs, timeZone);
  const local = wallMs(parts, parts.hour * 3600 + parts.minute * 60 + parts.second) + parts.millisecond;
  return local - epochMs;
}

/**
 * The instant of a local wall time (date + seconds since local midnight, 86 400 = next midnight) in a zone.
 * Overlap (clocks turned back): the earlier instant. Gap (clocks turned forward): the first instant after the gap.
 */
export function instantOf(date: LocalDate, secondOfDay: number, timeZone: string): number {
  const wall = wallMs(date, secondOfDay);
  const day = DAY_SECONDS * 1000;
  const candidates = [wall - offsetAt(wall - day, timeZone), wall - offsetAt(wall + day, timeZone)];
  const valid = candidates.filter((instant) => instant + offsetAt(instant, timeZone) === wall);
  if (valid.length > 0) return Math.min(...valid);
  // Gap: search the transition between the instant before it and the one after it.
  let [low, high] = [Math.min(...candidates), Math.max(...candidates)];
  const before = offsetAt(low, timeZone);
  while (high - low > 1000) {
    const mid = low + Math.floor((high - low) / 2000) * 1000;
    if (offsetAt(mid, timeZone) === before) low = mid;
    else high = mid;
  }
  return high;
}

const addDays = (date: LocalDate, days: number): LocalDate => {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
};
const sameDate = (a: LocalDate, b: LocalDate): boolean => a.year === b.year && a.month === b.month && a.day === b.day;

// ---------------------------------------------------------------------------------------------------------------
// Windows and days

type Interval = [number, number]; // seconds of day, [begin, end)

function toIntervals(windows: readonly WorkingTime[] | undefined): Interval[] {
  if (!windows || windows.length === 0) return [[0, DAY_SECONDS]];
  return windows.map((window): Interval => [window.beginTime, window.endTime]).sort((a, b) => a[0] - b[0]);
}

/** Intersection of two unions of intervals, sorted. */
export function intersectWindows(a: readonly WorkingTime[] | undefined, b: readonly WorkingTime[] | undefined) {
  const result: Interval[] = [];
  for (const [aBegin, aEnd] of toIntervals(a)) {
    for (const [bBegin, bEnd] of toIntervals(b)) {
      const [begin, end] = [Math.max(aBegin, bBegin), Math.min(aEnd, bEnd)];
      if (begin < end) result.push([begin, end]);
    }
  }
  return result.sort((x, y) => x[0] - y[0]);
}

function dayAllowed(date: LocalDate, strategy: OutboundStrategy, instance: InstanceLimits): boolean {
  const weekday = weekdayOf(date);
  if ((instance.onlyWeekdays || instance.onlyWorkdays) && (weekday === 0 || weekday === 6)) return false;
  const days = strategy.repeatDays ?? [];
  if (days.length === 0) return true;
  if (strategy.repeatBy === 'week') return days.includes(weekday);
  if (strategy.repeatBy === 'month') return days.includes(date.day);
  return true;
}

const RECALL_RULES: { flag: keyof RecallStrategy; outcomes: string[]; reason: NeverReason }[] = [
  { flag: 'emptyNumberIgnore', outcomes: ['EmptyNumber', 'NotExist'], reason: 'EmptyNumber' },
  { flag: 'inArrearsIgnore', outcomes: ['InArrears', 'InArrearsNoCall'], reason: 'InArrears' },
  { flag: 'outOfServiceIgnore', outcomes: ['OutOfService', 'OutOfServiceNoCall'], reason: 'OutOfService' },
];

// ---------------------------------------------------------------------------------------------------------------
// The decision

/** The earliest instant ≥ `now` at which the number may be dialled, or why it never may. */
export function nextAttemptAt(input: NextAttemptInput): NextAttempt {
  const { now, timeZone, strategy, phoneNumber } = input;
  const instance = input.instance ?? {};
  if (input.blocked)
    return { kind: 'never', reason: 'ContactBlockList', detail: `${phoneNumber} is on the block list` };

  const attempts = input.history.filter((attempt) => attempt.phoneNumber === phoneNumber).sort((a, b) => a.at - b.at);
  const last = attempts[attempts.length - 1];
  if (last) {
    for (const rule of RECALL_RULES) {
      if (input.recall?.[rule.flag] && rule.outcomes.includes(last.outcome)) {
        return { kind: 'never', reason: rule.reason, detail: `last outcome ${last.outcome} and ${rule.flag} is set` };
      }
    }
  }

  const cap = Math.min(
    strategy.maxAttemptsPerDay ?? Infinity,
    instance.maxAttemptsPerDay ?? DEFAULT_INSTANCE_MAX_ATTEMPTS_PER_DAY,
  );
  const repeatBy = strategy.repeatBy ?? 'once';
  if (repeatBy === 'once' && attempts.length >= cap) {
    return {
      kind: 'never',
      reason: 'NoneRepeatableJobMaxAttemptCountLimit',
      detail: `${attempts.length} attempts reached the cap of ${cap} for a non-repeating strategy`,
    };
  }

  const end = strategy.endTime ?? Infinity;
  const interval = (strategy.minAttemptInterval ?? 0) * 60_000;
  const earliest = Math.max(now, strategy.startTime ?? -Infinity, last ? last.at + interval : -Infinity);
  const timeUp: NextAttempt = { kind: 'never', reason: 'TimeUp', detail: `the strategy ended at ${end}` };
  if (earliest >= end) return timeUp;

  const windows = intersectWindows(strategy.workingTime, instance.workingTime);
  if (windows.length === 0) {
    return { kind: 'never', reason: 'InvalidStrategy', detail: 'strategy and instance windows do not intersect' };
  }
  const attemptDays = attempts.map((attempt) => localParts(attempt.at, timeZone));

  let date: LocalDate = localParts(earliest, timeZone);
  for (let scanned = 0; scanned < MAX_SCAN_DAYS; scanned += 1, date = addDays(date, 1)) {
    if (instantOf(date, 0, timeZone) >= end) return timeUp;
    if (!dayAllowed(date, strategy, instance)) continue;
    const current = date;
    if (attemptDays.filter((day) => sameDate(day, current)).length >= cap) continue;
    for (const [begin, finish] of windows) {
      const opens = instantOf(date, begin, timeZone);
      const closes = Math.min(instantOf(date, finish, timeZone), end);
      const at = Math.max(earliest, opens);
      if (at < closes) return { kind: 'at', at, closes };
      if (opens >= end) return timeUp;
    }
  }
  return { kind: 'never', reason: 'InvalidStrategy', detail: `no allowed day within ${MAX_SCAN_DAYS} days` };
}
