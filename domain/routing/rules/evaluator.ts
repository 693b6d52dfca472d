/**
 * Evaluates a parsed routing expression against a job's labels (and, when scoring, a worker's). Pure and
 * deterministic: it runs in the workflow sandbox as well as in activities. The tree's depth is bounded by the
 * parser (MAX_NESTING), so the recursion here is too.
 */
import type { Labels } from '../common';
import type { BinaryOperator, ChainLink, Expression, ExpressionValue } from './ast';
import { callFunction } from './functions';
import type { RuleInput } from './index';
import { arithmetic, compare, equals, ExpressionRuntimeError, toBoolean, toText, type Site } from './values';

export type EvaluationResult = { ok: true; value: ExpressionValue } | { ok: false; reason: string };

/** How operators are named in messages: as written, with the keywords in PowerFx's casing. */
const OPERATOR_NAMES: Record<BinaryOperator, string> = {
  '+': "'+'",
  '-': "'-'",
  '*': "'*'",
  '/': "'/'",
  '&': "'&'",
  '=': "'='",
  '<>': "'<>'",
  '<': "'<'",
  '<=': "'<='",
  '>': "'>'",
  '>=': "'>='",
  and: 'And',
  or: 'Or',
};

/** A label's value; a missing label (or a missing worker) is blank. Own keys only: `job.constructor` is blank too. */
function readLabel(labels: Labels | undefined, name: string): ExpressionValue {
  return labels !== undefined && Object.hasOwn(labels, name) ? labels[name] : undefined;
}

function applyLink(
  left: ExpressionValue,
  link: ChainLink,
  evaluate: (node: Expression) => ExpressionValue,
): ExpressionValue {
  const site: Site = { name: OPERATOR_NAMES[link.operator], position: link.position };
  switch (link.operator) {
    // And / Or short-circuit, as PowerFx's do: the right side is not evaluated once the left decides.
    case 'and':
      return toBoolean(left, site) && toBoolean(evaluate(link.operand), site);
    case 'or':
      return toBoolean(left, site) || toBoolean(evaluate(link.operand), site);
    default:
      break;
  }
  const right = evaluate(link.operand);
  switch (link.operator) {
    case '&':
      return toText(left) + toText(right);
    case '=':
      return equals(left, right, site);
    case '<>':
      return !equals(left, right, site);
    case '<':
      return compare(left, right, site) < 0;
    case '<=':
      return compare(left, right, site) <= 0;
    case '>':
      return compare(left, right, site) > 0;
    case '>=':
      return compare(left, right, site) >= 0;
    default:
      return arithmetic(link.operator, left, right, site);
  }
}

function evaluateNode(node: Expression, input: RuleInput): ExpressionValue {
  const evaluate = (child: Expression): ExpressionValue => evaluateNode(child, input);
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'label':
      return readLabel(node.scope === 'job' ? input.job : input.worker, node.name);
    case 'negate':
      return arithmetic('-', 0, evaluate(node.operand), { name: "'-'", position: node.position });
    case 'not':
      return !toBoolean(evaluate(node.operand), { name: 'Not', position: node.position });
    case 'chain':
      return node.rest.reduce((left, link) => applyLink(left, link, evaluate), evaluate(node.first));
    case 'call':
      return callFunction(node.name, node.args, evaluate, { name: node.name, position: node.position });
  }
}

/** Evaluates `ast` for `input`; never throws. A type error is `{ ok: false }` with a reason naming where. */
export function evaluateExpression(ast: Expression, input: RuleInput): EvaluationResult {
  try {
    return { ok: true, value: evaluateNode(ast, input) };
  } catch (error) {
    if (error instanceof ExpressionRuntimeError) return { ok: false, reason: error.message };
    throw error;
  }
}
