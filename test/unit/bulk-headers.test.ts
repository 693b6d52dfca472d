import { OBJECT_TYPES, findObjectType, type ObjectTypeSpec } from '../../domain/bulk/catalog';
import { resolveHeaders, templateHeader } from '../../domain/bulk/headers';

function spec(id: string): ObjectTypeSpec {
  const found = findObjectType(id);
  if (!found) throw new Error(`unknown type ${id}`);
  return found;
}

function problems(id: string, header: string[]): string[] {
  const result = resolveHeaders(spec(id), header);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

function fields(id: string, header: string[]): string[] {
  const result = resolveHeaders(spec(id), header);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.columns.map((column) => column.field);
}

describe('templateHeader', () => {
  it('lists the canonical headers in catalog order, and resolves to the catalog columns', () => {
    for (const type of OBJECT_TYPES) {
      const header = templateHeader(type);
      expect(header).toEqual(type.columns.map((column) => column.header));
      expect(resolveHeaders(type, header)).toEqual({ ok: true, columns: type.columns });
    }
    expect(templateHeader(spec('work-types'))).toEqual(['Name', 'Description', 'Type']);
    expect(templateHeader(spec('audio-files'))).toEqual([]);
  });
});

describe('resolveHeaders', () => {
  it('aligns columns with the header row, in any order, with only some optional columns', () => {
    expect(fields('teams', ['Site', 'Type', 'Name'])).toEqual(['site', 'teamType', 'name']);
  });

  it('matches case-insensitively, ignoring surrounding and repeated whitespace', () => {
    expect(fields('entry-points', ['  name ', 'SERVICE  LEVEL threshold', 'timezone', 'channel type'])).toEqual([
      'name',
      'serviceLevelThreshold',
      'timezone',
      'channelType',
    ]);
  });

  it('accepts aliases', () => {
    expect(fields('entry-point-mappings', ['Dialled Number', 'Entry Point'])).toEqual(['dialedNumber', 'entryPoint']);
    expect(fields('users', ['Email', 'User Profile', 'Contact Center Enabled', 'agent profile'])).toEqual([
      'email',
      'userProfile',
      'contactCenterEnabled',
      'desktopProfile',
    ]);
  });

  it('strips a UTF-8 byte order mark from the first cell', () => {
    expect(fields('work-types', ['\uFEFFName', 'Type'])).toEqual(['name', 'workTypeCode']);
  });

  it('reports an empty header cell with its column number', () => {
    expect(problems('work-types', ['Name', '', 'Type'])).toEqual(['Column 2 has an empty header']);
  });

  it('reports unknown headers and lists the accepted ones', () => {
    expect(problems('work-types', ['Name', 'Type', 'Colour'])).toEqual([
      'Unknown header "Colour" (column 3); the Work Types headers are: Name, Description, Type',
    ]);
  });

  it('reports duplicate headers, counting aliases as duplicates', () => {
    expect(problems('work-types', ['Name', 'Type', 'name'])).toEqual(['Duplicate header "name" (columns 1 and 3)']);
    expect(problems('entry-point-mappings', ['Dialed Number', 'Entry Point', 'Dialled Number'])).toEqual([
      'Duplicate header "Dialled Number" (columns 1 and 3): "Dialed Number" and "Dialled Number" both mean "Dialed Number"',
    ]);
  });

  it('reports missing required headers', () => {
    expect(problems('teams', ['Name', 'Type'])).toEqual(['Missing required header "Site"']);
  });

  it('reports every problem at once', () => {
    expect(problems('skill-profiles', ['\uFEFFDescription', 'Skill Name', 'Description', ' '])).toEqual([
      expect.stringMatching(/^Unknown header "Skill Name" \(column 2\); the Skill Profiles headers are: Name, /),
      'Duplicate header "Description" (columns 1 and 3)',
      'Column 4 has an empty header',
      'Missing required header "Name"',
      'Missing required header "Skills"',
    ]);
  });

  it('rejects any header for audio files, which are not imported from CSV', () => {
    expect(problems('audio-files', ['Name'])).toEqual([
      'Unknown header "Name" (column 1): Audio Files are not imported from CSV',
    ]);
  });
});
