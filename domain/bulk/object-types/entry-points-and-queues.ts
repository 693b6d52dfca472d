import type { ObjectTypeDefinition } from '../object-type';
import type { ColumnSpec } from '../columns';
import {
  booleanColumn,
  descriptionColumn,
  enumColumn,
  integerColumn,
  nameColumn,
  referenceColumn,
  timezoneColumn,
} from './common';

/** Entry points and queues (Webex configuration, not the job router): entry points, dial-number mappings, queues (inbound and outdial) and dial plans. */

const CHANNEL_TYPES = ['TELEPHONY', 'CHAT', 'EMAIL', 'SOCIAL_CHANNEL'] as const;
const ENTRY_POINT_NAME = {
  pattern: '^[a-zA-Z0-9&_\\-\\s]*$',
  patternHint: 'letters, digits, spaces, and & _ -',
};

const serviceLevelThreshold = integerColumn(
  'Service Level Threshold',
  'serviceLevelThreshold',
  true,
  'Seconds within which a contact should be answered.',
);

const distributionGroups = (required: boolean): ColumnSpec => ({
  header: 'Distribution Groups',
  field: 'distributionGroups',
  kind: 'items',
  required,
  description: 'Every call distribution group in order; replaces the stored groups.',
  example: 'Main/Tier 1,Main/Tier 2|Main/Overflow@60',
  item: {
    format: '{teams}[@{afterSeconds}]',
    syntax: 'SITE/TEAM,SITE/TEAM[@SECONDS]',
    example: 'Main/Overflow@60',
    fields: [
      {
        field: 'teams',
        kind: 'string',
        required: true,
        multi: true,
        references: 'teams',
        description: 'Comma-separated teams (Site/Team) of the group.',
      },
      {
        field: 'afterSeconds',
        kind: 'integer',
        required: false,
        min: 0,
        description: 'Seconds in queue after which the group is added (usually absent for the first group).',
      },
    ],
  },
});

/** Queue columns shared by inbound and outdial queues. */
const queueCommon: readonly ColumnSpec[] = [
  integerColumn('Max Time In Queue', 'maxTimeInQueue', true, 'Seconds a contact may wait before it overflows.'),
  serviceLevelThreshold,
  timezoneColumn(false, 'Time zone used for the queue reports.'),
  booleanColumn('Permit Monitoring', 'monitoringPermitted', 'Whether calls may be monitored (telephony).'),
  booleanColumn('Permit Recording', 'recordingPermitted', 'Whether calls may be recorded (telephony).'),
  booleanColumn('Record All Calls', 'recordingAllCallsPermitted', 'Whether every call is recorded (telephony).'),
  booleanColumn('Pause or Resume Enabled', 'pauseRecordingPermitted', 'Whether agents may pause recording.'),
  integerColumn('Recording Pause Duration', 'recordingPauseDuration', false, 'Seconds a recording pause lasts.'),
  referenceColumn('Default Music in Queue', 'defaultMusicInQueue', 'audio-files', {
    description: 'Audio file (name) played while waiting (telephony).',
    example: 'hold-music.wav',
  }),
];

export const ENTRY_POINT_AND_QUEUE_TYPES: readonly ObjectTypeDefinition[] = [
  {
    id: 'entry-points',
    label: 'Entry Points',
    description: 'Inbound landing points of contacts; flows are assigned afterwards.',
    format: 'csv',
    keyFields: ['name'],
    columns: [
      nameColumn({ ...ENTRY_POINT_NAME, example: 'Sales' }),
      descriptionColumn(),
      serviceLevelThreshold,
      timezoneColumn(true),
      enumColumn('Channel Type', 'channelType', true, CHANNEL_TYPES, 'Media channel of the entry point.'),
      enumColumn(
        'Social Channel Type',
        'socialChannelType',
        false,
        ['SMS', 'WHATSAPP', 'FACEBOOK MESSENGER'],
        'Social channel (Channel Type SOCIAL_CHANNEL only).',
      ),
      {
        header: 'Asset Name',
        field: 'assetName',
        kind: 'string',
        required: false,
        maxLength: 255,
        description: 'Webex Connect asset of a digital channel.',
        example: 'Sales chat',
      },
    ],
    rules: [
      { kind: 'requires', when: { field: 'channelType', in: ['SOCIAL_CHANNEL'] }, fields: ['socialChannelType'] },
      {
        kind: 'forbids',
        when: { field: 'channelType', in: ['TELEPHONY', 'CHAT', 'EMAIL'] },
        fields: ['socialChannelType'],
      },
    ],
  },
  {
    id: 'entry-point-mappings',
    label: 'Entry Point Mappings',
    description: 'Dialled numbers mapped to inbound entry points.',
    format: 'csv',
    keyFields: ['dialedNumber'],
    columns: [
      {
        header: 'Dialed Number',
        field: 'dialedNumber',
        kind: 'phone',
        required: true,
        maxLength: 20,
        pattern: '^\\+?\\d+[\\d.\\-]*$',
        patternHint: 'digits, . and - with an optional leading +',
        aliases: ['Dialled Number', 'Dial Number'],
        description: 'Number from the PSTN inventory; the key (keep the leading +).',
        example: '+14085550100',
      },
      referenceColumn('Entry Point', 'entryPoint', 'entry-points', {
        required: true,
        description: 'Entry point the number lands on.',
        example: 'Sales',
      }),
      enumColumn('Region', 'region', false, ['US', 'CA', 'MX', 'AU', 'SG', 'GB', 'DE'], 'Telephony region.'),
    ],
  },
  {
    id: 'queues',
    label: 'Queues',
    description: 'Inbound queues with their call distribution groups.',
    format: 'csv',
    keyFields: ['name'],
    columns: [
      nameColumn({ example: 'Billing' }),
      descriptionColumn(),
      enumColumn('Channel Type', 'channelType', true, CHANNEL_TYPES, 'Media channel of the queue.'),
      ...queueCommon,
      enumColumn(
        'Routing Type',
        'routingType',
        true,
        ['LONGEST_AVAILABLE_AGENT', 'SKILLS_BASED'],
        'How agents are chosen; fixed at creation.',
      ),
      enumColumn(
        'Skill-Based Agent Selection',
        'skillBasedRoutingType',
        false,
        ['LONGEST_AVAILABLE_AGENT', 'BEST_AVAILABLE_AGENT'],
        'Agent choice among skilled agents (Routing Type SKILLS_BASED).',
      ),
      distributionGroups(true),
    ],
    rules: [
      { kind: 'requires', when: { field: 'routingType', in: ['SKILLS_BASED'] }, fields: ['skillBasedRoutingType'] },
      {
        kind: 'forbids',
        when: { field: 'routingType', in: ['LONGEST_AVAILABLE_AGENT'] },
        fields: ['skillBasedRoutingType'],
      },
    ],
  },
  {
    id: 'outdial-queues',
    label: 'Outdial Queues',
    description: 'Telephony queues for outdial calls and outbound campaigns.',
    format: 'csv',
    keyFields: ['name'],
    columns: [
      nameColumn({ example: 'Outbound Sales' }),
      descriptionColumn(),
      ...queueCommon,
      booleanColumn('Outdial Campaign Enabled', 'outdialCampaignEnabled', 'Whether the queue serves campaigns.'),
      distributionGroups(false),
    ],
    rules: [
      { kind: 'requires', when: { field: 'outdialCampaignEnabled', in: [true] }, fields: ['distributionGroups'] },
    ],
  },
  {
    id: 'outdial-entry-points',
    label: 'Outdial Entry Points',
    description: 'Entry points used for outdial (telephony only).',
    format: 'csv',
    keyFields: ['name'],
    columns: [
      nameColumn({ ...ENTRY_POINT_NAME, example: 'Outbound Sales' }),
      descriptionColumn(),
      timezoneColumn(true),
      serviceLevelThreshold,
      referenceColumn('Outdial Queue', 'outdialQueue', 'outdial-queues', {
        required: true,
        description: 'Outdial queue of the entry point.',
        example: 'Outbound Sales',
      }),
    ],
  },
  {
    id: 'dial-plans',
    label: 'Dial Plans',
    description: 'Formats of numbers agents may dial, with prefix and stripped characters.',
    format: 'csv',
    keyFields: ['name'],
    columns: [
      nameColumn({
        pattern: '^[a-zA-Z0-9,_\\-\\s]*$',
        patternHint: 'letters, digits, spaces, commas, _ and -',
        example: 'US',
      }),
      descriptionColumn(),
      {
        header: 'Regular Expression',
        field: 'regularExpression',
        kind: 'string',
        required: true,
        maxLength: 255,
        description: 'Pattern a dialled number must match (Java syntax, not checked here).',
        example: '([0-9]{10})',
      },
      {
        header: 'Prefix',
        field: 'prefix',
        kind: 'string',
        required: false,
        maxLength: 50,
        description: 'Digits added in front of the dialled number.',
        example: '9',
      },
      {
        header: 'Stripped Characters',
        field: 'strippedChars',
        kind: 'string',
        required: false,
        maxLength: 128,
        description: 'Characters removed from the dialled number.',
        example: '()-.',
      },
    ],
  },
];
