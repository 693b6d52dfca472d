import type { ObjectTypeDefinition } from '../object-type';
import { descriptionColumn, enumColumn, integerColumn, nameColumn } from './common';

/** Skills: definitions and the profiles that assign skill values to agents. */

export const SKILL_TYPES: readonly ObjectTypeDefinition[] = [
  {
    id: 'skill-definitions',
    label: 'Skill Definitions',
    description: 'Skills agents can have, with their value type.',
    format: 'csv',
    keyFields: ['name'],
    columns: [
      nameColumn({
        pattern: '^[a-zA-Z0-9,@_.\\-\\s]*$',
        patternHint: 'letters, digits, spaces, and , @ _ . -',
        description: 'Skill name; immutable.',
        example: 'Billing',
      }),
      descriptionColumn(),
      integerColumn('Service Level Threshold', 'serviceLevelThreshold', true, 'Service level threshold in seconds.'),
      enumColumn('Type', 'skillType', true, ['TEXT', 'PROFICIENCY', 'BOOLEAN', 'ENUM'], 'Value type; immutable.'),
      {
        header: 'List Values For Enum',
        field: 'enumValues',
        kind: 'string',
        required: false,
        multi: true,
        maxLength: 80,
        description: 'Allowed values of an ENUM skill.',
        example: 'Gold|Silver|Bronze',
      },
    ],
    rules: [
      { kind: 'requires', when: { field: 'skillType', in: ['ENUM'] }, fields: ['enumValues'] },
      { kind: 'forbids', when: { field: 'skillType', in: ['TEXT', 'PROFICIENCY', 'BOOLEAN'] }, fields: ['enumValues'] },
    ],
  },
  {
    id: 'skill-profiles',
    label: 'Skill Profiles',
    description: 'Sets of skill values assigned to agents or teams.',
    format: 'csv',
    keyFields: ['name'],
    columns: [
      nameColumn({ example: 'Billing Experts' }),
      descriptionColumn(),
      {
        header: 'Skills',
        field: 'skills',
        kind: 'items',
        required: true,
        description: 'Every skill of the profile with its value; replaces the stored set.',
        example: 'Billing=5|Spanish=true|Tier=Gold',
        item: {
          format: '{skill}={value}',
          syntax: 'SKILL=VALUE',
          example: 'Billing=5',
          unique: 'skill',
          fields: [
            {
              field: 'skill',
              kind: 'string',
              required: true,
              maxLength: 80,
              references: 'skill-definitions',
              description: 'Skill definition name.',
            },
            {
              field: 'value',
              kind: 'string',
              required: true,
              maxLength: 100,
              description:
                'Value as text: 0-10 for PROFICIENCY, a boolean for BOOLEAN, one defined value for ENUM, text for TEXT.',
            },
          ],
        },
      },
    ],
  },
];
