import {
  type Attempt,
  type NextAttemptInput,
  instanceLimitsSchema,
  instantOf,
  localParts,
  nextAttemptAt,
  offsetAt,
  outboundStrategySchema,
  recallStrategySchema,
} from '../../domain/outbound/strategy';

const SHANGHAI = 'Asia/Shanghai'; // +08:00, no DST
const BERLIN = 'Europe/Berlin';
const PHONE = '13800000000';

/** An instant written with its offset, e.g. `2024-03-04T10:00:00+08:00`. */
const t = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad date ${iso}`);
  return ms;
};
const sh = (local: string): number => t(`${local}+08:00`);

const strategy = (json: unknown) => outboundStrategySchema.parse(json);
const attempt = (at: number, outcome = 'NoAnswer', phoneNumber = PHONE): Attempt => ({ at, phoneNumber, outcome });

function next(overrides: Partial<NextAttemptInput> & { now: number }) {
  return nextAttemptAt({
    timeZone: SHANGHAI,
    strategy: {},
    history: [],
    phoneNumber: PHONE,
    blocked: false,
    ...overrides,
  });
}
const at = (ms: number) => expect.objectContaining({ kind: 'at', at: ms });
const never = (reason: string) => expect.objectContaining({ kind: 'never', reason });

const TWO_WINDOWS = [
  { beginTime: '10:00:00', endTime: '11:00:00' },
  { beginTime: '14:00:00', endTime: '15:00:00' },
];

describe('strategy schema', () => {
  it('parses the documented example with numeric strings', () => {
    const parsed = strategy({
      maxAttemptsPerDay: '3',
      minAttemptInterval: '10',
      routingStrategy: 'LocalProvinceFirst',
      repeatDays: ['1', '2', '3'],
      workingTime: TWO_WINDOWS,
      repeatable: true,
      endTime: 1707494400000,
      startTime: '1706976000000',
      repeatBy: 'Week',
    });
    expect(parsed).toMatchObject({
      maxAttemptsPerDay: 3,
      minAttemptInterval: 10,
      repeatDays: [1, 2, 3],
      startTime: 1706976000000,
      repeatBy: 'week',
      workingTime: [
        { beginTime: 36000, endTime: 39600 },
        { beginTime: 50400, endTime: 54000 },
      ],
    });
  });

  it('accepts an empty strategy, HH:mm and 24:00:00 as end of day', () => {
    expect(strategy({})).toEqual({});
    expect(strategy({ workingTime: [{ beginTime: '22:00', endTime: '24:00:00' }] }).workingTime).toEqual([
      { beginTime: 79200, endTime: 86400 },
    ]);
  });

  it.each([
    ['a non-numeric string', { maxAttemptsPerDay: 'three' }, 'maxAttemptsPerDay'],
    ['an overnight window', { workingTime: [{ beginTime: '22:00:00', endTime: '06:00:00' }] }, 'workingTime'],
    ['an empty window', { workingTime: [{ beginTime: '10:00:00', endTime: '10:00:00' }] }, 'workingTime'],
    ['a time past 24:00', { workingTime: [{ beginTime: '10:00:00', endTime: '24:00:01' }] }, 'workingTime'],
    ['minutes 60', { workingTime: [{ beginTime: '10:60:00', endTime: '11:00:00' }] }, 'workingTime'],
    ['an unknown repeatBy', { repeatBy: 'Year' }, 'repeatBy'],
    ['weekday 7', { repeatBy: 'week', repeatDays: [7] }, 'repeatDays'],
    ['month day 0', { repeatBy: 'MONTH', repeatDays: ['0'] }, 'repeatDays'],
    ['a zero daily cap', { maxAttemptsPerDay: 0 }, 'maxAttemptsPerDay'],
  ])('refuses %s, naming the field', (_name, json, field) => {
    const result = outboundStrategySchema.safeParse(json);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path[0]).toBe(field);
  });

  it('parses recall and instance settings leniently', () => {
    expect(recallStrategySchema.parse({ emptyNumberIgnore: 'true', inArrearsIgnore: false })).toEqual({
      emptyNumberIgnore: true,
      inArrearsIgnore: false,
    });
    expect(instanceLimitsSchema.parse({ maxAttemptsPerDay: '5', onlyWeekdays: 'false' })).toEqual({
      maxAttemptsPerDay: 5,
      onlyWeekdays: false,
    });
  });
});

describe('time-zone helpers', () => {
  it('gives local parts of an instant', () => {
    expect(localParts(t('2024-03-03T23:30:15.250Z'), SHANGHAI)).toEqual({
      year: 2024,
      month: 3,
      day: 4,
      hour: 7,
      minute: 30,
      second: 15,
      millisecond: 250,
      weekday: 1,
    });
    expect(localParts(t('2024-01-01T00:00:00Z'), 'UTC')).toMatchObject({ hour: 0, weekday: 1 });
  });

  it('gives the offset, including DST', () => {
    expect(offsetAt(t('2024-01-15T12:00:00Z'), BERLIN)).toBe(3_600_000);
    expect(offsetAt(t('2024-07-15T12:00:00Z'), BERLIN)).toBe(7_200_000);
    expect(offsetAt(t('2024-07-15T12:00:00Z'), 'America/St_Johns')).toBe(-9_000_000);
  });

  it('gives the instant of a wall time', () => {
    expect(instantOf({ year: 2024, month: 3, day: 4 }, 36000, SHANGHAI)).toBe(sh('2024-03-04T10:00:00'));
    expect(instantOf({ year: 2024, month: 7, day: 1 }, 0, BERLIN)).toBe(t('2024-06-30T22:00:00Z'));
    expect(instantOf({ year: 2024, month: 12, day: 31 }, 86400, SHANGHAI)).toBe(sh('2025-01-01T00:00:00'));
  });

  it('maps a wall time in a spring-forward gap to the first instant after the gap', () => {
    // Berlin, 2024-03-31: 02:00 CET jumps to 03:00 CEST (01:00Z); 02:30 does not exist.
    expect(instantOf({ year: 2024, month: 3, day: 31 }, 2.5 * 3600, BERLIN)).toBe(t('2024-03-31T01:00:00Z'));
    expect(instantOf({ year: 2024, month: 3, day: 31 }, 2 * 3600, BERLIN)).toBe(t('2024-03-31T01:00:00Z'));
    expect(instantOf({ year: 2024, month: 3, day: 31 }, 3 * 3600, BERLIN)).toBe(t('2024-03-31T01:00:00Z'));
    expect(instantOf({ year: 2024, month: 3, day: 31 }, 1.5 * 3600, BERLIN)).toBe(t('2024-03-31T00:30:00Z'));
  });

  it('maps a wall time in a fall-back overlap to the earlier instant', () => {
    // Berlin, 2024-10-27: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice (00:30Z and 01:30Z).
    expect(instantOf({ year: 2024, month: 10, day: 27 }, 2.5 * 3600, BERLIN)).toBe(t('2024-10-27T00:30:00Z'));
    expect(instantOf({ year: 2024, month: 10, day: 27 }, 3 * 3600, BERLIN)).toBe(t('2024-10-27T02:00:00Z'));
  });
});

describe('nextAttemptAt', () => {
  it('answers now for an empty strategy and no history', () => {
    const now = sh('2024-03-04T03:17:42');
    expect(next({ now })).toEqual(at(now));
  });

  describe('working-time windows', () => {
    const s = strategy({ workingTime: TWO_WINDOWS, repeatBy: 'Day' });
    it.each([
      ['before the first window', '2024-03-04T08:00:00', '2024-03-04T10:00:00'],
      ['exactly at a window start', '2024-03-04T10:00:00', '2024-03-04T10:00:00'],
      ['inside a window', '2024-03-04T10:59:59', '2024-03-04T10:59:59'],
      ['exactly at a window end (exclusive)', '2024-03-04T11:00:00', '2024-03-04T14:00:00'],
      ['between windows', '2024-03-04T12:00:00', '2024-03-04T14:00:00'],
      ['after the last window: next day', '2024-03-04T15:00:00', '2024-03-05T10:00:00'],
      ['year-end rollover', '2024-12-31T16:00:00', '2025-01-01T10:00:00'],
      ['leap-day rollover', '2024-02-28T23:59:59', '2024-02-29T10:00:00'],
    ])('%s', (_name, now, expected) => {
      expect(next({ now: sh(now), strategy: s })).toEqual(at(sh(expected)));
    });

    it('says when the window of the attempt closes', () => {
      expect(next({ now: sh('2024-03-04T10:30:00'), strategy: s })).toEqual({
        kind: 'at',
        at: sh('2024-03-04T10:30:00'),
        closes: sh('2024-03-04T11:00:00'),
      });
      expect(next({ now: sh('2024-03-04T12:00:00'), strategy: s })).toMatchObject({
        closes: sh('2024-03-04T15:00:00'),
      });
    });

    it('closes at the strategy end when it comes first, and at midnight without windows', () => {
      const ending = strategy({ workingTime: TWO_WINDOWS, endTime: sh('2024-03-04T10:20:00') });
      expect(next({ now: sh('2024-03-04T10:00:00'), strategy: ending })).toMatchObject({
        closes: sh('2024-03-04T10:20:00'),
      });
      expect(next({ now: sh('2024-03-04T09:00:00') })).toMatchObject({ closes: sh('2024-03-05T00:00:00') });
    });

    it('windows in any order', () => {
      const reversed = strategy({ workingTime: [...TWO_WINDOWS].reverse() });
      expect(next({ now: sh('2024-03-04T08:00:00'), strategy: reversed })).toEqual(at(sh('2024-03-04T10:00:00')));
    });

    it('a window to 24:00 ends at the next midnight', () => {
      const late = strategy({ workingTime: [{ beginTime: '22:00:00', endTime: '24:00:00' }], repeatBy: 'day' });
      expect(next({ now: sh('2024-03-04T23:59:59'), strategy: late })).toEqual(at(sh('2024-03-04T23:59:59')));
      expect(next({ now: sh('2024-03-05T00:00:00'), strategy: late })).toEqual(at(sh('2024-03-05T22:00:00')));
    });

    it('intersects the instance windows with the strategy windows', () => {
      const s2 = strategy({ workingTime: [{ beginTime: '09:00:00', endTime: '12:00:00' }], repeatBy: 'day' });
      const instance = { workingTime: [{ beginTime: 36000, endTime: 64800 }] }; // 10:00–18:00
      expect(next({ now: sh('2024-03-04T08:00:00'), strategy: s2, instance })).toEqual(at(sh('2024-03-04T10:00:00')));
      expect(next({ now: sh('2024-03-04T12:00:00'), strategy: s2, instance })).toEqual(at(sh('2024-03-05T10:00:00')));
      expect(next({ now: sh('2024-03-04T12:00:00'), instance })).toEqual(at(sh('2024-03-04T12:00:00')));
    });

    it('never when strategy and instance windows do not intersect', () => {
      const s2 = strategy({ workingTime: [{ beginTime: '09:00:00', endTime: '10:00:00' }] });
      const instance = { workingTime: [{ beginTime: 36000, endTime: 64800 }] };
      expect(next({ now: sh('2024-03-04T08:00:00'), strategy: s2, instance })).toEqual(never('InvalidStrategy'));
    });

    it('instance onlyWeekdays skips the weekend', () => {
      // 2024-03-09 is a Saturday.
      const instance = { onlyWeekdays: true };
      expect(next({ now: sh('2024-03-09T12:00:00'), instance })).toEqual(at(sh('2024-03-11T00:00:00')));
      expect(next({ now: sh('2024-03-08T12:00:00'), instance })).toEqual(at(sh('2024-03-08T12:00:00')));
    });
  });

  describe('repeatBy and repeatDays', () => {
    it('week: the next listed weekday (0 = Sunday)', () => {
      const s = strategy({ repeatBy: 'Week', repeatDays: ['1', '3'], workingTime: TWO_WINDOWS });
      // 2024-03-05 is a Tuesday → Wednesday 03-06.
      expect(next({ now: sh('2024-03-05T09:00:00'), strategy: s })).toEqual(at(sh('2024-03-06T10:00:00')));
      // Wednesday after the windows → Monday 03-11.
      expect(next({ now: sh('2024-03-06T16:00:00'), strategy: s })).toEqual(at(sh('2024-03-11T10:00:00')));
      const sunday = strategy({ repeatBy: 'week', repeatDays: [0] });
      expect(next({ now: sh('2024-03-05T09:00:00'), strategy: sunday })).toEqual(at(sh('2024-03-10T00:00:00')));
    });

    it('never when no day can ever be allowed (weekend-only strategy, weekday-only instance)', () => {
      const s = strategy({ repeatBy: 'week', repeatDays: [0, 6] });
      const result = next({ now: sh('2024-03-04T09:00:00'), strategy: s, instance: { onlyWorkdays: true } });
      expect(result).toEqual(never('InvalidStrategy'));
    });

    it('repeatDays are ignored unless repeatBy is week or month', () => {
      const s = strategy({ repeatBy: 'day', repeatDays: [3] });
      expect(next({ now: sh('2024-03-04T09:00:00'), strategy: s })).toEqual(at(sh('2024-03-04T09:00:00')));
    });

    it('week with no repeatDays: every day', () => {
      const s = strategy({ repeatBy: 'week', workingTime: TWO_WINDOWS });
      expect(next({ now: sh('2024-03-05T16:00:00'), strategy: s })).toEqual(at(sh('2024-03-06T10:00:00')));
    });

    it('month: day 31 skips 30-day months (no clamping)', () => {
      const s = strategy({ repeatBy: 'Month', repeatDays: [31], workingTime: TWO_WINDOWS });
      expect(next({ now: sh('2024-04-10T09:00:00'), strategy: s })).toEqual(at(sh('2024-05-31T10:00:00')));
      expect(next({ now: sh('2024-05-31T16:00:00'), strategy: s })).toEqual(at(sh('2024-07-31T10:00:00')));
    });

    it('month: day 29 skips February in a non-leap year, not in a leap year', () => {
      const s = strategy({ repeatBy: 'month', repeatDays: ['29'] });
      expect(next({ now: sh('2023-02-01T00:00:00'), strategy: s })).toEqual(at(sh('2023-03-29T00:00:00')));
      expect(next({ now: sh('2024-02-01T00:00:00'), strategy: s })).toEqual(at(sh('2024-02-29T00:00:00')));
      const late = strategy({ repeatBy: 'month', repeatDays: [30, 31] });
      expect(next({ now: sh('2023-02-01T00:00:00'), strategy: late })).toEqual(at(sh('2023-03-30T00:00:00')));
    });
  });

  describe('start and end', () => {
    const s = (extra: object) => strategy({ repeatBy: 'day', workingTime: TWO_WINDOWS, ...extra });

    it('waits for a future startTime, then for the window', () => {
      const now = sh('2024-03-04T09:00:00');
      expect(next({ now, strategy: s({ startTime: sh('2024-03-06T10:30:00') }) })).toEqual(
        at(sh('2024-03-06T10:30:00')),
      );
      expect(next({ now, strategy: s({ startTime: String(sh('2024-03-06T12:00:00')) }) })).toEqual(
        at(sh('2024-03-06T14:00:00')),
      );
    });

    it('never once endTime has passed (exclusive)', () => {
      const endTime = sh('2024-03-04T10:30:00');
      expect(next({ now: sh('2024-03-04T10:30:00'), strategy: s({ endTime }) })).toEqual(never('TimeUp'));
      expect(next({ now: sh('2024-03-05T10:30:00'), strategy: s({ endTime }) })).toEqual(never('TimeUp'));
      expect(next({ now: sh('2024-03-04T10:29:59'), strategy: s({ endTime }) })).toEqual(at(endTime - 1000));
    });

    it('never when the next window opens after endTime', () => {
      const endTime = sh('2024-03-04T13:00:00');
      expect(next({ now: sh('2024-03-04T12:00:00'), strategy: s({ endTime }) })).toEqual(never('TimeUp'));
      expect(next({ now: sh('2024-03-04T09:00:00'), strategy: s({ endTime }) })).toEqual(at(sh('2024-03-04T10:00:00')));
    });
  });

  describe('caps and intervals', () => {
    const daily = strategy({ repeatBy: 'day', workingTime: TWO_WINDOWS, maxAttemptsPerDay: 2 });

    it('maxAttemptsPerDay reached → the next day’s first window', () => {
      const history = [attempt(sh('2024-03-04T10:00:00')), attempt(sh('2024-03-04T10:10:00'))];
      expect(next({ now: sh('2024-03-04T10:20:00'), strategy: daily, history })).toEqual(at(sh('2024-03-05T10:00:00')));
      // One attempt yesterday does not count today.
      const yesterday = [attempt(sh('2024-03-03T14:00:00')), attempt(sh('2024-03-04T10:00:00'))];
      const now = sh('2024-03-04T10:20:00');
      expect(next({ now, strategy: daily, history: yesterday })).toEqual(at(now));
    });

    it('counts only attempts to the same number', () => {
      const history = [attempt(sh('2024-03-04T10:00:00'), 'NoAnswer', '1'), attempt(sh('2024-03-04T10:05:00'))];
      const now = sh('2024-03-04T10:20:00');
      expect(next({ now, strategy: daily, history })).toEqual(at(now));
    });

    it('the instance cap (default 3) applies when lower than the strategy cap', () => {
      const generous = strategy({ repeatBy: 'day', maxAttemptsPerDay: 10 });
      const history = [1, 2, 3].map((h) => attempt(sh(`2024-03-04T0${h}:00:00`)));
      const now = sh('2024-03-04T12:00:00');
      expect(next({ now, strategy: generous, history })).toEqual(at(sh('2024-03-05T00:00:00')));
      const instance = { maxAttemptsPerDay: 1 };
      expect(next({ now, strategy: generous, history: history.slice(0, 1), instance })).toEqual(
        at(sh('2024-03-05T00:00:00')),
      );
      expect(next({ now, strategy: generous, history, instance: { maxAttemptsPerDay: 4 } })).toEqual(at(now));
    });

    it('a non-repeating strategy (once, or none given) is exhausted after one day’s cap', () => {
      const history = [1, 2, 3].map((h) => attempt(sh(`2024-03-0${h}T10:00:00`)));
      const now = sh('2024-03-04T12:00:00');
      expect(next({ now, history })).toEqual(never('NoneRepeatableJobMaxAttemptCountLimit'));
      const once = strategy({ repeatBy: 'Once', maxAttemptsPerDay: 4 });
      expect(next({ now, history, strategy: once, instance: { maxAttemptsPerDay: 5 } })).toEqual(at(now));
      expect(next({ now, history: [...history, attempt(now - 1)], strategy: once })).toEqual(
        never('NoneRepeatableJobMaxAttemptCountLimit'),
      );
    });

    it('minAttemptInterval after the latest attempt, rolling into the next window', () => {
      const s = strategy({ repeatBy: 'day', workingTime: TWO_WINDOWS, minAttemptInterval: '30' });
      const history = [attempt(sh('2024-03-04T10:00:00')), attempt(sh('2024-03-04T10:20:00'))];
      expect(next({ now: sh('2024-03-04T10:25:00'), strategy: s, history })).toEqual(at(sh('2024-03-04T10:50:00')));
      const late = [attempt(sh('2024-03-04T10:40:00'))];
      expect(next({ now: sh('2024-03-04T10:45:00'), strategy: s, history: late })).toEqual(
        at(sh('2024-03-04T14:00:00')),
      );
      // Interval already elapsed: now.
      expect(next({ now: sh('2024-03-04T14:30:00'), strategy: s, history: late })).toEqual(
        at(sh('2024-03-04T14:30:00')),
      );
    });
  });

  describe('block list and recall strategy', () => {
    it('never for a blocked number', () => {
      expect(next({ now: 0, blocked: true })).toEqual(never('ContactBlockList'));
    });

    it.each([
      ['emptyNumberIgnore', 'EmptyNumber', 'EmptyNumber'],
      ['emptyNumberIgnore', 'NotExist', 'EmptyNumber'],
      ['inArrearsIgnore', 'InArrears', 'InArrears'],
      ['outOfServiceIgnore', 'OutOfServiceNoCall', 'OutOfService'],
    ])('%s after %s → never (%s)', (flag, outcome, reason) => {
      const now = sh('2024-03-04T12:00:00');
      const history = [attempt(sh('2024-03-04T10:00:00'), outcome)];
      expect(next({ now, history, recall: { [flag]: true } })).toEqual(never(reason));
      expect(next({ now, history, recall: { [flag]: false } })).toEqual(at(now));
      expect(next({ now, history: [attempt(now - 1, 'NoAnswer')], recall: { [flag]: true } })).toEqual(at(now));
    });
  });

  describe('daylight saving time (Europe/Berlin, last Sunday of March 2024)', () => {
    const base = { timeZone: BERLIN };

    it('a window in the gap starts when the clocks jump', () => {
      const s = strategy({ repeatBy: 'day', workingTime: [{ beginTime: '02:30:00', endTime: '04:00:00' }] });
      expect(next({ ...base, now: t('2024-03-31T00:00:00+01:00'), strategy: s })).toEqual(
        at(t('2024-03-31T03:00:00+02:00')),
      );
    });

    it('a window entirely in the gap does not exist that day', () => {
      const s = strategy({ repeatBy: 'day', workingTime: [{ beginTime: '02:00:00', endTime: '02:30:00' }] });
      expect(next({ ...base, now: t('2024-03-31T00:00:00+01:00'), strategy: s })).toEqual(
        at(t('2024-04-01T02:00:00+02:00')),
      );
    });

    it('day rollover across the change keeps local wall time', () => {
      const s = strategy({ repeatBy: 'day', workingTime: [{ beginTime: '09:00:00', endTime: '17:00:00' }] });
      expect(next({ ...base, now: t('2024-03-30T18:00:00+01:00'), strategy: s })).toEqual(
        at(t('2024-03-31T09:00:00+02:00')),
      );
    });

    it('caps count by local day, not UTC day', () => {
      const s = strategy({ repeatBy: 'day', maxAttemptsPerDay: 1 });
      // 23:30 local on the 30th is 22:30Z; 00:30 local on the 31st is 23:30Z on the 30th.
      const history = [attempt(t('2024-03-30T23:30:00+01:00'))];
      const now = t('2024-03-31T00:30:00+01:00');
      expect(next({ ...base, now, strategy: s, history })).toEqual(at(now));
    });
  });
});
