import {
  CSV_OBJECT_TYPE_IDS,
  findObjectType,
  type CsvObjectTypeId,
  type ObjectTypeSpec,
} from '../../domain/bulk/catalog';
import { resolveHeaders, templateHeader } from '../../domain/bulk/headers';
import { objectKey, parseRow, toCsvRecord, type ConfigData, type RowResult } from '../../domain/bulk/rows';

/** One valid row per CSV type (header → cell); columns not listed are empty. */
const SAMPLES: Record<CsvObjectTypeId, Record<string, string>> = {
  'work-types': { Name: 'Breaks', Description: 'Idle reasons', Type: 'idle_code' },
  'auxiliary-codes': { Name: 'Lunch (long)', Default: 'yes', 'Work Type': 'Breaks' },
  'skill-definitions': {
    Name: 'Tier',
    'Service Level Threshold': '30',
    Type: 'enum',
    'List Values For Enum': 'Gold|Silver|Bronze\\|Copper',
  },
  'skill-profiles': { Name: 'Billing Experts', Skills: 'Billing=5|Spanish=true|Tier=Gold|Notes=a=b' },
  'multimedia-profiles': { Name: 'Voice and Chat', Type: 'blended', Voice: '1', Chat: '3', Email: '0', Social: '0' },
  sites: { Name: 'Main', 'Multimedia Profile': 'Voice and Chat' },
  'desktop-layouts': {
    Name: 'Sales Layout',
    'JSON File Name': 'sales.json',
    'Layout JSON': '{"version":"0.0.6","appTitle":"Sales, Inc"}',
    Global: 'no',
  },
  teams: {
    Name: 'Tier 1',
    Site: 'Main',
    Type: 'agent',
    'Multimedia Profile': 'Voice and Chat',
    'Skill Profile': 'Billing Experts',
    'Desktop Layout': 'Sales Layout',
  },
  'user-profiles': {
    Name: 'Supervisors',
    'Profile Type': 'supervisor',
    'Permission Access': 'specific',
    Permissions: 'Entry Points=edit|Queues=VIEW',
    'Resource Access': 'ALL',
  },
  users: {
    Email: 'Agent.One@Example.com',
    'User Profile': 'Supervisors',
    'Contact Center Enabled': 'on',
    Site: 'Main',
    Teams: 'Main/Tier 1|Main / Tier 2',
    'Desktop Profile': 'Default Agent',
    'External Id': 'E-1001',
    'Default DN': "'+1-408-555-0199",
  },
  'entry-points': {
    Name: 'Sales',
    Description: "'=cmd|' /C calc'!A0",
    'Service Level Threshold': '20',
    Timezone: 'america/new_york',
    'Channel Type': 'social channel',
    'Social Channel Type': 'whatsapp',
    'Asset Name': 'Sales WA',
  },
  'entry-point-mappings': { 'Dialed Number': "'+14085550100", 'Entry Point': 'Sales', Region: 'us' },
  queues: {
    Name: 'Billing',
    'Channel Type': 'TELEPHONY',
    'Max Time In Queue': '600',
    'Service Level Threshold': '30',
    Timezone: 'Europe/London',
    'Permit Monitoring': 'Y',
    'Permit Recording': 'n',
    'Record All Calls': '0',
    'Pause or Resume Enabled': 'ON',
    'Recording Pause Duration': '10',
    'Default Music in Queue': 'hold-music.wav',
    'Routing Type': 'skills_based',
    'Skill-Based Agent Selection': 'best_available_agent',
    'Distribution Groups': 'Main/Tier 1, Main/Tier 2|Main/Overflow @ 60',
  },
  'outdial-queues': {
    Name: 'Outbound Sales',
    'Max Time In Queue': '60',
    'Service Level Threshold': '20',
    'Outdial Campaign Enabled': 'true',
    'Distribution Groups': 'Main/Tier 1',
  },
  'outdial-entry-points': {
    Name: 'Outbound Sales',
    Timezone: 'UTC',
    'Service Level Threshold': '20',
    'Outdial Queue': 'Outbound Sales',
  },
  'dial-plans': {
    Name: 'US, Canada',
    'Regular Expression': '+?1?[0-9]{10}',
    Prefix: '9',
    'Stripped Characters': '()-.',
  },
  'address-books': {
    Name: 'Escalations',
    'Parent Type': 'site',
    Site: 'Main',
    Entries: 'Reception=+14085550100|Billing desk=(408)555-0101',
  },
  'outdial-anis': {
    Name: 'US Caller IDs',
    Entries: 'Main line=+14085550100|SIP=sip:main@example.com;user=phone',
    'Default Entry': 'Main line',
  },
  holidays: {
    Name: 'US Holidays',
    Holidays:
      'New Year=2026-1-1 yearly until 2030-01-01|Winter Break=2026-12-24..2026-12-26|Company Day=2026-06-05 09:00-13:00 every 2',
  },
  overrides: {
    Name: 'Storm Closures',
    Timezone: 'America/Chicago',
    Overrides:
      'Christmas Eve=2026-12-24 12:00..2026-12-24T23:59 closed|Stocktake=2026-03-01T08:00..2026-03-01T12:00 open weekly',
  },
  'business-hours': {
    Name: 'US Support Hours',
    Timezone: 'America/New_York',
    'Holiday List': 'US Holidays',
    'Override List': 'Storm Closures',
    'Working Hours': 'Weekdays:mon,tue,wed,thu,fri:8:00-17:00|Saturday:SAT:09:00-12:30',
  },
  'global-variables': {
    Name: 'CustomerTier',
    'Agent Viewable': 'yes',
    'Variable Type': 'date_time',
    'Default Value': 'a|b',
    'Desktop Label': 'Tier',
  },
  'threshold-rules': {
    Name: 'Long queue',
    'Entity Type': 'queue',
    Metric: 'longest time in queue',
    Queue: 'Billing',
    Operator: 'greater_than',
    'Trigger Value': '90.5',
    'Trigger Interval': '300',
    'Notification Receivers': 'Boss@Example.com|ops@example.com',
  },
  'desktop-profiles': {
    Name: 'Default Agent',
    'Parent Site': 'Main',
    'Wrap Up Type': 'auto',
    'Auto Wrap Up Time': '15',
    'Wrap Up Options': 'SPECIFIC',
    'Wrap Up Codes': 'Resolved|Escalated',
    'Idle Options': 'ALL',
    'Transfer Options': 'specific',
    'Transfer Targets': 'Billing',
    'Entry Point Transfer Options': 'specific',
    'Entry Point Transfer Targets': 'Sales',
    'Buddy Team Option': 'specific',
    'Buddy Teams': 'Main/Tier 1',
    'Outdial Enabled': 'true',
    'Outdial EP': 'Outbound Sales',
    'Address Book': 'Escalations',
    'Dial Plan Enabled': 'true',
    'Dial Plan': 'US, Canada',
    'Outdial ANI': 'US Caller IDs',
    'DN Validation Option': 'validation_criteria',
    'Validation Criteria': 'US, Canada',
    'Agent Threshold Alerts Enabled': 'true',
    'Agent Threshold Alerts': 'Long queue',
  },
  'call-recording-schedules': {
    Name: 'Billing QA',
    Active: 'true',
    Timezone: 'America/New_York',
    'Start Date': '2026-01-05',
    Days: 'mon|WED|fri',
    'Start Time': '09:00',
    'End Time': '17:00',
    'Recording Percentage': '25',
    Queues: 'Billing',
    Agents: 'AGENT.ONE@example.com',
  },
  'call-monitoring-schedules': {
    Name: 'New hires',
    Supervisor: 'Boss@Example.com',
    Timezone: 'America/New_York',
    'Start Date': '2026-01-05',
    'End Date': '2026-02-05',
    Days: 'MON',
    'Start Time': '9:30',
    'End Time': '11:00',
    Teams: 'Main/Tier 1',
  },
  switches: { Name: 'SIP_Switch', 'Switch Type': 'SIP Server' },
  places: { Name: '2233', DN: '2233', Switch: 'SIP_Switch' },
  'agent-groups': { Name: 'Tier1', Description: 'First line' },
  'access-groups': { Name: 'Supervisors' },
  agents: {
    Action: 'add',
    'First Name': 'Sarah',
    'Last Name': 'Lee',
    'Employee Id': '223344',
    Username: 'sarahl@acme.com',
    'Is Agent': 'n',
    Folder: 'Acme/Branch/Team 1',
    'Password change': 'Y',
    Email: 'SarahL@acme.com',
    Extension: '2233',
    Enabled: 'Y',
  },
};

function spec(id: string): ObjectTypeSpec {
  const found = findObjectType(id);
  if (!found) throw new Error(`unknown type ${id}`);
  return found;
}

/** Parses a row given as header → cell over a header made of exactly those headers. */
function parse(id: string, row: Record<string, string>): RowResult {
  const type = spec(id);
  const header = Object.keys(row);
  const resolution = resolveHeaders(type, header);
  if (!resolution.ok) throw new Error(resolution.problems.join('\n'));
  return parseRow(type, resolution.columns, Object.values(row));
}

function parseOk(id: string, row: Record<string, string>): { key: string; data: ConfigData; references: unknown[] } {
  const result = parse(id, row);
  if (!result.ok) throw new Error(result.error);
  return result;
}

function errorOf(id: string, row: Record<string, string>): string {
  const result = parse(id, row);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.data)}`);
  return result.error;
}

/** A full template row: the sample's cells, empty elsewhere. */
function templateRow(id: CsvObjectTypeId): string[] {
  const type = spec(id);
  return templateHeader(type).map((header) => SAMPLES[id][header] ?? '');
}

describe('sample rows and round trip', () => {
  it.each([...CSV_OBJECT_TYPE_IDS])('%s: sample parses, and parseRow(toCsvRecord(data)) equals data', (id) => {
    const type = spec(id);
    for (const header of Object.keys(SAMPLES[id])) expect(templateHeader(type)).toContain(header);
    const first = parseRow(type, type.columns, templateRow(id));
    if (!first.ok) throw new Error(first.error);
    for (const column of type.columns) expect(first.data).toHaveProperty([column.field]);
    const record = toCsvRecord(type, first.data);
    expect(record).toHaveLength(type.columns.length);
    const second = parseRow(type, type.columns, record);
    if (!second.ok) throw new Error(second.error);
    expect(second.data).toEqual(first.data);
    expect(second.key).toBe(first.key);
    expect(second.references).toEqual(first.references);
    expect(toCsvRecord(type, second.data)).toEqual(record);
  });

  it('exports canonical spellings', () => {
    const type = spec('queues');
    const parsed = parseRow(type, type.columns, templateRow('queues'));
    if (!parsed.ok) throw new Error(parsed.error);
    const record = Object.fromEntries(templateHeader(type).map((h, i) => [h, toCsvRecord(type, parsed.data)[i]]));
    expect(record).toMatchObject({
      'Routing Type': 'SKILLS_BASED',
      'Permit Monitoring': 'true',
      'Permit Recording': 'false',
      'Record All Calls': 'false',
      'Distribution Groups': 'Main/Tier 1,Main/Tier 2|Main/Overflow@60',
      Description: '',
    });
    const users = spec('users');
    const user = parseRow(users, users.columns, templateRow('users'));
    if (!user.ok) throw new Error(user.error);
    expect(toCsvRecord(users, user.data)).toEqual([
      'agent.one@example.com',
      'Supervisors',
      'On',
      'Main',
      'Main/Tier 1|Main/Tier 2',
      '',
      'Default Agent',
      '',
      'E-1001',
      "'+1-408-555-0199",
    ]);
  });
});

describe('cell values', () => {
  it('reports required columns', () => {
    expect(errorOf('work-types', { Name: ' ', Type: 'IDLE_CODE' })).toBe('Column "Name" is required');
  });

  it('parses integers and names the column and value on error', () => {
    const ok = parseOk('entry-points', { ...SAMPLES['entry-points'], 'Service Level Threshold': '+007' });
    expect(ok.data.serviceLevelThreshold).toBe(7);
    expect(errorOf('entry-points', { ...SAMPLES['entry-points'], 'Service Level Threshold': 'abc' })).toBe(
      'Column "Service Level Threshold": "abc" is not an integer',
    );
    expect(errorOf('multimedia-profiles', { ...SAMPLES['multimedia-profiles'], Chat: '6' })).toBe(
      'Column "Chat": "6" must be at most 5',
    );
  });

  it('matches enums case-insensitively and stores the canonical spelling', () => {
    const ok = parseOk('entry-points', SAMPLES['entry-points']);
    expect(ok.data).toMatchObject({ channelType: 'SOCIAL_CHANNEL', socialChannelType: 'WHATSAPP' });
    expect(errorOf('entry-points', { ...SAMPLES['entry-points'], 'Channel Type': 'FOO' })).toBe(
      'Column "Channel Type": "FOO" is not one of TELEPHONY, CHAT, EMAIL, SOCIAL_CHANNEL',
    );
    expect(parseOk('global-variables', SAMPLES['global-variables']).data.variableType).toBe('DATE TIME');
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['Yes', true],
    ['y', true],
    ['On', true],
    ['1', true],
    ['false', false],
    ['No', false],
    ['N', false],
    ['off', false],
    ['0', false],
  ])('accepts the boolean spelling %s', (cell, expected) => {
    const row = { Name: 'Lunch', Default: cell, 'Work Type': 'Breaks' };
    expect(parseOk('auxiliary-codes', row).data.defaultCode).toBe(expected);
  });

  it('rejects other boolean spellings and accepts per-column labels', () => {
    expect(errorOf('auxiliary-codes', { Name: 'Lunch', Default: 'maybe', 'Work Type': 'Breaks' })).toMatch(
      /^Column "Default": "maybe" is not true or false/,
    );
    const row = { Email: 'a@example.com', 'User Profile': 'Agents', 'Contact Center Enabled': 'OFF' };
    expect(parseOk('users', row).data.contactCenterEnabled).toBe(false);
  });

  it('lower-cases emails, including the key and references', () => {
    const ok = parseOk('call-monitoring-schedules', SAMPLES['call-monitoring-schedules']);
    expect(ok.data.supervisor).toBe('boss@example.com');
    expect(ok.references).toContainEqual({ type: 'users', key: 'boss@example.com', column: 'Supervisor' });
    const user = parseOk('users', SAMPLES.users);
    expect(user.key).toBe('agent.one@example.com');
    expect(errorOf('users', { ...SAMPLES.users, Email: 'not-an-email' })).toBe(
      'Column "Email": "not-an-email" is not a valid email address',
    );
  });

  it('canonicalises times, dates, date-times and time zones', () => {
    const ok = parseOk('call-monitoring-schedules', {
      ...SAMPLES['call-monitoring-schedules'],
      Timezone: 'US/Eastern',
    });
    expect(ok.data).toMatchObject({ startTime: '09:30', timezone: 'America/New_York', startDate: '2026-01-05' });
    const bad = errorOf('call-monitoring-schedules', {
      ...SAMPLES['call-monitoring-schedules'],
      'Start Date': '2026-02-30',
      'Start Time': '24:00',
      Timezone: 'Mars/Olympus',
    });
    expect(bad.split('; ')).toEqual([
      'Column "Timezone": "Mars/Olympus" is not a known time zone (IANA name such as America/New_York)',
      'Column "Start Date": "2026-02-30" is not a date (YYYY-MM-DD)',
      'Column "Start Time": "24:00" is not a time of day (HH:mm, 00:00 to 23:59)',
    ]);
  });

  it('checks lengths and patterns', () => {
    expect(errorOf('sites', { Name: 'Main/East', 'Multimedia Profile': 'X' })).toBe(
      'Column "Name": "Main/East" may only contain letters, digits, spaces, _ and -',
    );
    expect(errorOf('work-types', { Name: 'x'.repeat(81), Type: 'IDLE_CODE' })).toMatch(
      /^Column "Name": ".*\.\.\." is longer than 80 characters$/,
    );
    expect(errorOf('desktop-layouts', { ...SAMPLES['desktop-layouts'], 'Layout JSON': '{oops' })).toBe(
      'Column "Layout JSON": "{oops" is not a JSON object or array',
    );
  });

  it('joins several errors with "; "', () => {
    const error = errorOf('multimedia-profiles', {
      Name: '',
      Type: 'MIXED',
      Voice: '2',
      Chat: 'x',
      Email: '0',
      Social: '0',
    });
    expect(error).toBe(
      [
        'Column "Name" is required',
        'Column "Type": "MIXED" is not one of BLENDED, BLENDED_REALTIME, EXCLUSIVE',
        'Column "Voice": "2" must be at most 1',
        'Column "Chat": "x" is not an integer',
      ].join('; '),
    );
  });
});

describe('lists and items', () => {
  it('splits pipe lists, with \\| for a literal pipe', () => {
    const ok = parseOk('skill-definitions', SAMPLES['skill-definitions']);
    expect(ok.data.enumValues).toEqual(['Gold', 'Silver', 'Bronze|Copper']);
    const type = spec('skill-definitions');
    expect(toCsvRecord(type, { ...ok.data, enumValues: ['a|b', 'c\\', 'd\\e'] })[4]).toBe('a\\|b|c\\\\|d\\e');
    const again = parseRow(type, type.columns, toCsvRecord(type, { ...ok.data, enumValues: ['a|b', 'c\\', 'd\\e'] }));
    expect(again.ok && again.data.enumValues).toEqual(['a|b', 'c\\', 'd\\e']);
  });

  it('leaves pipes alone in single-value columns', () => {
    expect(parseOk('global-variables', SAMPLES['global-variables']).data.defaultValue).toBe('a|b');
  });

  it('rejects empty and duplicate list elements', () => {
    expect(
      errorOf('skill-definitions', { ...SAMPLES['skill-definitions'], 'List Values For Enum': 'Gold||Silver' }),
    ).toBe('Column "List Values For Enum": the list has an empty element');
    expect(errorOf('users', { ...SAMPLES.users, Teams: 'Main/Tier 1|main/Tier 2|Main / Tier 1' })).toBe(
      'Column "Teams": "Main/Tier 1" is listed twice',
    );
  });

  it('parses skill profile items and returns the skill references', () => {
    const ok = parseOk('skill-profiles', SAMPLES['skill-profiles']);
    expect(ok.data.skills).toEqual([
      { skill: 'Billing', value: '5' },
      { skill: 'Spanish', value: 'true' },
      { skill: 'Tier', value: 'Gold' },
      { skill: 'Notes', value: 'a=b' },
    ]);
    expect(ok.references).toEqual(
      ['Billing', 'Spanish', 'Tier', 'Notes'].map((key) => ({ type: 'skill-definitions', key, column: 'Skills' })),
    );
    expect(errorOf('skill-profiles', { Name: 'P', Skills: 'Billing=5|Billing=6' })).toBe(
      'Column "Skills": skill "Billing" is listed twice',
    );
    expect(errorOf('skill-profiles', { Name: 'P', Skills: 'Billing' })).toBe(
      'Column "Skills": item "Billing" does not match SKILL=VALUE (e.g. Billing=5)',
    );
    expect(errorOf('skill-profiles', { Name: 'P', Skills: 'Billing=' })).toBe(
      'Column "Skills": item "Billing=": value is required',
    );
  });

  it('parses working hours and reports a bad day inside an item', () => {
    const ok = parseOk('business-hours', SAMPLES['business-hours']);
    expect(ok.data.workingHours).toEqual([
      { name: 'Weekdays', days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], startTime: '08:00', endTime: '17:00' },
      { name: 'Saturday', days: ['SAT'], startTime: '09:00', endTime: '12:30' },
    ]);
    expect(ok.references).toEqual([
      { type: 'holidays', key: 'US Holidays', column: 'Holiday List' },
      { type: 'overrides', key: 'Storm Closures', column: 'Override List' },
    ]);
    expect(errorOf('business-hours', { ...SAMPLES['business-hours'], 'Working Hours': 'W:MON,XYZ:08:00-17:00' })).toBe(
      'Column "Working Hours": item "W:MON,XYZ:08:00-17:00": days "XYZ" is not one of SUN, MON, TUE, WED, THU, FRI, SAT',
    );
  });

  it('parses holidays and overrides with optional parts', () => {
    expect(parseOk('holidays', SAMPLES.holidays).data.holidays).toEqual([
      {
        name: 'New Year',
        startDate: '2026-01-01',
        endDate: null,
        startTime: null,
        endTime: null,
        frequency: 'Yearly',
        interval: null,
        until: '2030-01-01',
      },
      {
        name: 'Winter Break',
        startDate: '2026-12-24',
        endDate: '2026-12-26',
        startTime: null,
        endTime: null,
        frequency: null,
        interval: null,
        until: null,
      },
      {
        name: 'Company Day',
        startDate: '2026-06-05',
        endDate: null,
        startTime: '09:00',
        endTime: '13:00',
        frequency: null,
        interval: 2,
        until: null,
      },
    ]);
    expect(parseOk('overrides', SAMPLES.overrides).data.overrides).toEqual([
      {
        name: 'Christmas Eve',
        start: '2026-12-24T12:00',
        end: '2026-12-24T23:59',
        workingHours: false,
        frequency: null,
        interval: null,
        until: null,
      },
      {
        name: 'Stocktake',
        start: '2026-03-01T08:00',
        end: '2026-03-01T12:00',
        workingHours: true,
        frequency: 'Weekly',
        interval: null,
        until: null,
      },
    ]);
  });

  it('parses distribution groups and returns team references in Site/Team form', () => {
    const ok = parseOk('queues', SAMPLES.queues);
    expect(ok.data.distributionGroups).toEqual([
      { teams: ['Main/Tier 1', 'Main/Tier 2'], afterSeconds: null },
      { teams: ['Main/Overflow'], afterSeconds: 60 },
    ]);
    expect(ok.references).toEqual([
      { type: 'audio-files', key: 'hold-music.wav', column: 'Default Music in Queue' },
      { type: 'teams', key: 'Main/Tier 1', column: 'Distribution Groups' },
      { type: 'teams', key: 'Main/Tier 2', column: 'Distribution Groups' },
      { type: 'teams', key: 'Main/Overflow', column: 'Distribution Groups' },
    ]);
    expect(errorOf('queues', { ...SAMPLES.queues, 'Distribution Groups': 'Tier 1' })).toBe(
      'Column "Distribution Groups": item "Tier 1": teams "Tier 1" is not a Teams key of the form Site/Name',
    );
  });

  it('parses address-book and outdial-ANI entries', () => {
    expect(parseOk('address-books', SAMPLES['address-books']).data.entries).toEqual([
      { name: 'Reception', number: '+14085550100' },
      { name: 'Billing desk', number: '(408)555-0101' },
    ]);
    expect(parseOk('outdial-anis', SAMPLES['outdial-anis']).data.entries).toEqual([
      { name: 'Main line', number: '+14085550100' },
      { name: 'SIP', number: 'sip:main@example.com;user=phone' },
    ]);
    expect(parseOk('user-profiles', SAMPLES['user-profiles']).data.permissions).toEqual([
      { name: 'Entry Points', access: 'EDIT' },
      { name: 'Queues', access: 'VIEW' },
    ]);
  });
});

describe('references and keys', () => {
  it('returns every reference with its column', () => {
    const ok = parseOk('users', SAMPLES.users);
    expect(ok.data.teams).toEqual(['Main/Tier 1', 'Main/Tier 2']);
    expect(ok.references).toEqual([
      { type: 'user-profiles', key: 'Supervisors', column: 'User Profile' },
      { type: 'sites', key: 'Main', column: 'Site' },
      { type: 'teams', key: 'Main/Tier 1', column: 'Teams' },
      { type: 'teams', key: 'Main/Tier 2', column: 'Teams' },
      { type: 'desktop-profiles', key: 'Default Agent', column: 'Desktop Profile' },
    ]);
    expect(errorOf('users', { ...SAMPLES.users, Teams: 'Tier 1|Main/' })).toBe(
      'Column "Teams": "Tier 1" is not a Teams key of the form Site/Name; Column "Teams": "Main/" is not a Teams key of the form Site/Name',
    );
  });

  it('builds keys: Site/Name for teams, lower-case email for users, dialled number for mappings', () => {
    expect(parseOk('teams', SAMPLES.teams).key).toBe('Main/Tier 1');
    expect(objectKey(spec('teams'), { site: ' Main ', name: 'Tier 1' })).toBe('Main/Tier 1');
    expect(objectKey(spec('users'), { email: 'A@B.com' })).toBe('a@b.com');
    expect(parseOk('entry-point-mappings', SAMPLES['entry-point-mappings']).key).toBe('+14085550100');
  });

  it('requires key columns even when the header omits them', () => {
    const type = spec('teams');
    const columns = type.columns.filter((column) => column.field !== 'site');
    const cells = columns.map((column) => SAMPLES.teams[column.header] ?? '');
    const result = parseRow(type, columns, cells);
    expect(result).toEqual({ ok: false, error: 'Column "Site" is required' });
  });
});

describe('empty cells, formulas and row shape', () => {
  it('keeps absent columns absent and turns empty optional cells into null', () => {
    const ok = parseOk('entry-point-mappings', { 'Dialed Number': '+14085550100', 'Entry Point': 'Sales', Region: '' });
    expect(ok.data).toEqual({ dialedNumber: '+14085550100', entryPoint: 'Sales', region: null });
    const partial = parseOk('entry-point-mappings', { 'Dialed Number': '+14085550100', 'Entry Point': 'Sales' });
    expect(partial.data).not.toHaveProperty('region');
    expect(toCsvRecord(spec('entry-point-mappings'), partial.data)).toEqual(["'+14085550100", 'Sales', '']);
  });

  it('removes the apostrophe that neutralises a formula, and export adds it back', () => {
    const ok = parseOk('entry-points', SAMPLES['entry-points']);
    expect(ok.data.description).toBe("=cmd|' /C calc'!A0");
    const record = toCsvRecord(spec('entry-points'), { ...ok.data, description: "'=already" });
    expect(record[1]).toBe("''=already");
    const again = parseRow(spec('entry-points'), spec('entry-points').columns, record);
    expect(again.ok && again.data.description).toBe("'=already");
    expect(parseOk('users', SAMPLES.users).data.defaultDialedNumber).toBe('+1-408-555-0199');
  });

  it('rejects rows whose cell count differs from the header, tolerating empty trailing cells', () => {
    const type = spec('work-types');
    expect(parseRow(type, type.columns, ['Breaks', ''])).toEqual({
      ok: false,
      error: 'The row has 2 cells but the header has 3 columns',
    });
    expect(parseRow(type, type.columns, ['Breaks', '', 'IDLE_CODE', 'x']).ok).toBe(false);
    expect(parseRow(type, type.columns, ['Breaks', '', 'IDLE_CODE', '', ' ']).ok).toBe(true);
  });
});

describe('cross-column rules', () => {
  it('requires conditional columns only when present in the header', () => {
    const capacity = { Name: 'Overflow', Site: 'Main', Type: 'CAPACITY', DN: '', Capacity: '5' };
    expect(errorOf('teams', capacity)).toBe('Column "DN" is required when Type is CAPACITY');
    expect(
      parseOk('teams', { Name: 'Overflow', Site: 'Main', Type: 'CAPACITY', Capacity: '5' }).data,
    ).not.toHaveProperty('dialedNumber');
  });

  it('forbids columns that do not apply', () => {
    expect(errorOf('teams', { ...SAMPLES.teams, Type: 'CAPACITY', DN: '+14085550123', Capacity: '3' })).toBe(
      'Column "Multimedia Profile" must be empty when Type is CAPACITY; Column "Skill Profile" must be empty when Type is CAPACITY',
    );
    expect(errorOf('entry-points', { ...SAMPLES['entry-points'], 'Channel Type': 'CHAT' })).toBe(
      'Column "Social Channel Type" must be empty when Channel Type is CHAT',
    );
  });

  it('describes boolean conditions with the column labels and checks members of items', () => {
    expect(errorOf('users', { ...SAMPLES.users, 'Desktop Profile': '' })).toBe(
      'Column "Desktop Profile" is required when Site is set; Column "Desktop Profile" is required when Teams is set',
    );
    expect(errorOf('global-variables', { ...SAMPLES['global-variables'], 'Desktop Label': '' })).toBe(
      'Column "Desktop Label" is required when Agent Viewable is true',
    );
    expect(errorOf('outdial-anis', { ...SAMPLES['outdial-anis'], 'Default Entry': 'Other' })).toBe(
      'Column "Default Entry": "Other" is not one of the Entries',
    );
  });
});
