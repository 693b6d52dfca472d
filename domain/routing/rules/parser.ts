/**
 * Recursive-descent parser for the PowerFx subset of routing expressions (spec §4.3). Precedence, loosest first:
 * `Or`/`||`, `And`/`&&`, comparisons (`= <> < <= > >=`), `&`, `+ -`, `* /`, then the prefix operators `-`, `Not`,
 * `!`. Binary operators are left-associative. Unknown functions, wrong argument counts and nesting deeper than
 * MAX_NESTING are parse errors, so a rule that is stored can at worst fail on a value, never on its shape.
 */
import { FUNCTION_ARITY, functionNamed, type BinaryOperator, type ChainLink, type Expression } from './ast';
import { ExpressionSyntaxError, tokenize, type Token } from './lexer';

/**
 * Deepest nesting of parentheses, function calls and prefix operators. Bounds the recursion of the parser and the
 * evaluator (a hostile `((((…` is a parse error, not a stack overflow); real routing rules nest a handful of levels.
 */
export const MAX_NESTING = 100;

export type ParseResult = { ok: true; ast: Expression } | { ok: false; position: number; message: string };

/** Binary operators by precedence level, loosest first; keys are source spellings (keywords in lower case). */
const LEVELS: readonly ReadonlyMap<string, BinaryOperator>[] = [
  new Map([
    ['||', 'or'],
    ['or', 'or'],
  ]),
  new Map([
    ['&&', 'and'],
    ['and', 'and'],
  ]),
  new Map<string, BinaryOperator>([
    ['=', '='],
    ['<>', '<>'],
    ['<', '<'],
    ['<=', '<='],
    ['>', '>'],
    ['>=', '>='],
  ]),
  new Map([['&', '&']]),
  new Map<string, BinaryOperator>([
    ['+', '+'],
    ['-', '-'],
  ]),
  new Map<string, BinaryOperator>([
    ['*', '*'],
    ['/', '/'],
  ]),
];

/** How a token reads in a message: its source text, or "the end of the expression". */
function describe(token: Token): string {
  if (token.kind === 'end') return 'the end of the expression';
  const raw = token.raw.length > 30 ? `${token.raw.slice(0, 27)}...` : token.raw;
  return token.kind === 'symbol' ? `'${raw}'` : raw;
}

const plural = (count: number): string => `${count} argument${count === 1 ? '' : 's'}`;

/** "takes 1 argument", "takes 2 to 3 arguments", "takes at least 2 arguments". */
function arityText(least: number, most: number): string {
  if (least === most) return `takes ${plural(least)}`;
  if (most === Infinity) return `takes at least ${plural(least)}`;
  return `takes ${least} to ${plural(most)}`;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): Expression {
    const expression = this.parseLevel(0);
    const next = this.peek();
    if (next.kind !== 'end') this.fail(next, `expected an operator or the end, found ${describe(next)}`);
    return expression;
  }

  private peek(): Token {
    // The list always ends with an `end` token and parsing never moves past it.
    return this.tokens[this.index] ?? { kind: 'end', raw: '', position: 0 };
  }

  private advance(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private isSymbol(text: string): boolean {
    const token = this.peek();
    return token.kind === 'symbol' && token.text === text;
  }

  private fail(token: Token, message: string): never {
    throw new ExpressionSyntaxError(token.position, message);
  }

  /** Runs `parse` one nesting level deeper; `token` is where the level opens (named if it is one too many). */
  private nested<T>(token: Token, parse: () => T): T {
    this.depth += 1;
    if (this.depth > MAX_NESTING) this.fail(token, `the expression nests deeper than ${MAX_NESTING} levels`);
    const result = parse();
    this.depth -= 1;
    return result;
  }

  private operatorAt(level: ReadonlyMap<string, BinaryOperator>): BinaryOperator | undefined {
    const token = this.peek();
    if (token.kind === 'symbol') return level.get(token.text);
    // `And` / `Or` keywords, in any case; a label name never reaches here (it always follows `job.` / `worker.`).
    if (token.kind === 'name') return level.get(token.text.toLowerCase());
    return undefined;
  }

  private parseLevel(levelIndex: number): Expression {
    const level = LEVELS[levelIndex];
    if (level === undefined) return this.parseUnary();
    const first = this.parseLevel(levelIndex + 1);
    const rest: ChainLink[] = [];
    for (let operator = this.operatorAt(level); operator !== undefined; operator = this.operatorAt(level)) {
      const { position } = this.advance();
      rest.push({ operator, operand: this.parseLevel(levelIndex + 1), position });
    }
    return rest.length === 0 ? first : { type: 'chain', first, rest, position: first.position };
  }

  private parseUnary(): Expression {
    const token = this.peek();
    const negate = token.kind === 'symbol' && token.text === '-';
    const not = (token.kind === 'symbol' && token.text === '!') || (token.kind === 'name' && /^not$/i.test(token.text));
    if (!negate && !not) return this.parsePrimary();
    this.advance();
    const operand = this.nested(token, () => this.parseUnary());
    return { type: negate ? 'negate' : 'not', operand, position: token.position };
  }

  private parsePrimary(): Expression {
    const token = this.advance();
    const { position } = token;
    switch (token.kind) {
      case 'number':
      case 'string':
        return { type: 'literal', value: token.value, position };
      case 'symbol':
        if (token.text !== '(') break;
        return this.nested(token, () => {
          const inner = this.parseLevel(0);
          if (!this.isSymbol(')')) this.fail(this.peek(), `expected ')', found ${describe(this.peek())}`);
          this.advance();
          return inner;
        });
      case 'quoted':
        return this.fail(token, `unknown name ${token.raw}: labels are read as job.<label> or worker.<label>`);
      case 'name': {
        const lower = token.text.toLowerCase();
        if (lower === 'true' || lower === 'false') return { type: 'literal', value: lower === 'true', position };
        if (this.isSymbol('(')) return this.parseCall(token);
        if (lower === 'job' || lower === 'worker') return this.parseLabel(token, lower);
        return this.fail(token, `unknown name '${token.text}': labels are read as job.<label> or worker.<label>`);
      }
      case 'end':
        break;
    }
    return this.fail(token, `expected a value, found ${describe(token)}`);
  }

  /** `job.Name` or `job.'Name with spaces'`; `token` is `job` / `worker`. */
  private parseLabel(token: Token, scope: 'job' | 'worker'): Expression {
    if (!this.isSymbol('.')) this.fail(this.peek(), `expected '.' and a label name after ${token.raw}`);
    this.advance();
    const name = this.advance();
    if (name.kind !== 'name' && name.kind !== 'quoted') {
      return this.fail(name, `expected a label name after ${token.raw}., found ${describe(name)}`);
    }
    return { type: 'label', scope, name: name.text, position: token.position };
  }

  /** `Name(arg, …)`; the current token is the `(`. */
  private parseCall(token: Token & { kind: 'name' }): Expression {
    const name = functionNamed(token.text);
    if (name === undefined) this.fail(token, `unknown function '${token.text}'`);
    const open = this.advance();
    const args = this.nested(open, () => {
      const list: Expression[] = [];
      if (this.isSymbol(')')) {
        this.advance();
        return list;
      }
      for (;;) {
        list.push(this.parseLevel(0));
        const next = this.advance();
        if (next.kind === 'symbol' && next.text === ')') return list;
        if (next.kind !== 'symbol' || next.text !== ',')
          this.fail(next, `expected ',' or ')', found ${describe(next)}`);
      }
    });
    const [least, most] = FUNCTION_ARITY[name];
    if (args.length < least || args.length > most) {
      this.fail(token, `${name} ${arityText(least, most)}, not ${args.length}`);
    }
    // Blank() is a constant: folding it here keeps the evaluator's function table to real work.
    if (name === 'Blank') return { type: 'literal', value: undefined, position: token.position };
    return { type: 'call', name, args, position: token.position };
  }
}

/** Parses a PowerFx routing expression; never throws. Error positions are 0-based character offsets. */
export function parseExpression(text: string): ParseResult {
  try {
    return { ok: true, ast: new Parser(tokenize(text)).parseAll() };
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return { ok: false, position: error.position, message: error.message };
    throw error;
  }
}

/** The one wording of a parse failure, shared by the upsert 400 and a classification failure. */
export function describeParseFailure(failure: { position: number; message: string }): string {
  return `does not parse at position ${failure.position}: ${failure.message}`;
}
