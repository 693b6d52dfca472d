import { parse } from 'csv-parse/sync';
import { csvRecordText } from '../../activities/bulk/csv-text';

/** A deterministic generator of awkward cells: quotes, commas, CR, LF, CRLF, spaces, unicode, formula prefixes. */
function* awkwardRecords(count: number): Generator<string[]> {
  const pieces = ['a', 'Zoë', ' ', '"', ',', '\r', '\n', '\r\n', "'=SUM(A1)", '""', 'x,y', '💬', ''];
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let r = 0; r < count; r += 1) {
    yield Array.from({ length: 1 + random(5) }, () =>
      Array.from({ length: random(6) }, () => pieces[random(pieces.length)] ?? '').join(''),
    );
  }
}

describe('csvRecordText', () => {
  it('writes records that csv-parse reads back exactly, whatever the cells hold', () => {
    const records = [...awkwardRecords(3000)];
    const text = records.map(csvRecordText).join('');
    expect(parse(text, { relax_column_count: true })).toEqual(records.map((record) => record));
  });

  it('quotes only what needs quoting, doubles quotes, and ends every record with CRLF', () => {
    expect(csvRecordText(['plain', '', 'a,b', 'say "hi"', 'two\nlines', 'cr\ronly'])).toBe(
      'plain,,"a,b","say ""hi""","two\nlines","cr\ronly"\r\n',
    );
    expect(csvRecordText([null, undefined, ''])).toBe(',,\r\n');
  });
});
