/**
 * The syntax tree of a PowerFx routing expression (spec §4.3) and the table of the functions the subset knows. The
 * parser builds it once; the evaluator walks it for each job (and each worker when scoring).
 */
import type { PrimitiveValue } from '../common';

/** A value during evaluation: a label's primitive, or `undefined` for PowerFx's blank. */
export type ExpressionValue = PrimitiveValue | undefined;

/** Binary operators by their canonical spelling (`&&` and `And` are both `and`, `||` and `Or` both `or`). */
export type BinaryOperator = '+' | '-' | '*' | '/' | '&' | '=' | '<>' | '<' | '<=' | '>' | '>=' | 'and' | 'or';

/**
 * Every node carries the 0-based character offset where it starts in the expression, so a run-time error can say
 * where it happened.
 */
export type Expression =
  | { type: 'literal'; value: ExpressionValue; position: number }
  | { type: 'label'; scope: 'job' | 'worker'; name: string; position: number }
  | { type: 'negate' | 'not'; operand: Expression; position: number }
  | { type: 'chain'; first: Expression; rest: ChainLink[]; position: number }
  | { type: 'call'; name: CallableName; args: Expression[]; position: number };

/**
 * One `operator operand` step of a chain. Operators of one precedence level form a flat chain folded left to right
 * (`a + b - c` is one node), so a long sum does not make the tree (and the evaluator's recursion) deep.
 */
export interface ChainLink {
  operator: BinaryOperator;
  operand: Expression;
  position: number;
}

/** How many arguments each function takes, as [least, most]. Checked by the parser: a wrong count does not parse. */
export const FUNCTION_ARITY = {
  Abs: [1, 1],
  And: [1, Infinity],
  Blank: [0, 0],
  Coalesce: [1, Infinity],
  EndsWith: [2, 2],
  If: [2, Infinity],
  IsBlank: [1, 1],
  Len: [1, 1],
  Lower: [1, 1],
  Max: [1, Infinity],
  Min: [1, Infinity],
  Or: [1, Infinity],
  Round: [2, 2],
  StartsWith: [2, 2],
  Switch: [3, Infinity],
  Text: [1, 1],
  Upper: [1, 1],
  Value: [1, 1],
} as const satisfies Record<string, readonly [number, number]>;

export type FunctionName = keyof typeof FUNCTION_ARITY;
/** `Blank()` is folded into a blank literal by the parser; every other function is a call node. */
export type CallableName = Exclude<FunctionName, 'Blank'>;

const BY_LOWER_NAME: ReadonlyMap<string, FunctionName> = new Map(
  (Object.keys(FUNCTION_ARITY) as FunctionName[]).map((name) => [name.toLowerCase(), name]),
);

/** Function names are case-insensitive (`if`, `IF`, `If`): the canonical name, or undefined for an unknown one. */
export function functionNamed(name: string): FunctionName | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase());
}
