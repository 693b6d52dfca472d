/**
 * Tokens of a PowerFx routing expression. Positions are 0-based character offsets (UTF-16 code units, what
 * `String.prototype.slice` counts), used in every parse and run-time message.
 */

export type SymbolText =
  '+' | '-' | '*' | '/' | '&' | '=' | '<>' | '<' | '<=' | '>' | '>=' | '&&' | '||' | '!' | '(' | ')' | ',' | '.';

/** `raw` is the token's source text, quoted in error messages. */
export type Token =
  | { kind: 'number'; value: number; raw: string; position: number }
  | { kind: 'string'; value: string; raw: string; position: number }
  /** A bare identifier: a function name, `job`/`worker`, a label name after the dot, or a keyword. */
  | { kind: 'name'; text: string; raw: string; position: number }
  /** A single-quoted identifier (`'My Label'`), for label names that are not bare identifiers. */
  | { kind: 'quoted'; text: string; raw: string; position: number }
  | { kind: 'symbol'; text: SymbolText; raw: string; position: number }
  | { kind: 'end'; raw: ''; position: number };

/** A syntax error at a position; caught by parseExpression and returned as a value, never thrown out of it. */
export class ExpressionSyntaxError extends Error {
  constructor(
    readonly position: number,
    message: string,
  ) {
    super(message);
  }
}

const TWO_CHAR_SYMBOLS: readonly SymbolText[] = ['<>', '<=', '>=', '&&', '||'];
const ONE_CHAR_SYMBOLS: readonly SymbolText[] = ['+', '-', '*', '/', '&', '=', '<', '>', '!', '(', ')', ',', '.'];
/** Spellings from other languages, refused with a pointer to the PowerFx one instead of a puzzling error later. */
const FOREIGN_OPERATORS: ReadonlyMap<string, string> = new Map([
  ['!=', "'!=' is not an operator: write <> for not equal"],
  ['==', "'==' is not an operator: write = for equal"],
]);

// Sticky (`y`) so each match is anchored at lastIndex: no slicing, no backtracking over the rest of the text.
const WHITESPACE = /\s+/y;
const NUMBER = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// PowerFx identifiers: a letter or underscore, then letters, digits and underscores (any script).
const NAME = /[\p{L}_][\p{L}\p{N}_]*/uy;

/** Reads `open…open` with a doubled `open` as an escaped one (`"say ""hi"""`, `'it''s'`); returns [text, end]. */
function readQuoted(text: string, start: number, open: string, what: string): [string, number] {
  let value = '';
  let index = start + 1;
  for (;;) {
    const close = text.indexOf(open, index);
    if (close < 0) throw new ExpressionSyntaxError(start, `unterminated ${what}: no closing ${open}`);
    value += text.slice(index, close);
    if (text[close + 1] !== open) return [value, close + 1];
    value += open;
    index = close + 2;
  }
}

/** Skips whitespace, line comments (`// …`) and block comments (PowerFx has both); returns the next offset. */
function skipBlank(text: string, start: number): number {
  let index = start;
  for (;;) {
    WHITESPACE.lastIndex = index;
    if (WHITESPACE.test(text)) index = WHITESPACE.lastIndex;
    if (text.startsWith('//', index)) {
      const newline = text.indexOf('\n', index);
      index = newline < 0 ? text.length : newline + 1;
    } else if (text.startsWith('/*', index)) {
      const close = text.indexOf('*/', index + 2);
      if (close < 0) throw new ExpressionSyntaxError(index, 'unterminated comment: no closing */');
      index = close + 2;
    } else {
      return index;
    }
  }
}

/** The whole token list, ending with an `end` token at `text.length`. Iterative: any length is safe. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = skipBlank(text, 0);
  while (index < text.length) {
    const position = index;
    // Whole code point, so an emoji in an error message is not half a surrogate pair.
    const char = String.fromCodePoint(text.codePointAt(index) ?? 0);
    NUMBER.lastIndex = index;
    NAME.lastIndex = index;
    if (NUMBER.test(text)) {
      index = NUMBER.lastIndex;
      const raw = text.slice(position, index);
      const value = Number(raw);
      if (!Number.isFinite(value)) throw new ExpressionSyntaxError(position, `the number ${raw} is out of range`);
      tokens.push({ kind: 'number', value, raw, position });
    } else if (NAME.test(text)) {
      index = NAME.lastIndex;
      const raw = text.slice(position, index);
      tokens.push({ kind: 'name', text: raw, raw, position });
    } else if (char === '"') {
      const [value, end] = readQuoted(text, index, '"', 'string');
      index = end;
      tokens.push({ kind: 'string', value, raw: text.slice(position, index), position });
    } else if (char === "'") {
      const [name, end] = readQuoted(text, index, "'", 'quoted name');
      if (name === '') throw new ExpressionSyntaxError(position, "a quoted name '…' must not be empty");
      index = end;
      tokens.push({ kind: 'quoted', text: name, raw: text.slice(position, index), position });
    } else {
      const pair = text.slice(index, index + 2);
      const foreign = FOREIGN_OPERATORS.get(pair);
      if (foreign !== undefined) throw new ExpressionSyntaxError(position, foreign);
      const symbol = TWO_CHAR_SYMBOLS.find((s) => s === pair) ?? ONE_CHAR_SYMBOLS.find((s) => s === char);
      if (symbol === undefined) throw new ExpressionSyntaxError(position, `unexpected character '${char}'`);
      index += symbol.length;
      tokens.push({ kind: 'symbol', text: symbol, raw: symbol, position });
    }
    index = skipBlank(text, index);
  }
  tokens.push({ kind: 'end', raw: '', position: text.length });
  return tokens;
}
