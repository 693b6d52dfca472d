import type { ObjectTypeDefinition } from '../object-type';
import type { ObjectTypeId } from '../object-type-ids';
import type { ColumnSpec } from '../columns';
import { booleanColumn, descriptionColumn, enumColumn, integerColumn, nameColumn, referenceColumn } from './common';

/** Desktop profiles (formerly agent profiles): what agents may do on the Agent Desktop. */

const ALL_SPECIFIC = ['ALL', 'SPECIFIC'] as const;
const ALL_SPECIFIC_NONE = ['ALL', 'SPECIFIC', 'NONE'] as const;

const list = (header: string, field: string, references: ObjectTypeId, description: string, example: string) =>
  referenceColumn(header, field, references, { multi: true, description, example });

const columns: readonly ColumnSpec[] = [
  nameColumn({
    pattern: '^[a-zA-Z0-9._\\s\\-()]+$',
    patternHint: 'letters, digits, spaces, and . _ - ( )',
    example: 'Default Agent',
  }),
  descriptionColumn(),
  referenceColumn('Parent Site', 'parentSite', 'sites', {
    description: 'Owning site; empty means the profile belongs to the organisation.',
    example: 'Main',
  }),
  booleanColumn('Screen Popups', 'screenPopup', 'Whether screen pops are shown.'),
  booleanColumn('Last Agent Routing', 'lastAgentRouting', 'Whether returning callers go to their last agent.'),
  enumColumn(
    'Wrap Up Type',
    'wrapUpType',
    false,
    ['MANUAL', 'AUTO'],
    'Whether wrap-up ends manually or automatically.',
  ),
  integerColumn('Auto Wrap Up Time', 'autoWrapUpTime', false, 'Seconds before an automatic wrap-up ends.'),
  booleanColumn('Agent Available After Outdial', 'agentAvailableAfterOutdial', 'Available state after an outdial.'),
  booleanColumn('Allow Auto Wrap Up Extension', 'allowAutoWrapUpExtension', 'Whether agents may extend auto wrap-up.'),
  enumColumn('Wrap Up Options', 'wrapUpOptions', false, ALL_SPECIFIC, 'All wrap-up codes or only the listed ones.'),
  list('Wrap Up Codes', 'wrapUpCodes', 'auxiliary-codes', 'Wrap-up codes offered.', 'Resolved|Escalated'),
  enumColumn('Idle Options', 'idleOptions', false, ALL_SPECIFIC, 'All idle codes or only the listed ones.'),
  list('Idle Codes', 'idleCodes', 'auxiliary-codes', 'Idle codes offered.', 'Lunch|Meeting'),
  enumColumn('Transfer Options', 'transferOptions', false, ALL_SPECIFIC, 'All queues or only the listed ones.'),
  list('Transfer Targets', 'transferTargets', 'queues', 'Queues agents may transfer or consult to.', 'Billing'),
  enumColumn(
    'Entry Point Transfer Options',
    'entryPointTransferOptions',
    false,
    ALL_SPECIFIC_NONE,
    'All entry points, only the listed ones, or none.',
  ),
  list(
    'Entry Point Transfer Targets',
    'entryPointTransferTargets',
    'entry-points',
    'Transferable entry points.',
    'Sales',
  ),
  enumColumn('Buddy Team Option', 'buddyTeamOption', false, ALL_SPECIFIC_NONE, 'Which teams are buddy teams.'),
  list('Buddy Teams', 'buddyTeams', 'teams', 'Buddy teams as Site/Team keys.', 'Main/Tier 1|Main/Tier 2'),
  booleanColumn('Consult To Queue', 'consultToQueue', 'Whether agents may consult a queue.'),
  booleanColumn('Outdial Enabled', 'outdialEnabled', 'Whether agents may place outdial calls.'),
  referenceColumn('Outdial EP', 'outdialEntryPoint', 'outdial-entry-points', {
    description: 'Outdial entry point used for outdial calls.',
    example: 'Outbound Sales',
  }),
  referenceColumn('Address Book', 'addressBook', 'address-books', {
    description: 'Address book shown to agents.',
    example: 'Escalations',
  }),
  booleanColumn('Dial Plan Enabled', 'dialPlanEnabled', 'Whether dialled numbers are checked against dial plans.'),
  list('Dial Plan', 'dialPlans', 'dial-plans', 'Dial plans applied to outdial numbers.', 'US'),
  referenceColumn('Outdial ANI', 'outdialAni', 'outdial-anis', {
    description: 'Caller IDs agents can choose from.',
    example: 'US Caller IDs',
  }),
  enumColumn(
    'DN Validation Option',
    'dnValidationOption',
    false,
    ['UNRESTRICTED', 'PROVISIONED VALUE', 'VALIDATION CRITERIA'],
    'How the number an agent signs in with is validated.',
  ),
  list('Validation Criteria', 'validationCriteria', 'dial-plans', 'Dial plans a sign-in number must match.', 'US'),
  booleanColumn('Agent Statistics', 'agentStatistics', 'Whether agents see their own statistics.'),
  enumColumn('Queue Statistics Option', 'queueStatisticsOption', false, ALL_SPECIFIC_NONE, 'Which queue statistics.'),
  list('Selected Queues', 'selectedQueues', 'queues', 'Queues whose statistics are shown.', 'Billing'),
  booleanColumn('Logged In Team Statistics', 'loggedInTeamStatistics', "Whether the agent's team statistics show."),
  enumColumn('Team Statistics Option', 'teamStatisticsOption', false, ALL_SPECIFIC_NONE, 'Which team statistics.'),
  list('Selected Teams', 'selectedTeams', 'teams', 'Teams (Site/Team) whose statistics are shown.', 'Main/Tier 1'),
  booleanColumn('Agent Threshold Alerts Enabled', 'agentThresholdAlertsEnabled', 'Whether threshold alerts show.'),
  list('Agent Threshold Alerts', 'agentThresholdAlerts', 'threshold-rules', 'Threshold rules shown.', 'Long idle'),
];

const specific = (option: string, fields: string[]) =>
  ({ kind: 'requires', when: { field: option, in: ['SPECIFIC'] }, fields }) as const;
const enabled = (flag: string, fields: string[]) =>
  ({ kind: 'requires', when: { field: flag, in: [true] }, fields }) as const;

export const DESKTOP_PROFILE_TYPES: readonly ObjectTypeDefinition[] = [
  {
    id: 'desktop-profiles',
    label: 'Desktop Profiles',
    description: 'Agent Desktop behaviour: codes, transfer targets, outdial, statistics (formerly agent profiles).',
    format: 'csv',
    keyFields: ['name'],
    columns,
    rules: [
      { kind: 'requires', when: { field: 'wrapUpType', in: ['AUTO'] }, fields: ['autoWrapUpTime'] },
      specific('wrapUpOptions', ['wrapUpCodes']),
      specific('idleOptions', ['idleCodes']),
      specific('transferOptions', ['transferTargets']),
      specific('entryPointTransferOptions', ['entryPointTransferTargets']),
      specific('buddyTeamOption', ['buddyTeams']),
      specific('queueStatisticsOption', ['selectedQueues']),
      specific('teamStatisticsOption', ['selectedTeams']),
      enabled('outdialEnabled', ['outdialEntryPoint']),
      enabled('dialPlanEnabled', ['dialPlans']),
      enabled('agentThresholdAlertsEnabled', ['agentThresholdAlerts']),
      {
        kind: 'requires',
        when: { field: 'dnValidationOption', in: ['VALIDATION CRITERIA'] },
        fields: ['validationCriteria'],
      },
    ],
  },
];
