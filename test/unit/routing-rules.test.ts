import { evaluateLocalRule, type RuleInput } from '../../domain/routing/rules';
import { routerRuleSchema, type RouterRule } from '../../domain/routing/unions';
import { upsertResource, type UpsertContext } from '../../domain/routing/upsert';
import type { RouterResourceKind } from '../../domain/routing/models';
import type { FieldProblem } from '../../domain/routing/errors';

/** RouterRule evaluation (spec §4.3) and the upsert check that an expression parses. */

const rule = (body: Record<string, unknown>): RouterRule => routerRuleSchema.parse(body);
const INPUT: RuleInput = { job: { Escalated: true, Tier: 3, Region: 'NA' } };

describe('evaluateLocalRule', () => {
  it('static returns its value, blank when it has none', () => {
    expect(evaluateLocalRule(rule({ kind: 'static', value: 2 }), INPUT)).toEqual({ ok: true, value: 2 });
    expect(evaluateLocalRule(rule({ kind: 'static', value: '2' }), INPUT)).toEqual({ ok: true, value: '2' });
    expect(evaluateLocalRule(rule({ kind: 'static' }), INPUT)).toEqual({ ok: true, value: undefined });
  });

  it('directMap returns a copy of the job labels', () => {
    const result = evaluateLocalRule(rule({ kind: 'directMap' }), INPUT);
    expect(result).toEqual({ ok: true, value: INPUT.job });
    if ('ok' in result && result.ok) expect(result.value).not.toBe(INPUT.job);
  });

  it('function and webhook rules are callouts, left to an activity', () => {
    expect(evaluateLocalRule(rule({ kind: 'function', functionUri: 'https://example.com/api/score' }), INPUT)).toEqual({
      callout: true,
    });
    expect(evaluateLocalRule(rule({ kind: 'webhook', webhookUri: 'https://example.com/hook' }), INPUT)).toEqual({
      callout: true,
    });
  });

  it('an expression is evaluated: the spec example If(job.Escalated = true, 10, 5)', () => {
    const escalation = rule({ kind: 'expression', expression: 'If(job.Escalated = true, 10, 5)' });
    expect(evaluateLocalRule(escalation, INPUT)).toEqual({ ok: true, value: 10 });
    expect(evaluateLocalRule(escalation, { job: {} })).toEqual({ ok: true, value: 5 });
    // The preview spelling of the kind is the same rule.
    const preview = rule({ kind: 'expression-rule', language: 'powerFx', expression: 'job.Tier * 2' });
    expect(evaluateLocalRule(preview, INPUT)).toEqual({ ok: true, value: 6 });
  });

  it('a scoring expression sees the worker', () => {
    const scoring = rule({ kind: 'expression', expression: 'worker.Skill * 2 + 1' });
    expect(evaluateLocalRule(scoring, { job: {}, worker: { Skill: 4 } })).toEqual({ ok: true, value: 9 });
    expect(evaluateLocalRule(scoring, { job: {}, worker: {} })).toEqual({ ok: true, value: 1 });
  });

  it('a run-time type error is a failure whose reason names the operator and position', () => {
    const bad = rule({ kind: 'expression', expression: 'job.Region + 1' });
    expect(evaluateLocalRule(bad, INPUT)).toEqual({ ok: false, reason: `'+' at position 11: "NA" is not a number` });
  });

  it('an expression that does not parse (stored before the upsert check) is a failure naming the position', () => {
    // Built by hand: the schema would refuse it.
    const unchecked: RouterRule = { kind: 'expression', language: 'powerFx', expression: 'If(job.a = 1, 2' };
    expect(evaluateLocalRule(unchecked, INPUT)).toEqual({
      ok: false,
      reason: "the expression does not parse at position 15: expected ',' or ')', found the end of the expression",
    });
  });
});

describe('routerRuleSchema: an expression must parse', () => {
  it('If(job.a = 1, 2 is refused at `expression` with the position in the message', () => {
    const result = routerRuleSchema.safeParse({ kind: 'expression', expression: 'If(job.a = 1, 2' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ['expression'],
        message: "does not parse at position 15: expected ',' or ')', found the end of the expression",
      }),
    ]);
  });

  it.each<[string, string]>([
    ['Foo(1)', "does not parse at position 0: unknown function 'Foo'"],
    ['Len(1, 2)', 'does not parse at position 0: Len takes 1 argument, not 2'],
    ['job.Region != "NA"', "does not parse at position 11: '!=' is not an operator: write <> for not equal"],
    ['   ', 'does not parse at position 3: expected a value, found the end of the expression'],
  ])('%p is refused: %s', (expression, message) => {
    const result = routerRuleSchema.safeParse({ kind: 'expression', expression });
    expect(result.error?.issues.map((issue) => [issue.path, issue.message])).toEqual([[['expression'], message]]);
  });

  it('an empty expression is one issue (too short), not two', () => {
    const result = routerRuleSchema.safeParse({ kind: 'expression', expression: '' });
    expect(result.error?.issues).toHaveLength(1);
    expect(result.error?.issues[0]?.path).toEqual(['expression']);
  });

  it('the preview kind is checked too', () => {
    const result = routerRuleSchema.safeParse({ kind: 'expression-rule', expression: '(1' });
    expect(result.error?.issues[0]?.message).toBe(
      "does not parse at position 2: expected ')', found the end of the expression",
    );
  });

  it('an expression that parses is accepted even if it would fail at run time (a type error is per job)', () => {
    expect(routerRuleSchema.parse({ kind: 'expression', expression: '"a" + 1' })).toEqual({
      kind: 'expression',
      language: 'powerFx',
      expression: '"a" + 1',
    });
  });
});

describe('upsert: a bad expression is a 400 naming the field', () => {
  const NOW = Date.parse('2026-11-29T21:05:00.123Z');
  const context: UpsertContext = { id: 'x', now: NOW, newId: () => 'generated' };

  function problems(kind: RouterResourceKind, body: unknown): FieldProblem[] {
    const outcome = upsertResource(kind, undefined, body, context);
    if (outcome.ok) throw new Error(`expected a validation error, got ${JSON.stringify(outcome.resource)}`);
    expect(outcome.error.code).toBe('validationFailed');
    return outcome.error.errors;
  }

  it.each<[string, RouterResourceKind, Record<string, unknown>, string]>([
    [
      'a prioritization rule',
      'classificationPolicies',
      { prioritizationRule: { kind: 'expression', expression: 'If(job.a = 1, 2' } },
      'prioritizationRule.expression',
    ],
    [
      'a conditional queue attachment',
      'classificationPolicies',
      {
        queueSelectorAttachments: [
          { kind: 'conditional', condition: { kind: 'expression', expression: 'If(job.a = 1, 2' }, queueSelectors: [] },
        ],
      },
      'queueSelectorAttachments.0.condition.expression',
    ],
    [
      'a ruleEngine worker attachment',
      'classificationPolicies',
      {
        workerSelectorAttachments: [
          { kind: 'ruleEngine', rule: { kind: 'expression', expression: 'If(job.a = 1, 2' } },
        ],
      },
      'workerSelectorAttachments.0.rule.expression',
    ],
    [
      'a bestWorker scoring rule',
      'distributionPolicies',
      {
        offerExpiresAfterSeconds: 30,
        mode: { kind: 'bestWorker', scoringRule: { kind: 'expression', expression: 'If(job.a = 1, 2' } },
      },
      'mode.scoringRule.expression',
    ],
  ])('%s', (_label, kind, body, field) => {
    expect(problems(kind, body)).toEqual([
      { field, message: "does not parse at position 15: expected ',' or ')', found the end of the expression" },
    ]);
  });

  it('a policy whose expressions parse is stored', () => {
    const outcome = upsertResource(
      'classificationPolicies',
      undefined,
      { prioritizationRule: { kind: 'expression', expression: 'If(job.Escalated = true, 10, 5)' } },
      context,
    );
    expect(outcome.ok).toBe(true);
  });
});
