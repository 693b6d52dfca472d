/** Every file-level error rejects the whole operation before anything is written, naming the problem. */
import { zipOf } from '../support/zip';
import { csv, runImport, submitImport } from '../support/bulk';
import { useTestStack } from '../support/stack';
import { countConfigObjects } from '../../db/bulk/config-objects';

const HEADER = ['Name', 'Description', 'Type'];

/** yazl refuses to write "../" names, so write "up/" and patch both copies of the name (same length). */
function withTraversalName(zip: Buffer): Buffer {
  const patched = Buffer.from(zip);
  for (let at = patched.indexOf('up/escape.csv'); at >= 0; at = patched.indexOf('up/escape.csv', at + 1)) {
    patched.write('../', at, 'latin1');
  }
  return patched;
}

const rows = (count: number, prefix = 'Code') =>
  Array.from({ length: count }, (_, i) => [`${prefix} ${i + 1}`, '', i % 2 ? 'IDLE_CODE' : 'WRAP_UP_CODE']);

describe('bulk import: file-level errors', () => {
  const { stack, tenant } = useTestStack();

  const stored = () => countConfigObjects(stack.db.config, tenant.id, 'work-types');

  it.each<[string, () => Promise<string | Buffer>, string, RegExp]>([
    [
      'too many rows',
      async () => csv(HEADER, rows(5001)),
      'big.csv',
      /"big.csv" has more than 5000 data rows; split it/,
    ],
    [
      'not CSV (binary)',
      async () => Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 0x49]),
      'logo.csv',
      /"logo.csv" is not a CSV file: it contains binary data/,
    ],
    [
      'not CSV (not UTF-8)',
      async () => Buffer.from('Name,Type\r\nCaf\xe9,IDLE_CODE\r\n', 'latin1'),
      'latin1.csv',
      /not valid UTF-8 text/,
    ],
    [
      'malformed CSV',
      async () => 'Name,Type\r\n"Open quote,IDLE_CODE\r\n',
      'broken.csv',
      /"broken.csv" is not a valid CSV file: .*[Qq]uote/,
    ],
    ['empty file', async () => '', 'empty.csv', /"empty.csv" is empty: the first row must be the header row/],
    [
      'header without rows',
      async () => csv(HEADER, []),
      'header.csv',
      /"header.csv" has a header row but no data rows/,
    ],
    [
      'missing required header',
      async () => csv(['Name', 'Description'], [['A', 'b']]),
      'm.csv',
      /Missing required header "Type"/,
    ],
    [
      'unknown header',
      async () => csv([...HEADER, 'Colour'], [['A', '', 'IDLE_CODE', 'red']]),
      'u.csv',
      /Unknown header "Colour" \(column 4\)/,
    ],
    [
      'duplicate header',
      async () => csv(['Name', 'Type', 'name'], [['A', 'IDLE_CODE', 'B']]),
      'd.csv',
      /[Dd]uplicate header "name" \(columns 1 and 3\)/,
    ],
    [
      'ZIP containing a non-CSV',
      async () => zipOf({ 'a.csv': csv(HEADER, rows(2)), 'notes.txt': 'hello' }),
      'mixed.zip',
      /contains 1 file\(s\) that are not CSV: "notes.txt"/,
    ],
    [
      'ZIP whose second CSV is bad',
      async () => zipOf({ 'a.csv': csv(HEADER, rows(2)), 'b.csv': 'Nom,Type\r\nx,y\r\n' }),
      'two.zip',
      /"b.csv" has an invalid header row: Unknown header "Nom"/,
    ],
    [
      'ZIP with path traversal',
      async () => zipOf({ 'up/escape.csv': csv(HEADER, rows(1)) }).then(withTraversalName),
      'evil.zip',
      /escapes the archive|path/i,
    ],
  ])('%s → failed, nothing written', async (_case, content, fileName, reason) => {
    const op = await runImport(stack, tenant, 'work-types', await content(), fileName);
    expect(op.status).toBe('failed');
    expect(op.failureReason).toMatch(reason);
    expect(op.counts).toEqual({ total: 0, succeeded: 0, failed: 0 });
    expect(op.links.errors).toBeUndefined();
    expect(await stored()).toBe(0);
  });

  it('refuses a CSV over 5 MB while uploading (413), creating no operation', async () => {
    const before = await stack.db.bulkOperations.countDocuments({ tenantId: tenant.id });
    const big = csv(HEADER, [['Big', 'x'.repeat(5 * 1024 * 1024), 'IDLE_CODE']]);
    const res = await submitImport(stack, tenant, 'work-types', big, 'big.csv');
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payloadTooLarge');
    expect(res.body.detail).toMatch(/"big.csv" is too large: a CSV may be at most 5 MB/);
    expect(await stack.db.bulkOperations.countDocuments({ tenantId: tenant.id })).toBe(before);
  });

  it('refuses an unknown object type (400) before reading the file', async () => {
    const res = await submitImport(stack, tenant, 'spaceships', csv(HEADER, rows(1)), 'x.csv');
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ field: 'objectType' });
  });

  it('imports a ZIP of several CSVs of the same type, 5000+ rows in all', async () => {
    const zip = await zipOf({
      'part-1.csv': csv(HEADER, rows(5000, 'A')),
      'nested/part-2.csv': csv(HEADER, rows(3, 'B')),
      '__MACOSX/._part-1.csv': Buffer.from([0, 5, 22, 7]),
    });
    const op = await runImport(stack, tenant, 'work-types', zip, 'all.zip');
    expect(op).toMatchObject({ status: 'completed', counts: { total: 5003, succeeded: 5003, failed: 0 } });
    expect(await stored()).toBe(5003);
  });
});
