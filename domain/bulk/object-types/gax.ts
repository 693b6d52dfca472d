import type { ObjectTypeDefinition } from '../object-type';
import type { ColumnSpec } from '../columns';
import { booleanColumn, descriptionColumn, nameColumn, referenceColumn } from './common';

/**
 * Genesys-style agent administration (spec §2, seed 002): agents (the GAX agent CSV), and the objects its relational
 * columns name — switches, agent groups, access groups — plus the places an agent's extension creates. Skills are the
 * shared `skill-definitions`. The agents type is read and written by the GAX dialect (`domain/bulk/gax/`); its
 * columns here describe the standard (non-relational) GAX columns for the catalog, template and OpenAPI.
 */

const YES_NO: readonly [string, string] = ['Y', 'N'];

function textColumn(header: string, field: string, required: boolean, description: string, example: string) {
  const column: ColumnSpec = { header, field, kind: 'string', required, maxLength: 255, description, example };
  return column;
}

/** Standard GAX agent columns: the mandatory ones first, Action first of all (the template order, spec §2.5). */
export const GAX_AGENT_COLUMNS: readonly ColumnSpec[] = [
  {
    header: 'Action',
    field: 'action',
    kind: 'enum',
    required: true,
    values: ['ADD', 'UPDATE'],
    description: 'ADD creates the user (it must not exist), UPDATE changes it (it must exist); required on every row.',
    example: 'ADD',
  },
  textColumn('First Name', 'firstName', true, 'First name; required on ADD.', 'Sarah'),
  textColumn('Last Name', 'lastName', true, 'Last name; required on ADD.', 'Lee'),
  textColumn('Employee Id', 'employeeId', true, 'Employee number; required on ADD.', '223344'),
  {
    ...textColumn('Username', 'username', true, 'User name; the key, unique within the file (case-sensitive).', 'sl'),
    aliases: ['User Name'],
    example: 'sarahl@acme.com',
  },
  {
    ...booleanColumn(
      'Is Agent',
      'isAgent',
      'Y for an agent, N for a user who is not an agent; required on ADD.',
      YES_NO,
    ),
    required: true,
    aliases: ['Agent'],
  },
  {
    ...textColumn(
      'Folder',
      'folder',
      true,
      'Folder path under the Users root, e.g. Acme/Branch/Team 1.',
      'Acme/Branch',
    ),
    maxLength: 1000,
  },
  {
    ...textColumn('Password', 'password', false, 'New password; stored only as a salted scrypt hash.', 'S3cret!'),
    maxLength: 128,
  },
  {
    ...booleanColumn(
      'Password change',
      'mustChangePassword',
      'Y: the user must change the password at the next login.',
      YES_NO,
    ),
    aliases: ['Reset Password'],
  },
  textColumn('External ID', 'externalId', false, 'Identifier in another system.', 'HR-0042'),
  {
    header: 'Email',
    field: 'email',
    kind: 'email',
    required: false,
    aliases: ['E-mail', 'Email Address'],
    description: 'Email address, usually the same as the username (stored in lower case).',
    example: 'sarahl@acme.com',
  },
  {
    header: 'Extension',
    field: 'extension',
    kind: 'string',
    required: false,
    maxLength: 20,
    pattern: '^[0-9]+$',
    patternHint: 'digits',
    description: "Default extension (digits); creates the agent's default place and its DN when absent.",
    example: '2233',
  },
  booleanColumn('Enabled', 'enabled', 'Y: the user is enabled (the default on ADD), N: disabled.', YES_NO),
];

export const GAX_TYPES: readonly ObjectTypeDefinition[] = [
  {
    id: 'switches',
    label: 'Switches',
    description: 'Telephony switches agents log in to (GAX relational column Switch:<name>).',
    format: 'csv',
    keyFields: ['name'],
    columns: [
      nameColumn({ example: 'SIP_Switch' }),
      descriptionColumn(),
      textColumn('Switch Type', 'switchType', false, 'Switch type or vendor, free text.', 'SIP Server'),
    ],
  },
  {
    id: 'places',
    label: 'Places',
    description: 'Places (agent work positions) with their DN; an agent Extension creates its default place.',
    format: 'csv',
    keyFields: ['name'],
    columns: [
      nameColumn({ example: '2233', description: 'Place name; a default place is named after its extension.' }),
      {
        header: 'DN',
        field: 'dn',
        kind: 'string',
        required: false,
        maxLength: 20,
        pattern: '^[0-9]+$',
        patternHint: 'digits',
        description: 'Directory number (extension) of the place.',
        example: '2233',
      },
      referenceColumn('Switch', 'switch', 'switches', {
        description: 'Switch the DN lives on.',
        example: 'SIP_Switch',
      }),
      descriptionColumn(),
    ],
  },
  {
    id: 'agent-groups',
    label: 'Agent Groups',
    description: 'Groups of agents (GAX relational column Agent Group:<name>); virtual groups are not offered.',
    format: 'csv',
    keyFields: ['name'],
    columns: [nameColumn({ example: 'Tier1' }), descriptionColumn()],
  },
  {
    id: 'access-groups',
    label: 'Access Groups',
    description: 'Permission groups of users (GAX relational column Access Group:<name>).',
    format: 'csv',
    keyFields: ['name'],
    columns: [nameColumn({ example: 'Supervisors' }), descriptionColumn()],
  },
  {
    id: 'agents',
    label: 'Agents',
    description:
      'Users and agents in the Genesys GAX agent CSV: Action (ADD/UPDATE) on every row, the columns below, and ' +
      'optional relational columns Switch:<name>, Agent Group:<name>, Access Group:<name> (Y adds, N removes) and ' +
      'Skill:<name> (a level assigns, N removes); an empty cell changes nothing.',
    format: 'csv',
    keyFields: ['username'],
    columns: GAX_AGENT_COLUMNS,
  },
];
