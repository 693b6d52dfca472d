import { parse } from 'csv-parse/sync';
import { csv, download, runImport, submitExport, waitForOperation } from '../support/bulk';
import { useTestStack } from '../support/stack';
import { unzip, zipOf } from '../support/zip';
import { storedObjects } from '../support/config-objects';

describe('bulk export', () => {
  const { stack, tenant } = useTestStack();

  async function runExport(objectType: string, fileName?: string) {
    const res = await submitExport(stack, tenant, objectType, fileName);
    expect(res.status).toBe(202);
    return waitForOperation(stack, tenant, res.body.id);
  }

  it('serves the template: the header row only', async () => {
    const res = await download(stack, tenant, '/v1/bulk/object-types/work-types/template');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    expect((res.body as Buffer).toString()).toBe('Name,Description,Type\r\n');
    const catalog = await stack.http.get('/v1/bulk/object-types').set(tenant.auth);
    expect(catalog.body.items).toHaveLength(32);
    const team = catalog.body.items.find((t: { id: string }) => t.id === 'teams');
    expect(team.key).toEqual(['Site', 'Name']);
    const audio = await stack.http.get('/v1/bulk/object-types/audio-files/template').set(tenant.auth);
    expect(audio.status).toBe(400);
  });

  it('exports in the import format, neutralising formulas, and export → import is a no-op', async () => {
    const content = csv(
      ['Name', 'Description', 'Service Level Threshold', 'Type', 'List Values For Enum'],
      [
        ['Tier', '=HYPERLINK("http://evil")', '30', 'ENUM', 'Gold|Silver|Bronze\\|Copper'],
        ['Billing', '+1 for billing', '20', 'PROFICIENCY', ''],
        ['Spanish', '', '20', 'BOOLEAN', ''],
      ],
    );
    expect((await runImport(stack, tenant, 'skill-definitions', content)).status).toBe('completed');
    const before = await stack.http.get('/v1/config/skill-definitions').set(tenant.auth);

    const op = await runExport('skill-definitions', 'skills.csv');
    expect(op).toMatchObject({ status: 'completed', kind: 'export', counts: { total: 3, succeeded: 3, failed: 0 } });
    const file = await download(stack, tenant, op.links.result ?? '');
    expect(file.headers['content-type']).toMatch(/text\/csv/);
    expect(file.headers['content-disposition']).toContain('skills.csv');
    const text = (file.body as Buffer).toString();
    const records = parse(text, { columns: true }) as Record<string, string>[];
    expect(records.map((r) => r.Name)).toEqual(['Billing', 'Spanish', 'Tier']);
    expect(records.find((r) => r.Name === 'Tier')?.Description).toBe(`'=HYPERLINK("http://evil")`);
    expect(records.find((r) => r.Name === 'Billing')?.Description).toBe(`'+1 for billing`);

    const reimport = await runImport(stack, tenant, 'skill-definitions', file.body as Buffer, 'skills.csv');
    expect(reimport).toMatchObject({ status: 'completed', counts: { total: 3, succeeded: 3, failed: 0 } });
    const after = await stack.http.get('/v1/config/skill-definitions').set(tenant.auth);
    expect(after.body).toEqual(before.body);
    expect(after.body.items.find((i: { key: string }) => i.key === 'Tier').data.description).toBe(
      '=HYPERLINK("http://evil")',
    );
  });

  it('exports more than 5000 objects as a ZIP of CSVs of at most 5000 rows, re-importable unchanged', async () => {
    const header = ['Name', 'Description', 'Type'];
    const rows = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => [
        `Code ${String(from + i).padStart(5, '0')}`,
        `row ${from + i}`,
        'IDLE_CODE',
      ]);
    const zip = await zipOf({ 'a.csv': csv(header, rows(0, 5000)), 'b.csv': csv(header, rows(5000, 2)) });
    expect((await runImport(stack, tenant, 'work-types', zip, 'codes.zip')).counts.succeeded).toBe(5002);

    const op = await runExport('work-types', 'codes');
    expect(op.counts).toEqual({ total: 5002, succeeded: 5002, failed: 0 });
    const file = await download(stack, tenant, op.links.result ?? '');
    expect(file.headers['content-type']).toBe('application/zip');
    const entries = await unzip(file.body as Buffer);
    expect(entries.map((e) => e.name)).toEqual(['codes-001.csv', 'codes-002.csv']);
    const parts = entries.map((e) => parse(e.content, { columns: true }) as Record<string, string>[]);
    expect(parts.map((p) => p.length)).toEqual([5000, 2]);
    expect(parts[1]?.[1]).toEqual({ Name: 'Code 05001', Description: 'row 5001', Type: 'IDLE_CODE' });

    const updatedObjects = async () =>
      (await storedObjects(stack.db, tenant.id, 'work-types')).filter((object) => object.version > 1).length;
    const versionsBefore = await updatedObjects();
    const reimport = await runImport(stack, tenant, 'work-types', file.body as Buffer, 'codes.zip');
    expect(reimport).toMatchObject({ status: 'completed', counts: { total: 5002, succeeded: 5002, failed: 0 } });
    expect(await updatedObjects()).toBe(versionsBefore);
  });

  it('exports an empty type as a header-only CSV', async () => {
    const op = await runExport('holidays');
    expect(op.counts.total).toBe(0);
    const file = await download(stack, tenant, op.links.result ?? '');
    expect((file.body as Buffer).toString().split('\r\n')[0]).toMatch(/^Name,/);
  });

  it('refuses to export audio files', async () => {
    const res = await submitExport(stack, tenant, 'audio-files');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('exportNotSupported');
  });

  it('offers no result for an import and no errors when none failed', async () => {
    const list = await stack.http.get('/v1/bulk/operations?kind=import&status=completed').set(tenant.auth);
    const imported = list.body.items[0];
    expect((await stack.http.get(`${imported.links.self}/result`).set(tenant.auth)).status).toBe(404);
    expect((await stack.http.get(`${imported.links.self}/errors`).set(tenant.auth)).status).toBe(404);
  });
});
