import { parse } from 'csv-parse/sync';
import { csv, download, runImport, submitImport, waitForOperation } from '../support/bulk';
import { useTestStack } from '../support/stack';
import { countConfigObjects, readConfigObject } from '../../db/bulk/config-objects';

const MULTIMEDIA = csv(
  ['Name', 'Description', 'Type', 'Voice', 'Chat', 'Email', 'Social'],
  [
    ['Voice and Chat', 'Blended agents', 'BLENDED', '1', '3', '0', '0'],
    ['Voice Only', '', 'EXCLUSIVE', '1', '0', '0', '0'],
  ],
);

describe('bulk import: CSV rows are created or updated by key', () => {
  const { stack, tenant } = useTestStack();

  it('imports, then re-importing the same file changes nothing', async () => {
    const first = await runImport(stack, tenant, 'multimedia-profiles', MULTIMEDIA);
    expect(first).toMatchObject({ status: 'completed', counts: { total: 2, succeeded: 2, failed: 0 } });
    expect(first.progress).toEqual({ processed: 2, total: 2, percent: 100 });
    const stored = await stack.http.get('/v1/config/multimedia-profiles/Voice%20and%20Chat').set(tenant.auth);
    expect(stored.body).toMatchObject({ key: 'Voice and Chat', version: 1, data: { name: 'Voice and Chat', chat: 3 } });

    const again = await runImport(stack, tenant, 'multimedia-profiles', MULTIMEDIA);
    expect(again.status).toBe('completed');
    const after = await stack.http.get('/v1/config/multimedia-profiles/Voice%20and%20Chat').set(tenant.auth);
    expect(after.body.version).toBe(1);
    expect(after.body.updatedAt).toBe(stored.body.updatedAt);
    expect(await countConfigObjects(stack.db.config, tenant.id, 'multimedia-profiles')).toBe(2);
  });

  it('updates by key and keeps attributes whose column is absent', async () => {
    // Description is optional and absent from this file: it keeps its stored value.
    const update = csv(
      ['Name', 'Type', 'Voice', 'Chat', 'Email', 'Social'],
      [['Voice and Chat', 'BLENDED', '1', '5', '0', '0']],
    );
    const op = await runImport(stack, tenant, 'multimedia-profiles', update);
    expect(op).toMatchObject({ status: 'completed', counts: { total: 1, succeeded: 1, failed: 0 } });
    const stored = await stack.http.get('/v1/config/multimedia-profiles/Voice%20and%20Chat').set(tenant.auth);
    expect(stored.body.data).toMatchObject({
      chat: 5,
      telephony: 1,
      blendingMode: 'BLENDED',
      description: 'Blended agents',
    });
    expect(stored.body.version).toBe(2);
  });

  it('skips only the bad rows and offers a re-importable error CSV', async () => {
    const content = csv(
      ['Name', 'Multimedia Profile'],
      [
        ['Paris', 'Voice and Chat'],
        ['Berlin', 'Nope Profile'],
        ['', 'Voice Only'],
        ['Paris', 'Voice Only'],
        ['Rome', 'Voice Only'],
      ],
    );
    const op = await runImport(stack, tenant, 'sites', content, 'sites.csv');
    expect(op).toMatchObject({ status: 'completedWithErrors', counts: { total: 5, succeeded: 2, failed: 3 } });
    expect(op.links.errors).toBe(`/v1/bulk/operations/${op.id}/errors`);
    const errors = await download(stack, tenant, op.links.errors ?? '');
    expect(errors.status).toBe(200);
    expect(errors.headers['content-type']).toMatch(/text\/csv/);
    const rows = parse(errors.body as Buffer, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.Name)).toEqual(['Berlin', '', 'Paris']);
    expect(Object.keys(rows[0] ?? {})).toEqual(['Name', 'Multimedia Profile', 'Error Message']);
    expect(rows[0]?.['Error Message']).toMatch(
      /Column "Multimedia Profile": multimedia-profiles "Nope Profile" does not exist/,
    );
    expect(rows[1]?.['Error Message']).toBe('Column "Name" is required');
    expect(rows[2]?.['Error Message']).toMatch(/Duplicate key "Paris": already used by row 2/);
    const sites = await stack.http.get('/v1/config/sites').set(tenant.auth);
    expect(sites.body.items.map((s: { key: string }) => s.key)).toEqual(['Paris', 'Rome']);

    // Fix the error file and import it as it is (its Error Message column is ignored).
    const fixed = (errors.body as Buffer)
      .toString('utf8')
      .replace('Nope Profile', 'Voice Only')
      .replace(/\r\n,Voice Only,[^\r\n]*/, '\r\nMadrid,Voice Only,x')
      .replace(/\r\nParis,Voice Only,[^\r\n]*/, '');
    const retry = await runImport(stack, tenant, 'sites', fixed, 'sites-errors.csv');
    expect(retry).toMatchObject({ status: 'completed', counts: { total: 2, succeeded: 2, failed: 0 } });
  });

  it('reports type, range and enum errors per row, naming column and value', async () => {
    const content = csv(
      ['Name', 'Type', 'Voice', 'Chat', 'Email', 'Social'],
      [
        ['Typed', 'BLENDED', 'one', '0', '0', '0'],
        ['Ranged', 'BLENDED', '1', '9', '0', '0'],
        ['Enumed', 'SOMETIMES', '1', '0', '0', '0'],
        ['Fine', 'exclusive', '1', '0', '0', '0'],
      ],
    );
    const op = await runImport(stack, tenant, 'multimedia-profiles', content, 'typed.csv');
    expect(op).toMatchObject({ status: 'completedWithErrors', counts: { total: 4, succeeded: 1, failed: 3 } });
    const rows = parse((await download(stack, tenant, op.links.errors ?? '')).body as Buffer, {
      columns: true,
    }) as Record<string, string>[];
    expect(rows.map((r) => [r.Name, r['Error Message']])).toEqual([
      ['Typed', expect.stringMatching(/^Column "Voice": "one" is not an integer/)],
      ['Ranged', expect.stringMatching(/^Column "Chat": .*9.*5/)],
      [
        'Enumed',
        expect.stringMatching(/^Column "Type": "SOMETIMES" is not one of BLENDED, BLENDED_REALTIME, EXCLUSIVE/),
      ],
    ]);
    const fine = await stack.http.get('/v1/config/multimedia-profiles/Fine').set(tenant.auth);
    expect(fine.body.data.blendingMode).toBe('EXCLUSIVE');
  });

  it('validates everything but writes nothing on a dry run', async () => {
    const content = csv(
      ['Name', 'Multimedia Profile'],
      [
        ['Oslo', 'Voice Only'],
        ['Lima', 'Missing'],
      ],
    );
    const op = await runImport(stack, tenant, 'sites', content, 'dry.csv', { dryRun: 'true' });
    expect(op).toMatchObject({
      status: 'completedWithErrors',
      dryRun: true,
      counts: { total: 2, succeeded: 1, failed: 1 },
    });
    expect(await readConfigObject(stack.db.config, tenant.id, 'sites', 'Oslo')).toBeUndefined();
    const errors = await download(stack, tenant, op.links.errors ?? '');
    expect((errors.body as Buffer).toString()).toContain('Lima,Missing');
  });

  it('accepts UTF-8 with BOM, LF line ends and quoted fields', async () => {
    const content =
      '\uFEFFName,Description,Type\n"Lunch","Idle, ""reasons""",IDLE_CODE\nWrap,"multi\nline",WRAP_UP_CODE\n';
    const op = await runImport(stack, tenant, 'work-types', content);
    expect(op).toMatchObject({ status: 'completed', counts: { total: 2, succeeded: 2, failed: 0 } });
    const lunch = await stack.http.get('/v1/config/work-types/Lunch').set(tenant.auth);
    expect(lunch.body.data).toMatchObject({ description: 'Idle, "reasons"', workTypeCode: 'IDLE_CODE' });
    const wrap = await stack.http.get('/v1/config/work-types/Wrap').set(tenant.auth);
    expect(wrap.body.data.description).toBe('multi\nline');
  });

  it('resolves references created earlier in the same file... only for the same type', async () => {
    const teams = csv(
      ['Name', 'Site', 'Type'],
      [
        ['Tier 1', 'Paris', 'AGENT'],
        ['Tier 2', 'Atlantis', 'AGENT'],
      ],
    );
    const op = await runImport(stack, tenant, 'teams', teams);
    expect(op.counts).toEqual({ total: 2, succeeded: 1, failed: 1 });
    const team = await stack.http.get(`/v1/config/teams/${encodeURIComponent('Paris/Tier 1')}`).set(tenant.auth);
    expect(team.status).toBe(200);
  });

  it('keeps tenants apart', async () => {
    const other = await stack.newTenant('Other');
    const mine = await stack.http.get('/v1/config/sites').set(other.auth);
    expect(mine.body.items).toEqual([]);
    const list = await stack.http.get('/v1/bulk/operations').set(other.auth);
    expect(list.body.items).toEqual([]);
    const ops = await stack.http.get('/v1/bulk/operations').set(tenant.auth);
    const foreign = await stack.http.get(`/v1/bulk/operations/${ops.body.items[0].id}`).set(other.auth);
    expect(foreign.status).toBe(404);
  });

  it('reports a submission without a file clearly', async () => {
    const res = await stack.http
      .post('/v1/bulk/operations')
      .set(tenant.auth)
      .field('kind', 'import')
      .field('objectType', 'sites');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ in: 'body', field: 'file', message: 'required for kind=import' }]);
    const unknown = await submitImport(stack, tenant, 'spaceships', 'Name\r\nx\r\n', 'x.csv');
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toMatch(/unknown object type "spaceships"/);
    void waitForOperation;
  });
});
