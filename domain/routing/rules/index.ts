/**
 * RouterRule evaluation (spec §4.3), the one place a rule is evaluated: prioritization, conditional and ruleEngine
 * attachments, bestWorker scoring. `static`, `directMap` and `expression` are pure and run anywhere (a workflow
 * included); `function` and `webhook` call out over HTTP, which only an activity may do: for them the result is
 * `{ callout: true }` and the caller hands the rule to activities/routing/callouts.ts.
 */
import type { Labels, PrimitiveValue } from '../common';
import type { RouterRule } from '../unions';
import { describeParseFailure, evaluateExpression, parseExpression } from './expression';

export {
  describeParseFailure,
  evaluateExpression,
  parseExpression,
  MAX_NESTING,
  type EvaluationResult,
  type Expression,
  type ExpressionValue,
  type ParseResult,
} from './expression';

/** What a rule sees: the job's labels (`job.<label>`) and, when scoring, one worker's labels (`worker.<label>`). */
export interface RuleInput {
  job: Labels;
  worker?: Labels;
}

/** A rule's value: a primitive (static, expression), labels (directMap) or anything JSON a callout returned. */
export type RuleValue = PrimitiveValue | Labels | undefined | unknown[];

export type LocalRuleResult = { ok: true; value: RuleValue } | { ok: false; reason: string } | { callout: true };

/**
 * Evaluates a rule without I/O. An expression is parsed on each call (microseconds for a routing rule): stored
 * rules were checked at upsert, so a parse failure here only comes from data written before that check, and is
 * reported like a run-time error.
 */
export function evaluateLocalRule(rule: RouterRule, input: RuleInput): LocalRuleResult {
  switch (rule.kind) {
    case 'static':
      return { ok: true, value: rule.value };
    case 'directMap':
      return { ok: true, value: { ...input.job } };
    case 'expression': {
      const parsed = parseExpression(rule.expression);
      if (!parsed.ok) return { ok: false, reason: `the expression ${describeParseFailure(parsed)}` };
      return evaluateExpression(parsed.ast, input);
    }
    case 'function':
    case 'webhook':
      return { callout: true };
  }
}
