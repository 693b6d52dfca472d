import {
  CSV_OBJECT_TYPE_IDS,
  OBJECT_TYPES,
  OBJECT_TYPE_IDS,
  describeObjectType,
  findObjectType,
  isObjectTypeId,
  type ObjectTypeId,
  type ObjectTypeSpec,
} from '../../domain/bulk/catalog';
import {
  booleanLabels,
  enumKey,
  itemTemplateFields,
  matchItem,
  parseScalar,
  splitList,
  type ColumnSpec,
} from '../../domain/bulk/columns';

const EXPECTED_CSV_IDS = [
  'entry-points',
  'dial-plans',
  'queues',
  'outdial-entry-points',
  'outdial-queues',
  'sites',
  'teams',
  'call-recording-schedules',
  'call-monitoring-schedules',
  'users',
  'user-profiles',
  'work-types',
  'auxiliary-codes',
  'desktop-profiles',
  'desktop-layouts',
  'multimedia-profiles',
  'address-books',
  'threshold-rules',
  'outdial-anis',
  'skill-definitions',
  'skill-profiles',
  'entry-point-mappings',
  'overrides',
  'business-hours',
  'holidays',
  'global-variables',
  'switches',
  'places',
  'agent-groups',
  'access-groups',
  'agents',
];

function spec(id: string): ObjectTypeSpec {
  const found = findObjectType(id);
  if (!found) throw new Error(`unknown type ${id}`);
  return found;
}

/** Every type referenced by a column or an item field, recomputed independently of the catalog. */
function references(type: ObjectTypeSpec): Set<ObjectTypeId> {
  const found = new Set<ObjectTypeId>();
  for (const column of type.columns) {
    if (column.references) found.add(column.references);
    for (const field of column.item?.fields ?? []) if (field.references) found.add(field.references);
  }
  found.delete(type.id);
  return found;
}

const csvTypes = OBJECT_TYPES.filter((type) => type.format === 'csv');
const allColumns: [string, ColumnSpec][] = csvTypes.flatMap((type) =>
  type.columns.map((column): [string, ColumnSpec] => [`${type.id} / ${column.header}`, column]),
);

describe('object type ids', () => {
  it('has the 31 CSV types and audio files, each once', () => {
    expect([...CSV_OBJECT_TYPE_IDS].sort()).toEqual([...EXPECTED_CSV_IDS].sort());
    expect([...OBJECT_TYPE_IDS].sort()).toEqual([...EXPECTED_CSV_IDS, 'audio-files'].sort());
    expect(OBJECT_TYPES.map((type) => type.id).sort()).toEqual([...OBJECT_TYPE_IDS].sort());
  });

  it('uses the csv format for CSV types and audio-zip (no columns) for audio files', () => {
    for (const id of CSV_OBJECT_TYPE_IDS) expect(spec(id).format).toBe('csv');
    expect(spec('audio-files')).toMatchObject({ format: 'audio-zip', columns: [], keyFields: ['name'], dependsOn: [] });
    for (const type of csvTypes) expect(type.columns.length).toBeGreaterThan(0);
  });

  it('finds types by id and recognises ids', () => {
    expect(findObjectType('teams')?.label).toBe('Teams');
    expect(findObjectType('agent-profiles')).toBeUndefined();
    expect(isObjectTypeId('audio-files')).toBe(true);
    expect(isObjectTypeId('Teams')).toBe(false);
  });
});

describe('keys', () => {
  it('keys users by email, teams by site and name, mappings by dialled number, the rest by name', () => {
    const special: Record<string, string[]> = {
      users: ['email'],
      teams: ['site', 'name'],
      'entry-point-mappings': ['dialedNumber'],
      agents: ['username'],
    };
    for (const type of OBJECT_TYPES) expect([type.id, type.keyFields]).toEqual([type.id, special[type.id] ?? ['name']]);
  });

  it('makes every key column required', () => {
    for (const type of csvTypes) {
      for (const field of type.keyFields) {
        expect([type.id, type.columns.find((column) => column.field === field)?.required]).toEqual([type.id, true]);
      }
    }
  });
});

describe('dependencies', () => {
  it('derives dependsOn from the reference columns, including references inside items', () => {
    for (const type of OBJECT_TYPES)
      expect([type.id, [...type.dependsOn].sort()]).toEqual([type.id, [...references(type)].sort()]);
    expect(spec('skill-profiles').dependsOn).toEqual(['skill-definitions']);
    expect(spec('queues').dependsOn).toEqual(['teams', 'audio-files']);
    expect(spec('teams').dependsOn).toEqual(expect.arrayContaining(['sites', 'desktop-layouts', 'skill-profiles']));
  });

  it('orders OBJECT_TYPES so that every dependency is imported first (hence no cycles)', () => {
    const position = new Map(OBJECT_TYPES.map((type, index) => [type.id, index]));
    for (const type of OBJECT_TYPES) {
      for (const dependency of type.dependsOn) {
        expect([type.id, dependency, (position.get(dependency) ?? Infinity) < (position.get(type.id) ?? -1)]).toEqual([
          type.id,
          dependency,
          true,
        ]);
      }
    }
  });

  it('follows the suggested order of spec §1.7 where it applies', () => {
    const ids = OBJECT_TYPES.map((type) => type.id);
    const order = ['auxiliary-codes', 'skill-definitions', 'skill-profiles', 'multimedia-profiles', 'sites', 'teams'];
    expect(order.map((id) => ids.indexOf(id as ObjectTypeId))).toEqual(
      [...order.map((id) => ids.indexOf(id as ObjectTypeId))].sort((a, b) => a - b),
    );
    expect(ids.indexOf('audio-files')).toBeLessThan(ids.indexOf('queues'));
    expect(ids.indexOf('dial-plans')).toBeLessThan(ids.indexOf('entry-points'));
    expect(ids.indexOf('business-hours')).toBeLessThan(ids.indexOf('entry-points'));
    expect(ids.indexOf('users')).toBeGreaterThan(ids.indexOf('desktop-profiles'));
  });
});

describe('column definitions', () => {
  it('has unique fields and unique headers (aliases included, case-insensitively) per type', () => {
    for (const type of csvTypes) {
      const fields = type.columns.map((column) => column.field);
      expect([type.id, new Set(fields).size]).toEqual([type.id, fields.length]);
      const names = type.columns.flatMap((column) =>
        [column.header, ...(column.aliases ?? [])].map((h) => h.toLowerCase()),
      );
      expect([type.id, new Set(names).size]).toEqual([type.id, names.length]);
    }
  });

  it.each(allColumns)('%s is consistent', (_name, column) => {
    expect(column.description.length).toBeGreaterThan(0);
    if (column.kind === 'enum') {
      const values = column.values ?? [];
      expect(values.length).toBeGreaterThan(1);
      expect(new Set(values.map(enumKey)).size).toBe(values.length);
    } else {
      expect(column.values).toBeUndefined();
    }
    if (column.kind === 'boolean') expect(column.multi).toBeFalsy();
    if (column.references) expect(isObjectTypeId(column.references)).toBe(true);
    if (column.kind === 'items') {
      expect(column.item).toBeDefined();
    } else {
      expect(column.item).toBeUndefined();
    }
    if (column.example === undefined) return;
    if (column.item) {
      for (const part of splitList(column.example))
        expect([part, matchItem(column.item, part)]).not.toEqual([part, undefined]);
      return;
    }
    const parts = column.multi ? splitList(column.example) : [column.example];
    for (const part of parts) expect([part, parseScalar(column, part).ok]).toEqual([part, true]);
    if (column.references === 'teams') for (const part of parts) expect(part).toMatch(/^[^/]+\/[^/]+$/);
  });

  it('keeps item templates in line with item fields', () => {
    const itemColumns = allColumns.flatMap(([, column]) => (column.item ? [column.item] : []));
    expect(itemColumns.length).toBeGreaterThanOrEqual(9);
    for (const item of itemColumns) {
      const placeholders = itemTemplateFields(item);
      expect(placeholders.map((p) => p.field).sort()).toEqual(item.fields.map((f) => f.field).sort());
      for (const field of item.fields) {
        const placeholder = placeholders.find((p) => p.field === field.field);
        if (field.required) expect([field.field, placeholder?.optional]).toEqual([field.field, false]);
        if (field.kind === 'enum' || field.kind === 'boolean') {
          const words = field.kind === 'enum' ? (field.values ?? []) : booleanLabels(field);
          for (const word of words) expect(word).toMatch(/^[A-Za-z0-9_]+$/);
        }
      }
      if (item.unique) expect(item.fields.map((f) => f.field)).toContain(item.unique);
      expect(matchItem(item, item.example)).toBeDefined();
    }
  });

  it('declares rules only on fields of the type', () => {
    for (const type of csvTypes) {
      const fields = new Set(type.columns.map((column) => column.field));
      for (const rule of type.rules ?? []) {
        const used = rule.kind === 'member' ? [rule.field, rule.of.field] : [rule.when.field, ...rule.fields];
        for (const field of used) expect([type.id, field, fields.has(field)]).toEqual([type.id, field, true]);
      }
    }
  });
});

describe('describeObjectType', () => {
  it('describes a type as JSON for the catalog endpoint', () => {
    const users = describeObjectType(spec('users'));
    expect(JSON.parse(JSON.stringify(users))).toEqual(users);
    expect(users).toMatchObject({
      id: 'users',
      label: 'Users',
      format: 'csv',
      key: ['Email'],
      dependsOn: expect.arrayContaining(['teams', 'desktop-profiles']),
    });
    expect(users.columns.map((column) => column.header)).toEqual(spec('users').columns.map((column) => column.header));
    expect(users.columns.find((column) => column.header === 'Contact Center Enabled')).toMatchObject({
      kind: 'boolean',
      required: true,
      multi: false,
      labels: ['On', 'Off'],
    });
    expect(users.columns.find((column) => column.header === 'Teams')).toMatchObject({
      multi: true,
      references: 'teams',
    });
    expect(users.columns.find((column) => column.header === 'Desktop Profile')?.aliases).toEqual(['Agent Profile']);
  });

  it('describes items, keys and rules', () => {
    const teams = describeObjectType(spec('teams'));
    expect(teams.key).toEqual(['Site', 'Name']);
    expect(teams.rules).toContain('DN, Capacity are required when Type is CAPACITY');
    expect(teams.rules).toContain('Capacity must be empty when Type is AGENT');
    const profiles = describeObjectType(spec('skill-profiles'));
    expect(profiles.columns.find((column) => column.header === 'Skills')).toMatchObject({
      kind: 'items',
      multi: true,
      syntax: 'SKILL=VALUE',
      example: 'Billing=5|Spanish=true|Tier=Gold',
    });
    expect(describeObjectType(spec('audio-files'))).toMatchObject({ format: 'audio-zip', key: ['name'], columns: [] });
    for (const type of OBJECT_TYPES) expect(describeObjectType(type).columns).toHaveLength(type.columns.length);
  });
});
