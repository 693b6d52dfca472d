/**
 * The functions of the routing subset. Arguments arrive unevaluated (`evaluate` evaluates one) because If, Switch,
 * Coalesce, And and Or evaluate lazily, as PowerFx does: an untaken branch can hold an expression that would fail.
 * Argument counts were checked by the parser.
 */
import type { CallableName, Expression, ExpressionValue } from './ast';
import { equals, fail, isBlank, numberFromText, show, toBoolean, toNumber, toText, type Site } from './values';

type Evaluate = (node: Expression) => ExpressionValue;
type Implementation = (args: readonly Expression[], evaluate: Evaluate, site: Site) => ExpressionValue;

/** The i-th argument; the parser guarantees it exists, so a missing one is blank rather than a crash. */
const arg = (args: readonly Expression[], index: number, evaluate: Evaluate): ExpressionValue => {
  const node = args[index];
  return node === undefined ? undefined : evaluate(node);
};

/** Round half away from zero (PowerFx's Round), to `digits` decimals (negative: tens, hundreds…). */
function round(value: number, digits: number): number {
  const places = Math.max(-300, Math.min(300, Math.trunc(digits)));
  const factor = 10 ** places;
  const scaled = Math.abs(value) * factor;
  if (!Number.isFinite(scaled)) return value;
  // toPrecision(15) drops the binary noise first, so Round(1.005, 2) is 1.01 and not 1.
  const rounded = (Math.sign(value) * Math.round(Number(scaled.toPrecision(15)))) / factor;
  return rounded + 0;
}

/** Min / Max: blanks (and "") are skipped as PowerFx does; all blank gives blank. */
function extreme(pick: (a: number, b: number) => number): Implementation {
  return (args, evaluate, site) => {
    let best: number | undefined;
    for (const node of args) {
      const value = evaluate(node);
      if (isBlank(value)) continue;
      const number = toNumber(value, site);
      best = best === undefined ? number : pick(best, number);
    }
    return best;
  };
}

/** And / Or as functions: stop at the first argument that decides the answer. */
function logical(decisive: boolean): Implementation {
  return (args, evaluate, site) => {
    for (const node of args) if (toBoolean(evaluate(node), site) === decisive) return decisive;
    return !decisive;
  };
}

const FUNCTIONS: Record<CallableName, Implementation> = {
  Abs: (args, evaluate, site) => Math.abs(toNumber(arg(args, 0, evaluate), site)),
  And: logical(false),
  Or: logical(true),
  // The first argument that is not blank and not "" (PowerFx's Coalesce skips both); blank if none.
  Coalesce: (args, evaluate) => {
    for (const node of args) {
      const value = evaluate(node);
      if (!isBlank(value)) return value;
    }
    return undefined;
  },
  // StartsWith / EndsWith ignore case, as PowerFx's do.
  EndsWith: (args, evaluate) =>
    toText(arg(args, 0, evaluate))
      .toLowerCase()
      .endsWith(toText(arg(args, 1, evaluate)).toLowerCase()),
  StartsWith: (args, evaluate) =>
    toText(arg(args, 0, evaluate))
      .toLowerCase()
      .startsWith(toText(arg(args, 1, evaluate)).toLowerCase()),
  // If(c1, r1, c2, r2, …, [else]): the result of the first true condition, else the else, else blank.
  If: (args, evaluate, site) => {
    for (let index = 0; index + 1 < args.length; index += 2) {
      if (toBoolean(arg(args, index, evaluate), site)) return arg(args, index + 1, evaluate);
    }
    return args.length % 2 === 1 ? arg(args, args.length - 1, evaluate) : undefined;
  },
  // Switch(value, m1, r1, m2, r2, …, [default]): matches compare as `=` does.
  Switch: (args, evaluate, site) => {
    const value = arg(args, 0, evaluate);
    for (let index = 1; index + 1 < args.length; index += 2) {
      if (equals(value, arg(args, index, evaluate), site)) return arg(args, index + 1, evaluate);
    }
    return args.length % 2 === 0 ? arg(args, args.length - 1, evaluate) : undefined;
  },
  IsBlank: (args, evaluate) => isBlank(arg(args, 0, evaluate)),
  Len: (args, evaluate) => toText(arg(args, 0, evaluate)).length,
  Lower: (args, evaluate) => toText(arg(args, 0, evaluate)).toLowerCase(),
  Upper: (args, evaluate) => toText(arg(args, 0, evaluate)).toUpperCase(),
  Max: extreme(Math.max),
  Min: extreme(Math.min),
  Round: (args, evaluate, site) =>
    round(toNumber(arg(args, 0, evaluate), site), toNumber(arg(args, 1, evaluate), site)),
  Text: (args, evaluate) => toText(arg(args, 0, evaluate)),
  // Value: blank and "" give blank; a numeric string its number; true/false 1/0; other text is an error.
  Value: (args, evaluate, site) => {
    const value = arg(args, 0, evaluate);
    if (typeof value === 'number' || value === undefined) return value;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (value.trim() === '') return undefined;
    return numberFromText(value) ?? fail(site, `${show(value)} is not a number`);
  },
};

export function callFunction(
  name: CallableName,
  args: readonly Expression[],
  evaluate: Evaluate,
  site: Site,
): ExpressionValue {
  return FUNCTIONS[name](args, evaluate, site);
}
