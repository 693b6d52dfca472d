/**
 * PowerFx routing expressions (spec §4.3, `kind: "expression"`): the public face of the lexer, parser and evaluator.
 * Positions in every message are 0-based character offsets into the expression text.
 */
export type { BinaryOperator, Expression, ExpressionValue, FunctionName } from './ast';
export { FUNCTION_ARITY } from './ast';
export { MAX_NESTING, describeParseFailure, parseExpression, type ParseResult } from './parser';
export { evaluateExpression, type EvaluationResult } from './evaluator';
