import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { blobDir } from '../../domain/paths';
import { csv, download, runImport, submitExport, waitForOperation } from '../support/bulk';
import { useTestStack } from '../support/stack';
import { unzip, zipOf } from '../support/zip';
import { readConfigObject } from '../../db/bulk/config-objects';

const SAMPLE = fs.readFileSync(path.join(__dirname, '../fixtures/gax-sample.csv'));

interface Stored {
  key: string;
  version: number;
  updatedAt: string;
  data: Record<string, unknown>;
}

describe('GAX agent CSV on real servers', () => {
  const { stack, tenant } = useTestStack();

  async function agent(username: string): Promise<Stored> {
    const res = await stack.http.get(`/v1/config/agents/${encodeURIComponent(username)}`).set(tenant.auth);
    expect(res.status).toBe(200);
    return res.body as Stored;
  }

  /** The stored hash, read from the database: the API never serves it. */
  async function storedPasswordHash(username: string): Promise<unknown> {
    return (await readConfigObject(stack.db.config, tenant.id, 'agents', username))?.data.passwordHash;
  }

  async function agents(): Promise<Stored[]> {
    return (await stack.http.get('/v1/config/agents').set(tenant.auth)).body.items as Stored[];
  }

  async function errorRows(links: Record<string, string>): Promise<Record<string, string>[]> {
    const errors = await download(stack, tenant, links.errors ?? '');
    return parse(errors.body as Buffer, { columns: true }) as Record<string, string>[];
  }

  /** The stored upload of an operation, as text ('' when it is no longer stored). */
  async function storedUpload(operationId: string): Promise<string> {
    const doc = await stack.db.bulkOperations.findById(operationId).lean();
    const file = path.join(blobDir(stack.config), String(doc?.uploadKey));
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  beforeAll(async () => {
    const related: [string, string][] = [
      [
        'skill-definitions',
        csv(
          ['Name', 'Service Level Threshold', 'Type'],
          [
            ['Billing', '20', 'PROFICIENCY'],
            ['Spanish', '20', 'PROFICIENCY'],
          ],
        ),
      ],
      [
        'switches',
        csv(
          ['Name', 'Switch Type'],
          [
            ['SIP_Switch', 'SIP Server'],
            ['Avaya', ''],
          ],
        ),
      ],
      ['agent-groups', csv(['Name'], [['Tier 1'], ['Tier 2']])],
      [
        'access-groups',
        csv(
          ['Name', 'Description'],
          [
            ['Users', 'Everyone'],
            ['Admins', ''],
          ],
        ),
      ],
    ];
    for (const [type, content] of related) {
      expect([type, (await runImport(stack, tenant, type, content)).status]).toEqual([type, 'completed']);
    }
  });

  it('imports the seed sample rows cleanly, creating default places for extensions', async () => {
    const op = await runImport(stack, tenant, 'agents', SAMPLE, 'gax-sample.csv');
    expect(op).toMatchObject({ status: 'completed', counts: { total: 3, succeeded: 3, failed: 0 } });
    expect((await agent('sarahl@acme.com')).data).toEqual({
      username: 'sarahl@acme.com',
      firstName: 'Sarah',
      lastName: 'Lee',
      employeeId: '223344',
      isAgent: false,
      folder: 'Acme/Branch/Team 1',
      enabled: true,
      switches: [],
      agentGroups: [],
      accessGroups: ['Users'],
      skills: [],
    });
    expect((await agent('johnd@acme.com')).data).toMatchObject({
      isAgent: true,
      extension: '2233',
      place: '2233',
      folder: 'Acme/Branch/Team 2',
      switches: ['SIP_Switch'],
      agentGroups: ['Tier 1'],
      accessGroups: [],
      skills: [{ name: 'Billing', level: 1 }],
    });
    expect((await agent('bobc@acme.com')).data).toMatchObject({
      skills: [{ name: 'Billing', level: 5 }],
      place: '2356',
    });
    const places = (await stack.http.get('/v1/config/places').set(tenant.auth)).body.items as Stored[];
    expect(places.map((p) => [p.key, p.data])).toEqual([
      ['2233', { name: '2233', dn: '2233' }],
      ['2356', { name: '2356', dn: '2356' }],
    ]);
  });

  it('reads the alternative spellings and every standard column; passwords are stored only as hashes', async () => {
    const content = csv(
      [
        'action',
        'USER NAME',
        'first name',
        'Last Name',
        'Employee ID',
        'Agent',
        'Folder',
        'Password',
        'Reset Password',
        'External ID',
        'E-mail',
        'Extension',
        'Enabled',
      ],
      [
        [
          'add',
          'maria',
          'Maria',
          'Ruiz',
          'E-77',
          'y',
          'Acme/HQ',
          'Pa55word!',
          'Y',
          'HR-77',
          'Maria@Acme.com',
          '2233',
          'n',
        ],
      ],
    );
    const op = await runImport(stack, tenant, 'agents', content, 'alt.csv');
    expect(op).toMatchObject({ status: 'completed', counts: { succeeded: 1 } });
    const maria = await agent('maria');
    expect(maria.data).toMatchObject({
      firstName: 'Maria',
      lastName: 'Ruiz',
      employeeId: 'E-77',
      isAgent: true,
      folder: 'Acme/HQ',
      mustChangePassword: true,
      externalId: 'HR-77',
      email: 'maria@acme.com',
      extension: '2233',
      place: '2233',
      enabled: false,
    });
    expect(await storedPasswordHash('maria')).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(maria.data).not.toHaveProperty('password');
    expect(maria.data).not.toHaveProperty('passwordHash');
    expect(JSON.stringify(maria)).not.toContain('Pa55word!');
    // The shared place 2233 existed already: it is not rewritten.
    expect((await stack.http.get('/v1/config/places/2233').set(tenant.auth)).body.version).toBe(1);
    // The stored upload keeps every cell but the password.
    const upload = await storedUpload(op.id);
    expect(upload).not.toContain('Pa55word!');
    expect(upload).toContain('maria,Maria,Ruiz,E-77');
  });

  it('UPDATE applies Y, N, levels and values; empty cells change nothing', async () => {
    const before = await agent('johnd@acme.com');
    const content = csv(
      [
        'Action',
        'Username',
        'First Name',
        'Last Name',
        'Enabled',
        'Switch:SIP_Switch',
        'Switch:Avaya',
        'Agent Group:Tier 1',
        'Agent Group:Tier 2',
        'Access Group:Admins',
        'Skill:Billing',
        'Skill:Spanish',
      ],
      [['UPDATE', 'johnd@acme.com', '', 'Doyle-Smith', 'N', 'N', 'Y', '', 'Y', 'Y', '4', '']],
    );
    expect((await runImport(stack, tenant, 'agents', content, 'update.csv')).status).toBe('completed');
    const after = await agent('johnd@acme.com');
    expect(after.version).toBe(before.version + 1);
    expect(after.data).toEqual({
      ...before.data,
      lastName: 'Doyle-Smith',
      enabled: false,
      switches: ['Avaya'],
      agentGroups: ['Tier 1', 'Tier 2'],
      accessGroups: ['Admins'],
      skills: [{ name: 'Billing', level: 4 }],
    });
    const remove = csv(
      ['Action', 'Username', 'Skill:Billing', 'Skill:Spanish', 'Agent Group:Tier 1', 'Access Group:Admins'],
      [['UPDATE', 'johnd@acme.com', 'N', '3', 'N', 'N']],
    );
    expect((await runImport(stack, tenant, 'agents', remove, 'remove.csv')).status).toBe('completed');
    expect((await agent('johnd@acme.com')).data).toMatchObject({
      skills: [{ name: 'Spanish', level: 3 }],
      agentGroups: ['Tier 2'],
      accessGroups: [],
      firstName: 'John',
    });
  });

  it('fails only the bad rows, each with a message that says why, and never echoes a password', async () => {
    const header = ['Action', 'Username', 'First Name', 'Last Name', 'Employee Id', 'Is Agent', 'Folder'];
    const content = csv(
      [...header, 'Password', 'Switch:Nope', 'Skill:Billing', 'Switch:SIP_Switch'],
      [
        ['ADD', 'sarahl@acme.com', 'S', 'L', '1', 'N', 'A', 'secret-1', '', '', ''],
        ['UPDATE', 'ghost', '', '', '', '', '', '', '', '', ''],
        ['ADD', 'new1', 'New', 'One', '2', 'Y', 'A', '', '', '', 'Y'],
        ['ADD', 'new1', 'New', 'Again', '3', 'Y', 'A', '', '', '', ''],
        ['ADD', 'new2', 'New', 'Two', '4', 'Y', 'A', 'secret-2', 'Y', '', ''],
        ['ADD', 'new3', 'New', 'Three', '5', 'Y', 'A', '', '', 'abc', 'maybe'],
        ['', 'new4', 'New', 'Four', '6', 'Y', 'A', '', '', '', ''],
        ['ADD', 'new5', '', 'Five', '7', 'Y', 'A', '', '', '', ''],
      ],
    );
    const op = await runImport(stack, tenant, 'agents', content, 'errors.csv');
    expect(op).toMatchObject({ status: 'completedWithErrors', counts: { total: 8, succeeded: 1, failed: 7 } });
    const rows = await errorRows(op.links);
    expect(rows.map((r) => [r.Username, r['Error Message']])).toEqual([
      ['sarahl@acme.com', '"sarahl@acme.com" already exists; use UPDATE to change it'],
      ['ghost', '"ghost" does not exist; use ADD to create it'],
      ['new1', 'Duplicate key "new1": already used by row 4 of "errors.csv"'],
      ['new2', 'Column "Switch:Nope": switches "Nope" does not exist (nor is it created earlier in this import)'],
      [
        'new3',
        'Column "Skill:Billing": "abc" is not a skill level (a whole number) or N; Column "Switch:SIP_Switch": "maybe" is not Y or N',
      ],
      ['new4', 'Column "Action" is required (ADD or UPDATE)'],
      ['new5', 'Column "First Name" is required for ADD'],
    ]);
    expect(rows.every((r) => r.Password === '')).toBe(true);
    const errorsText = (await download(stack, tenant, op.links.errors ?? '')).body.toString();
    expect(errorsText).not.toMatch(/secret-/);
    expect((await agent('new1')).data).toMatchObject({ lastName: 'One', switches: ['SIP_Switch'] });
    expect(await storedUpload(op.id)).not.toMatch(/secret-/);

    // :retry re-reads the scrubbed upload (no passwords): new1 now exists, so every row fails, none with a secret.
    const retry = await stack.http.post(`/v1/bulk/operations/${op.id}:retry`).set(tenant.auth);
    expect(retry.status).toBe(202);
    const again = await waitForOperation(stack, tenant, retry.body.id);
    expect(again.counts).toEqual({ total: 8, succeeded: 0, failed: 8 });
    expect((await errorRows(again.links))[2]).toMatchObject({ Username: 'new1', Password: '' });
  });

  it('scrubs passwords from every CSV of a ZIP upload', async () => {
    const header = ['Action', 'Username', 'Password'];
    const zip = await zipOf({
      'a.csv': csv(header, [['UPDATE', 'new1', 'zip-secret-1']]),
      'b/c.csv': csv(header, [['UPDATE', 'new2', 'zip-secret-2']]),
    });
    const op = await runImport(stack, tenant, 'agents', zip, 'agents.zip');
    expect(op.counts).toEqual({ total: 2, succeeded: 1, failed: 1 });
    expect(await storedPasswordHash('new1')).toMatch(/^scrypt\$/);
    const doc = await stack.db.bulkOperations.findById(op.id).lean();
    const entries = await unzip(fs.readFileSync(path.join(blobDir(stack.config), String(doc?.uploadKey))));
    expect(entries.map((e) => [e.name, e.content.toString()])).toEqual([
      ['a.csv', 'Action,Username,Password\r\nUPDATE,new1,\r\n'],
      ['b/c.csv', 'Action,Username,Password\r\nUPDATE,new2,\r\n'],
    ]);
  });

  it('rejects a file with an unknown header as a whole and does not keep it', async () => {
    const content = csv(['Action', 'Username', 'Passwort'], [['ADD', 'x', 'secret-3']]);
    const op = await runImport(stack, tenant, 'agents', content, 'bad-header.csv');
    expect(op.status).toBe('failed');
    expect(op.failureReason).toMatch(/Unknown header "Passwort" \(column 3\)/);
    expect(await storedUpload(op.id)).toBe('');
  });

  it('exports with Action=UPDATE and relational columns; re-importing the export changes nothing', async () => {
    const before = await agents();
    const res = await submitExport(stack, tenant, 'agents', 'agents.csv');
    expect(res.status).toBe(202);
    const op = await waitForOperation(stack, tenant, res.body.id);
    expect(op).toMatchObject({ status: 'completed', counts: { total: before.length } });
    const file = await download(stack, tenant, op.links.result ?? '');
    const [header = [], ...records] = parse(file.body as Buffer) as string[][];
    expect(header).toEqual([
      'Action',
      'First Name',
      'Last Name',
      'Employee Id',
      'Username',
      'Is Agent',
      'Folder',
      'Password change',
      'External ID',
      'Email',
      'Extension',
      'Enabled',
      'Switch:Avaya',
      'Switch:SIP_Switch',
      'Agent Group:Tier 1',
      'Agent Group:Tier 2',
      'Access Group:Users',
      'Skill:Billing',
      'Skill:Spanish',
    ]);
    expect(records.every((r) => r[0] === 'UPDATE')).toBe(true);
    const john = records.find((r) => r[4] === 'johnd@acme.com');
    expect(john?.slice(12)).toEqual(['Y', '', '', 'Y', '', '', '3']);
    expect((file.body as Buffer).toString()).not.toMatch(/scrypt|Pa55word/);

    const reimport = await runImport(stack, tenant, 'agents', file.body as Buffer, 'agents.csv');
    expect(reimport).toMatchObject({ status: 'completed', counts: { total: before.length, failed: 0 } });
    expect(await agents()).toEqual(before);
  });

  it('serves the template with the mandatory columns first, Action first, and the related types', async () => {
    const template = await download(stack, tenant, '/v1/bulk/object-types/agents/template');
    expect((template.body as Buffer).toString()).toMatch(
      /^Action,First Name,Last Name,Employee Id,Username,Is Agent,Folder,/,
    );
    const catalog = await stack.http.get('/v1/bulk/object-types').set(tenant.auth);
    const ids = (catalog.body.items as { id: string }[]).map((t) => t.id);
    for (const id of ['switches', 'places', 'agent-groups', 'access-groups'])
      expect(ids.indexOf(id)).toBeLessThan(ids.indexOf('agents'));
    const res = await submitExport(stack, tenant, 'places');
    const op = await waitForOperation(stack, tenant, res.body.id);
    const places = await download(stack, tenant, op.links.result ?? '');
    expect((places.body as Buffer).toString()).toBe('Name,DN,Switch,Description\r\n2233,2233,,\r\n2356,2356,,\r\n');
  });
});
