import type { Labels } from '../../domain/routing/common';
import {
  MAX_NESTING,
  evaluateExpression,
  parseExpression,
  type ExpressionValue,
} from '../../domain/routing/rules/expression';

/**
 * The PowerFx subset of routing expressions (spec §4.3): parser and evaluator. Positions are 0-based offsets.
 */

const JOB: Labels = {
  Escalated: true,
  Tier: 3,
  TierText: '2',
  Region: 'NA',
  Name: 'MiXed Case',
  Empty: '',
  Zero: 0,
  'My Label': 'spaced',
  "it's": 'quoted',
  If: 'keyword-named',
};

function run(text: string, job: Labels = JOB, worker?: Labels) {
  const parsed = parseExpression(text);
  if (!parsed.ok) throw new Error(`${text} did not parse: ${parsed.position}: ${parsed.message}`);
  return evaluateExpression(parsed.ast, worker === undefined ? { job } : { job, worker });
}

/** The value of an expression that must parse and evaluate. */
function value(text: string, job: Labels = JOB, worker?: Labels): ExpressionValue {
  const result = run(text, job, worker);
  if (!result.ok) throw new Error(`${text} failed: ${result.reason}`);
  return result.value;
}

/** The reason of an expression that parses and then fails at run time. */
function runtimeError(text: string, job: Labels = JOB): string {
  const result = run(text, job);
  if (result.ok) throw new Error(`${text} gave ${JSON.stringify(result.value)}, expected a failure`);
  return result.reason;
}

/** [position, message] of an expression that does not parse. */
function parseError(text: string): [number, string] {
  const parsed = parseExpression(text);
  if (parsed.ok) throw new Error(`${text} parsed, expected a parse error`);
  return [parsed.position, parsed.message];
}

type Case = [string, ExpressionValue];
const cases = (list: Case[]) =>
  it.each<Case>(list)('%p → %p', (text, expected) => expect(value(text)).toEqual(expected));

describe('literals', () => {
  cases([
    ['123', 123],
    ['1.5', 1.5],
    ['1e3', 1000],
    ['2.5E-1', 0.25],
    ['"text"', 'text'],
    ['"say ""hi"""', 'say "hi"'],
    ['""', ''],
    ['"two\nlines"', 'two\nlines'],
    ['true', true],
    ['FALSE', false],
    ['True', true],
    ['Blank()', undefined],
    ['blank()', undefined],
    ['  1 /* block */ + // line\n 2  ', 3],
  ]);

  it('a blank is undefined, not null, and -0 is 0', () => {
    expect(run('Blank()')).toEqual({ ok: true, value: undefined });
    expect(Object.is(value('-0'), 0)).toBe(true);
    expect(Object.is(value('0 * -1'), 0)).toBe(true);
  });
});

describe('label access', () => {
  cases([
    ['job.Tier', 3],
    ['job.Region', 'NA'],
    ['job.Escalated', true],
    ['job.Missing', undefined],
    ['job.tier', undefined], // label names are case-sensitive
    ['Job.Tier', 3], // `job` / `worker` are not
    ["job.'My Label'", 'spaced'],
    ["job.'it''s'", 'quoted'],
    ["job.'Tier'", 3],
    ['job.If', 'keyword-named'],
    ['job.true', undefined],
    ['job.constructor', undefined], // own keys only, never the prototype's
    ['job.toString', undefined],
    ['job.__proto__', undefined],
    ['job . Tier', 3],
  ]);

  it('worker.<label> reads the worker; without a worker every worker label is blank', () => {
    expect(value('worker.Skill', JOB, { Skill: 4 })).toBe(4);
    expect(value('worker.Other', JOB, { Skill: 4 })).toBeUndefined();
    expect(value('worker.Skill')).toBeUndefined();
    expect(value('job.Tier + worker.Skill', JOB, { Skill: 4 })).toBe(7);
  });
});

describe('arithmetic', () => {
  cases([
    ['1 + 2', 3],
    ['5 - 7', -2],
    ['6 * 7', 42],
    ['7 / 2', 3.5],
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3], // left-associative
    ['12 / 3 / 2', 2],
    ['2 * 3 + 4 * 5', 26],
    ['-2 * 3', -6],
    ['2 * -3', -6],
    ['--2', 2],
    ['-job.Tier', -3],
    ['-(1 + 2)', -3],
    ['job.Missing + 1', 1], // blank is 0
    ['job.Missing * 5', 0],
    ['-job.Missing', 0],
    ['"2" + 1', 3], // a numeric string converts
    ['job.TierText * 2', 4],
    ['" 4 " - 1', 3],
    ['"1.5e1" / 3', 5],
    ['"" + 1', 1], // "" is blank-like
    ['job.Empty * 3', 0],
  ]);

  it('a non-numeric string is an error naming the operator and its position', () => {
    expect(runtimeError('"abc" + 1')).toBe(`'+' at position 6: "abc" is not a number`);
    expect(runtimeError('job.Region * 2')).toBe(`'*' at position 11: "NA" is not a number`);
    expect(runtimeError('-job.Region')).toBe(`'-' at position 0: "NA" is not a number`);
    expect(runtimeError('1 - "0x10"')).toContain('"0x10" is not a number');
    expect(runtimeError('1 - "Infinity"')).toContain('"Infinity" is not a number');
  });

  it('a boolean is an error', () => {
    expect(runtimeError('true + 1')).toBe(`'+' at position 5: true is a boolean, not a number`);
    expect(runtimeError('2 / job.Escalated')).toBe(`'/' at position 2: true is a boolean, not a number`);
  });

  it('division by zero and overflow are errors', () => {
    expect(runtimeError('1 / 0')).toBe(`'/' at position 2: division by zero`);
    expect(runtimeError('1 / job.Missing')).toBe(`'/' at position 2: division by zero`);
    expect(runtimeError('1 / job.Zero')).toContain('division by zero');
    expect(runtimeError('1e308 * 10')).toBe(`'*' at position 6: the result is out of range`);
  });

  it('long messages cut a long string short', () => {
    expect(runtimeError(`"${'x'.repeat(100)}" + 1`)).toContain(`"${'x'.repeat(37)}..." is not a number`);
  });
});

describe('& (concatenation)', () => {
  cases([
    ['"a" & "b"', 'ab'],
    ['"n" & 1.5', 'n1.5'],
    ['1 & 2', '12'],
    ['"x" & true', 'xtrue'],
    ['job.Missing & "a"', 'a'], // blank is ""
    ['"a" & 1 + 2', 'a3'], // + binds tighter than &
    ['1 + 2 & 3', '33'],
    ['"v" & 0.1 + 0.2', 'v0.3'], // numbers as text: 15 significant digits
  ]);
});

describe('comparisons', () => {
  cases([
    ['2 < 10', true],
    ['"2" < "10"', false], // strings compare as text
    ['"a" < "b"', true],
    ['"B" < "a"', true], // ordinal: upper case sorts first
    ['"a" = "A"', false], // = is exact
    ['"NA" = job.Region', true],
    ['1 = 1.0', true],
    ['1 <> 2', true],
    ['2 <> 2', false],
    ['2 <= 2', true],
    ['3 <= 2', false],
    ['2 >= 3', false],
    ['3 > 2', true],
    ['"b" >= "b"', true],
    ['true = true', true],
    ['true <> false', true],
    ['"10" > 9', true], // a string beside a number converts
    ['job.TierText = 2', true],
    ['2 = job.TierText', true],
    ['"true" = true', true],
    ['"FALSE" = false', true],
    ['Blank() = Blank()', true], // blank equals only blank
    ['job.Missing = ""', false],
    ['job.Missing = 0', false],
    ['job.Missing = false', false],
    ['job.Missing <> 1', true],
    ['"" = 0', false],
    ['"" = false', false],
    ['job.Missing < 1', true], // blank orders as 0 beside a number
    ['job.Missing < "a"', true], // and as "" beside text
    ['Blank() <= Blank()', true],
    ['1 + 1 = 2', true], // comparisons bind looser than arithmetic
    ['"a" & "b" = "ab"', true], // and than &
    ['1 < 2 = true', true], // left-associative
  ]);

  it('incomparable values are errors naming the operator', () => {
    expect(runtimeError('job.Region = 1')).toBe(`'=' at position 11: "NA" is not a number`);
    expect(runtimeError('"maybe" <> true')).toBe(`'<>' at position 8: "maybe" is not a boolean`);
    expect(runtimeError('1 = true')).toBe(`'=' at position 2: cannot compare 1 with true`);
    expect(runtimeError('true < false')).toBe(
      `'<' at position 5: true is a boolean; only numbers and text can be ordered`,
    );
    expect(runtimeError('"abc" >= 1')).toBe(`'>=' at position 6: "abc" is not a number`);
  });
});

describe('logic: And Or Not && || !', () => {
  const table: [string, boolean][] = [];
  for (const a of [true, false]) {
    for (const b of [true, false]) {
      table.push(
        [`${a} And ${b}`, a && b],
        [`${a} && ${b}`, a && b],
        [`${a} Or ${b}`, a || b],
        [`${a} || ${b}`, a || b],
      );
    }
    table.push([`Not ${a}`, !a], [`!${a}`, !a], [`Not(${a})`, !a]);
  }
  cases(table);
  cases([
    ['true and false', false], // keywords in any case
    ['false OR true', true],
    ['NOT false', true],
    ['true Or false And false', true], // And binds tighter than Or
    ['false And true Or true', true],
    ['false && true || true', true],
    ['Not true = false', true], // Not binds tighter than =: (Not true) = false
    ['!job.Escalated', false],
    ['!!job.Escalated', true],
    ['job.Tier > 2 And job.Region = "NA"', true],
    ['job.Tier > 2 && job.Region <> "NA"', false],
    ['1 And "true"', true], // numbers: 0 is false; "true"/"false" convert
    ['0 Or ""', false], // "" and blank are false
    ['job.Missing Or false', false],
    ['Not job.Missing', true],
    ['false And 1 / 0 = 1', false], // short-circuit: the right side is not evaluated
    ['true Or "x" + 1 = 1', true],
    ['true || 1 / 0', true],
  ]);

  it('a value that is not a condition is an error naming the operator', () => {
    expect(runtimeError('"yes" And true')).toBe(`And at position 6: "yes" is not a boolean`);
    expect(runtimeError('false || "no"')).toBe(`Or at position 6: "no" is not a boolean`);
    expect(runtimeError('true && 1 / 0')).toBe(`'/' at position 10: division by zero`);
    expect(runtimeError('!job.Region')).toBe(`Not at position 0: "NA" is not a boolean`);
    // Not binds tighter than =, so this compares a boolean with a number: an error, not a silent false.
    expect(runtimeError('Not job.Tier = 1')).toBe(`'=' at position 13: cannot compare false with 1`);
  });
});

describe('If and Switch', () => {
  it('the spec example: If(job.Escalated = true, 10, 5)', () => {
    const rule = 'If(job.Escalated = true, 10, 5)';
    expect(value(rule, { Escalated: true })).toBe(10);
    expect(value(rule, { Escalated: false })).toBe(5);
    expect(value(rule, {})).toBe(5);
    expect(value(rule, { Escalated: 'true' })).toBe(10);
  });

  cases([
    ['If(job.Tier > 2, "gold", job.Tier > 1, "silver", "bronze")', 'gold'],
    ['If(job.Tier > 5, "gold", job.Tier > 1, "silver", "bronze")', 'silver'],
    ['If(job.Tier > 5, "gold", job.Tier > 4, "silver", "bronze")', 'bronze'],
    ['If(false, 1)', undefined], // no else: blank
    ['If(false, 1, false, 2)', undefined],
    ['If(job.Escalated, 1)', 1],
    ['If(job.Missing, 1, 2)', 2],
    ['If(true, 1, 1 / 0)', 1], // lazy
    ['If(false, 1 / 0, 2)', 2],
    ['if(TRUE, "a", "b")', 'a'], // names in any case
    ['Switch(job.Region, "EU", 1, "NA", 2, 0)', 2],
    ['Switch(job.Region, "EU", 1, "APAC", 2, 0)', 0],
    ['Switch(job.Region, "EU", 1)', undefined], // no default: blank
    ['Switch(job.TierText, 1, "one", 2, "two")', 'two'], // matches compare as =
    ['Switch(job.Missing, "", "empty", Blank(), "blank")', 'blank'],
    ['Switch(1, 1, "one", 1 / 0, "never")', 'one'], // lazy
    ['SWITCH(2, 1, "a", "b")', 'b'],
  ]);

  it('run-time errors name the function and its position', () => {
    expect(runtimeError('If("maybe", 1, 2)')).toBe(`If at position 0: "maybe" is not a boolean`);
    expect(runtimeError('1 + Switch(job.Region, 1, "a")')).toBe(`Switch at position 4: "NA" is not a number`);
  });
});

describe('functions', () => {
  cases([
    ['IsBlank(Blank())', true],
    ['IsBlank("")', true],
    ['IsBlank(job.Missing)', true],
    ['IsBlank(job.Empty)', true],
    ['IsBlank(0)', false],
    ['IsBlank(false)', false],
    ['IsBlank(" ")', false],
    ['isblank(job.Region)', false],
    ['Coalesce(job.Missing, "", job.Region)', 'NA'],
    ['Coalesce(job.Missing, job.Empty)', undefined],
    ['Coalesce(0, 1)', 0],
    ['Coalesce(false, true)', false],
    ['Coalesce(1, 1 / 0)', 1], // lazy
    ['Value("12")', 12],
    ['Value(" 1.5 ")', 1.5],
    ['Value("-1e2")', -100],
    ['Value(12)', 12],
    ['Value(true)', 1],
    ['Value(false)', 0],
    ['Value("")', undefined],
    ['Value(Blank())', undefined],
    ['Value(job.TierText) + 1', 3],
    ['Text(12)', '12'],
    ['Text(1.5)', '1.5'],
    ['Text(true)', 'true'],
    ['Text(Blank())', ''],
    ['Text("x")', 'x'],
    ['Text(1 / 3)', '0.333333333333333'],
    ['Text(0.1 + 0.2)', '0.3'],
    ['Len("hello")', 5],
    ['Len(Blank())', 0],
    ['Len(123)', 3],
    ['Len(job.Name)', 10],
    ['Lower(job.Name)', 'mixed case'],
    ['Upper(job.Name)', 'MIXED CASE'],
    ['Lower(Blank())', ''],
    ['Upper(true)', 'TRUE'],
    ['StartsWith(job.Region, "n")', true], // case-insensitive, as in PowerFx
    ['StartsWith(job.Region, "A")', false],
    ['StartsWith("abc", "")', true],
    ['EndsWith("file.TXT", ".txt")', true],
    ['EndsWith("file.txt", ".doc")', false],
    ['EndsWith(Blank(), "")', true],
    ['Round(2.5, 0)', 3], // half away from zero
    ['Round(-2.5, 0)', -3],
    ['Round(2.4, 0)', 2],
    ['Round(1.25, 1)', 1.3],
    ['Round(1.005, 2)', 1.01], // not thrown off by binary noise
    ['Round(1234, -2)', 1200],
    ['Round("3.14159", 3)', 3.142],
    ['Round(job.Missing, 0)', 0],
    ['Round(7.75, 1.9)', 7.8], // digits are truncated
    ['Round(-0.4, 0)', 0],
    ['Round(1e300, 300)', 1e300],
    ['Min(3, 1, 2)', 1],
    ['Max(3, "7", 2)', 7],
    ['Min(job.Missing, 5)', 5], // blanks are skipped
    ['Max(-5, "")', -5],
    ['Max(Blank())', undefined],
    ['Min(1)', 1],
    ['Abs(-3)', 3],
    ['Abs("-2.5")', 2.5],
    ['Abs(job.Missing)', 0],
    ['And(true, 1, "true")', true],
    ['And(true, false)', false],
    ['And(false, 1 / 0)', false], // short-circuit
    ['Or(false, 0)', false],
    ['Or(job.Escalated, 1 / 0)', true],
    ['ABS(-1) + abs(-1) + Abs(-1)', 3],
  ]);

  it.each<[string, string]>([
    ['Value("abc")', 'Value at position 0: "abc" is not a number'],
    ['Value("0x10")', 'Value at position 0: "0x10" is not a number'],
    ['Round(true, 0)', 'Round at position 0: true is a boolean, not a number'],
    ['Round(1, "two")', 'Round at position 0: "two" is not a number'],
    ['1 + Max(true, 1)', 'Max at position 4: true is a boolean, not a number'],
    ['Min(job.Region)', 'Min at position 0: "NA" is not a number'],
    ['Abs("x")', 'Abs at position 0: "x" is not a number'],
    ['And(1, "x")', 'And at position 0: "x" is not a boolean'],
  ])('%s fails: %s', (text, reason) => expect(runtimeError(text)).toBe(reason));
});

describe('routing rules', () => {
  it('scoring: worker.Skill * 2 + 1', () => {
    const rule = 'worker.Skill * 2 + 1';
    expect(value(rule, {}, { Skill: 4 })).toBe(9);
    expect(value(rule, {}, { Skill: '3' })).toBe(7);
    expect(value(rule, {}, {})).toBe(1);
  });

  it('scoring with job and worker labels together', () => {
    const rule = 'If(worker.Language = job.Language, 10, 0) + Coalesce(worker.Level, 1)';
    expect(value(rule, { Language: 'fr' }, { Language: 'fr', Level: 3 })).toBe(13);
    expect(value(rule, { Language: 'fr' }, { Language: 'en' })).toBe(1);
  });

  it('a conditional attachment condition from the models: job.Region = "NA"', () => {
    expect(value('job.Region = "NA"', { Region: 'NA' })).toBe(true);
    expect(value('job.Region = "NA"', {})).toBe(false);
  });
});

describe('parse errors (0-based positions)', () => {
  it.each<[string, number, string]>([
    ['If(job.a = 1, 2', 15, "expected ',' or ')', found the end of the expression"],
    ['1 +', 3, 'expected a value, found the end of the expression'],
    ['(1 + 2', 6, "expected ')', found the end of the expression"],
    ['1 + 2)', 5, "expected an operator or the end, found ')'"],
    ['1 2', 2, 'expected an operator or the end, found 2'],
    ['If(1,,2)', 5, "expected a value, found ','"],
    ['Max(1, 2,)', 9, "expected a value, found ')'"],
    ['Abs(1 2)', 6, "expected ',' or ')', found 2"],
    ['', 0, 'expected a value, found the end of the expression'],
    ['   ', 3, 'expected a value, found the end of the expression'],
    ['Foo(1)', 0, "unknown function 'Foo'"],
    ['1 + Now()', 4, "unknown function 'Now'"],
    ['  Len(1, 2)', 2, 'Len takes 1 argument, not 2'],
    ['If(true)', 0, 'If takes at least 2 arguments, not 1'],
    ['Round(1)', 0, 'Round takes 2 arguments, not 1'],
    ['Switch(1, 2)', 0, 'Switch takes at least 3 arguments, not 2'],
    ['Blank(1)', 0, 'Blank takes 0 arguments, not 1'],
    ['IsBlank()', 0, 'IsBlank takes 1 argument, not 0'],
    ['Min()', 0, 'Min takes at least 1 argument, not 0'],
    ['StartsWith("a")', 0, 'StartsWith takes 2 arguments, not 1'],
    ['"abc', 0, 'unterminated string: no closing "'],
    ['1 & "a""', 4, 'unterminated string: no closing "'],
    ["job.'abc", 4, "unterminated quoted name: no closing '"],
    ["job.''", 4, "a quoted name '…' must not be empty"],
    ['job', 3, "expected '.' and a label name after job"],
    ['worker + 1', 7, "expected '.' and a label name after worker"],
    ['job.', 4, 'expected a label name after job., found the end of the expression'],
    ['job.1', 4, 'expected a label name after job., found 1'],
    ['job."x"', 4, 'expected a label name after job., found "x"'],
    ['job.a.b', 5, "expected an operator or the end, found '.'"],
    ['Region = 1', 0, "unknown name 'Region': labels are read as job.<label> or worker.<label>"],
    ["'My Label' = 1", 0, "unknown name 'My Label': labels are read as job.<label> or worker.<label>"],
    ['1 # 2', 2, "unexpected character '#'"],
    ['1 | 2', 2, "unexpected character '|'"],
    ['1 != 2', 2, "'!=' is not an operator: write <> for not equal"],
    ['1 == 2', 2, "'==' is not an operator: write = for equal"],
    ['1 /* open', 2, 'unterminated comment: no closing */'],
    ['1e999', 0, 'the number 1e999 is out of range'],
    ['And', 0, "unknown name 'And': labels are read as job.<label> or worker.<label>"],
    ['1 +* 2', 3, "expected a value, found '*'"],
    ['true()', 4, "expected an operator or the end, found '('"],
  ])('%p fails at %p: %s', (text, position, message) => {
    expect(parseError(text)).toEqual([position, message]);
  });

  it('an unknown function is reported before its arguments', () => {
    expect(parseError('Nope(1 +')).toEqual([0, "unknown function 'Nope'"]);
  });
});

describe('nesting limit', () => {
  const parens = (depth: number) => `${'('.repeat(depth)}1${')'.repeat(depth)}`;

  it(`${MAX_NESTING} levels parse; one more is a parse error at the level that opens it`, () => {
    expect(MAX_NESTING).toBe(100);
    expect(value(parens(MAX_NESTING))).toBe(1);
    expect(parseError(parens(MAX_NESTING + 1))).toEqual([MAX_NESTING, 'the expression nests deeper than 100 levels']);
    expect(value(`${'Abs('.repeat(MAX_NESTING)}1${')'.repeat(MAX_NESTING)}`)).toBe(1);
    expect(parseError(`${'Abs('.repeat(MAX_NESTING + 1)}1${')'.repeat(MAX_NESTING + 1)}`)[0]).toBe(4 * MAX_NESTING + 3);
    expect(value(`${'!'.repeat(MAX_NESTING)}true`)).toBe(true);
    expect(parseError(`${'Not '.repeat(MAX_NESTING + 1)}true`)).toEqual([
      4 * MAX_NESTING,
      'the expression nests deeper than 100 levels',
    ]);
  });

  it('hostile depth is a parse error, never a stack overflow', () => {
    expect(parseError(parens(100_000))[0]).toBe(MAX_NESTING);
    expect(parseError(`${'-'.repeat(100_000)}1`)[0]).toBe(MAX_NESTING);
    expect(parseError(`${'If(true, '.repeat(10_000)}1`)[1]).toContain('nests deeper');
  });

  it('a long flat chain is not nesting: it parses and evaluates', () => {
    expect(value(Array.from({ length: 10_000 }, () => '1').join(' + '))).toBe(10_000);
    expect(value(Array.from({ length: 1_000 }, () => 'true').join(' And '))).toBe(true);
  });
});

describe('results never throw', () => {
  it('parseExpression and evaluateExpression return failures as values', () => {
    expect(() => parseExpression('(((')).not.toThrow();
    expect(parseExpression('1 +')).toMatchObject({ ok: false, position: 3 });
    const parsed = parseExpression('1 / 0');
    expect(parsed.ok).toBe(true);
    if (parsed.ok)
      expect(evaluateExpression(parsed.ast, { job: {} })).toEqual({
        ok: false,
        reason: "'/' at position 2: division by zero",
      });
  });
});
