import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { findObjectType } from '../../domain/bulk/catalog';
import type { DialectRow } from '../../domain/bulk/dialect';
import { dialectFor, exportDialectFor } from '../../domain/bulk/dialects';
import {
  gaxAgentExport,
  mergeAgent,
  normaliseFolder,
  parseAgentRow,
  resolveGaxHeader,
  type GaxContext,
} from '../../domain/bulk/gax';
import { templateHeader } from '../../domain/bulk/headers';
import type { ConfigData } from '../../domain/bulk/rows';

function context(header: string[]): GaxContext {
  const resolved = resolveGaxHeader(header);
  if (!resolved.ok) throw new Error(resolved.problems.join('\n'));
  return resolved.context;
}

function problems(header: string[]): string[] {
  const resolved = resolveGaxHeader(header);
  if (resolved.ok) throw new Error('expected problems');
  return resolved.problems;
}

/** Parses one row given as header → cell. */
function row(cells: Record<string, string>): DialectRow {
  return parseAgentRow(context(Object.keys(cells)), Object.values(cells));
}

function ok(cells: Record<string, string>) {
  const result = row(cells);
  if (!result.ok) throw new Error(result.error);
  return result;
}

function error(cells: Record<string, string>): string {
  const result = row(cells);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.data)}`);
  return result.error;
}

const ADD = {
  Action: 'ADD',
  'First Name': 'Sarah',
  'Last Name': 'Lee',
  'Employee Id': '223344',
  Username: 'sarahl@acme.com',
  'Is Agent': 'Y',
  Folder: 'Acme/Branch/Team 1',
};

describe('GAX header', () => {
  it('accepts both spellings of every column, case-insensitively, in any order', () => {
    const canonical = context([
      'Folder',
      'Action',
      'First Name',
      'Last Name',
      'Employee Id',
      'Username',
      'Password',
      'Password change',
      'Is Agent',
      'External ID',
      'Email',
      'Extension',
      'Enabled',
    ]);
    const alternative = context([
      'FOLDER',
      'action',
      'first name',
      'LAST NAME',
      'Employee ID',
      'User Name',
      'password',
      'Reset Password',
      'Agent',
      'external id',
      'E-mail',
      'extension',
      'enabled',
    ]);
    const fields = (c: GaxContext) => c.columns.map((col) => (col.kind === 'attribute' ? col.column.field : col.name));
    expect(fields(alternative)).toEqual(fields(canonical));
    expect(fields(canonical)[0]).toBe('folder');
    expect(canonical.secretCells).toEqual([6]);
  });

  it('reads relational headers <Type>:<name>, type case-insensitive, name trimmed', () => {
    const c = context([
      'Action',
      'Username',
      'switch: SIP_Switch',
      'AGENT GROUP:Tier 1',
      'Access Group:Users',
      'Skill:Billing',
    ]);
    expect(
      c.columns.slice(2).map((col) => (col.kind === 'relation' ? [col.relation.type, col.name, col.header] : [])),
    ).toEqual([
      ['switches', 'SIP_Switch', 'Switch:SIP_Switch'],
      ['agent-groups', 'Tier 1', 'Agent Group:Tier 1'],
      ['access-groups', 'Users', 'Access Group:Users'],
      ['skill-definitions', 'Billing', 'Skill:Billing'],
    ]);
    // A skill and a switch may share a name.
    expect(context(['Action', 'Username', 'Skill:X', 'Switch:X']).columns).toHaveLength(4);
  });

  it('rejects unknown, duplicate, empty and nameless headers, and a missing Action or Username', () => {
    expect(problems(['Action', 'Username', 'Nickname', 'Team:Blue'])).toEqual([
      expect.stringMatching(/^Unknown header "Nickname" \(column 3\); the GAX agent headers are: Action, First Name/),
      expect.stringMatching(/^Unknown header "Team:Blue" \(column 4\)/),
    ]);
    expect(problems(['Action', 'Username', 'User Name', 'Skill:A', 'skill:A', '', 'Skill: '])).toEqual([
      'Duplicate header "User Name" (columns 2 and 3): same column as "Username"',
      'Duplicate header "skill:A" (columns 4 and 5): same column as "Skill:A"',
      'Column 6 has an empty header',
      'Header "Skill:" (column 7) names no skill',
    ]);
    expect(problems(['First Name'])).toEqual([
      'Missing required header "Action"',
      'Missing required header "Username"',
    ]);
  });
});

describe('GAX rows', () => {
  it('parses every standard column of an ADD row', () => {
    const parsed = ok({
      ...ADD,
      Password: 'S3cret!',
      'Password change': 'y',
      'External ID': 'HR-1',
      Email: 'SarahL@Acme.com',
      Extension: '2233',
      Enabled: 'N',
      Folder: ' Acme / Branch/Team 1/ ',
    });
    expect(parsed).toMatchObject({ key: 'sarahl@acme.com', expect: 'new', references: [] });
    expect(parsed.data).toEqual({
      firstName: 'Sarah',
      lastName: 'Lee',
      employeeId: '223344',
      username: 'sarahl@acme.com',
      isAgent: true,
      folder: 'Acme/Branch/Team 1',
      password: 'S3cret!',
      mustChangePassword: true,
      externalId: 'HR-1',
      email: 'sarahl@acme.com',
      extension: '2233',
      place: '2233',
      enabled: false,
    });
    expect(parsed.alsoCreate).toEqual([{ type: 'places', key: '2233', data: { name: '2233', dn: '2233' } }]);
  });

  it('enables ADDed users by default; UPDATE leaves empty cells out (unchanged) and expects an existing user', () => {
    expect(ok(ADD).data.enabled).toBe(true);
    const update = ok({ Action: 'update', Username: 'sarahl@acme.com', 'First Name': '', Enabled: '', Extension: '' });
    expect(update).toMatchObject({ expect: 'existing', data: { username: 'sarahl@acme.com' } });
    expect(Object.keys(update.data)).toEqual(['username']);
    expect(update.alsoCreate).toBeUndefined();
  });

  it('requires Action on every row and the mandatory columns on ADD', () => {
    expect(error({ ...ADD, Action: '' })).toBe('Column "Action" is required (ADD or UPDATE)');
    expect(error({ ...ADD, Action: 'DELETE' })).toBe('Column "Action": "DELETE" is not ADD or UPDATE');
    expect(error({ ...ADD, Username: '' })).toBe('Column "Username" is required');
    expect(error({ ...ADD, 'First Name': '', Folder: '' })).toBe(
      'Column "First Name" is required for ADD; Column "Folder" is required for ADD',
    );
    // A mandatory column absent from the header fails ADD rows, not UPDATE rows.
    expect(error({ Action: 'ADD', Username: 'x' })).toBe(
      'Column "First Name" is required for ADD; Column "Last Name" is required for ADD; ' +
        'Column "Employee Id" is required for ADD; Column "Is Agent" is required for ADD; ' +
        'Column "Folder" is required for ADD',
    );
    expect(ok({ Action: 'UPDATE', Username: 'x' }).expect).toBe('existing');
  });

  it('names the column of each bad value', () => {
    expect(error({ ...ADD, 'Is Agent': 'maybe' })).toBe('Column "Is Agent": "maybe" is not Y or N');
    expect(error({ ...ADD, Extension: '22a' })).toBe('Column "Extension": "22a" may only contain digits');
    expect(error({ ...ADD, Email: 'nope' })).toBe('Column "Email": "nope" is not a valid email address');
    expect(error({ ...ADD, Folder: 'Acme//Team' })).toBe(
      'Column "Folder": "Acme//Team" has an empty folder name (use A/B/C)',
    );
    expect(error({ ...ADD, 'Switch:SIP': 'maybe', 'Skill:Billing': 'abc', 'Agent Group:T1': '1' })).toBe(
      'Column "Switch:SIP": "maybe" is not Y or N; Column "Skill:Billing": "abc" is not a skill level (a whole number) or N; ' +
        'Column "Agent Group:T1": "1" is not Y or N',
    );
  });

  it('rejects a row wider or narrower than the header', () => {
    const c = context(['Action', 'Username']);
    expect(parseAgentRow(c, ['ADD'])).toEqual({ ok: false, error: 'The row has 1 cells but the header has 2 columns' });
    expect(parseAgentRow(c, ['UPDATE', 'x', 'y']).ok).toBe(false);
    expect(parseAgentRow(c, ['UPDATE', 'x', '']).ok).toBe(true);
  });

  it('turns relational cells into deltas and references, only for non-empty cells', () => {
    const parsed = ok({
      ...ADD,
      'Switch:SIP': 'Y',
      'Switch:Old': 'n',
      'Switch:Other': '',
      'Agent Group:Tier 1': 'y',
      'Agent Group:Tier 2': 'N',
      'Access Group:Users': 'Y',
      'Access Group:Admins': 'N',
      'Skill:Billing': '5',
      'Skill:Spanish': 'N',
      'Skill:French': '',
    });
    expect(parsed.data.relations).toEqual([
      { field: 'switches', name: 'SIP', level: null, remove: false },
      { field: 'switches', name: 'Old', level: null, remove: true },
      { field: 'agentGroups', name: 'Tier 1', level: null, remove: false },
      { field: 'agentGroups', name: 'Tier 2', level: null, remove: true },
      { field: 'accessGroups', name: 'Users', level: null, remove: false },
      { field: 'accessGroups', name: 'Admins', level: null, remove: true },
      { field: 'skills', name: 'Billing', level: 5, remove: false },
      { field: 'skills', name: 'Spanish', level: null, remove: true },
    ]);
    expect(parsed.references.map((r) => `${r.type}/${r.key}/${r.column}`)).toEqual([
      'switches/SIP/Switch:SIP',
      'switches/Old/Switch:Old',
      'agent-groups/Tier 1/Agent Group:Tier 1',
      'agent-groups/Tier 2/Agent Group:Tier 2',
      'access-groups/Users/Access Group:Users',
      'access-groups/Admins/Access Group:Admins',
      'skill-definitions/Billing/Skill:Billing',
      'skill-definitions/Spanish/Skill:Spanish',
    ]);
  });

  it('normalises folder paths', () => {
    expect(normaliseFolder('/Acme/ Branch /Team 1/')).toBe('Acme/Branch/Team 1');
    expect(normaliseFolder('Acme')).toBe('Acme');
    expect(normaliseFolder('Acme/ /Team')).toBeUndefined();
  });
});

describe('GAX merge', () => {
  const stored: ConfigData = {
    username: 'u',
    firstName: 'A',
    switches: ['SIP'],
    agentGroups: ['Tier 1', 'Tier 2'],
    accessGroups: [],
    skills: [{ name: 'Billing', level: 1 }],
  };

  it('applies Y/N/level deltas to sorted sets and keeps attributes that are not in the row', () => {
    const incoming = ok({
      Action: 'UPDATE',
      Username: 'u',
      'Last Name': 'B',
      'Switch:Avaya': 'Y',
      'Agent Group:Tier 2': 'N',
      'Access Group:Users': 'Y',
      'Skill:Billing': '7',
      'Skill:Alpha': '0',
    }).data;
    expect(mergeAgent(stored, incoming)).toEqual({
      username: 'u',
      firstName: 'A',
      lastName: 'B',
      switches: ['Avaya', 'SIP'],
      agentGroups: ['Tier 1'],
      accessGroups: ['Users'],
      skills: [
        { name: 'Alpha', level: 0 },
        { name: 'Billing', level: 7 },
      ],
    });
  });

  it('creates empty sets on ADD, removes absent members harmlessly, and is deterministic', () => {
    const incoming = ok({ ...ADD, 'Agent Group:Tier 2': 'N', 'Skill:X': 'N' }).data;
    const created = mergeAgent(undefined, incoming);
    expect(created).toMatchObject({ switches: [], agentGroups: [], accessGroups: [], skills: [] });
    expect(created).not.toHaveProperty('relations');
    expect(mergeAgent(undefined, incoming)).toEqual(created);
    expect(mergeAgent(created, ok({ Action: 'UPDATE', Username: ADD.Username }).data)).toEqual(created);
  });
});

describe('GAX export and registration', () => {
  it('writes Action=UPDATE, no Password, and one relational column per used, existing object', () => {
    const writer = gaxAgentExport.start();
    const john: ConfigData = {
      username: 'johnd@acme.com',
      firstName: '=cmd',
      lastName: 'Doyle',
      employeeId: '223465',
      isAgent: true,
      folder: 'Acme/Branch/Team 2',
      passwordHash: 'scrypt$…',
      mustChangePassword: false,
      extension: '2233',
      place: '2233',
      enabled: true,
      switches: ['SIP_Switch'],
      agentGroups: ['Ghost', 'Tier 1'],
      accessGroups: [],
      skills: [{ name: 'Billing', level: 1 }],
    };
    const sarah: ConfigData = { username: 'sarahl@acme.com', isAgent: false, accessGroups: ['Users'], skills: [] };
    writer.observe(john);
    writer.observe(sarah);
    expect(writer.related()).toEqual(
      expect.arrayContaining([
        { type: 'agent-groups', key: 'Ghost' },
        { type: 'skill-definitions', key: 'Billing' },
      ]),
    );
    const header = writer.header((type, key) => key !== 'Ghost');
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
      'Switch:SIP_Switch',
      'Agent Group:Tier 1',
      'Access Group:Users',
      'Skill:Billing',
    ]);
    expect(writer.record(john)).toEqual([
      'UPDATE',
      "'=cmd",
      'Doyle',
      '223465',
      'johnd@acme.com',
      'Y',
      'Acme/Branch/Team 2',
      'N',
      '',
      '',
      '2233',
      'Y',
      'Y',
      'Y',
      '',
      '1',
    ]);
    expect(writer.record(sarah).slice(-4)).toEqual(['', '', 'Y', '']);
    // The export re-imports as UPDATE rows that change nothing.
    const c = context(header);
    const parsed = parseAgentRow(c, writer.record(john));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(mergeAgent(john, parsed.data)).toEqual(john);
  });

  it('uses the GAX dialects for agents and leaves other types to the catalog', () => {
    expect(dialectFor('agents')?.secretFields).toEqual([{ field: 'password', hashField: 'passwordHash' }]);
    expect(exportDialectFor('agents')).toBe(gaxAgentExport);
    expect(exportDialectFor('switches')).toBeUndefined();
    expect(dialectFor('places')?.objectType).toBe('places');
  });

  it('parses the seed sample rows under the fixture header', () => {
    const text = fs.readFileSync(path.join(__dirname, '../fixtures/gax-sample.csv'), 'utf8');
    const [header = [], ...rows] = parse(text) as string[][];
    const c = context(header);
    const parsed = rows.map((cells) => parseAgentRow(c, cells));
    expect(parsed.map((p) => (p.ok ? p.key : p.error))).toEqual(['sarahl@acme.com', 'johnd@acme.com', 'bobc@acme.com']);
    const agents = findObjectType('agents');
    expect(agents && templateHeader(agents).slice(0, 7)).toEqual([
      'Action',
      'First Name',
      'Last Name',
      'Employee Id',
      'Username',
      'Is Agent',
      'Folder',
    ]);
  });
});
