import type { ObjectTypeDefinition } from '../object-type';
import type { ColumnSpec } from '../columns';
import {
  DAYS_OF_WEEK,
  RECURRENCE_FIELDS,
  RECURRENCE_TEMPLATE,
  booleanColumn,
  dateColumn,
  descriptionColumn,
  integerColumn,
  itemName,
  nameColumn,
  referenceColumn,
  timeColumn,
  timezoneColumn,
  userListColumn,
} from './common';

/** Time-based objects: recording and monitoring schedules, holiday lists, overrides and business hours. */

/** When a recording or monitoring schedule is active, and which contacts it covers. */
const scheduleWindow: readonly ColumnSpec[] = [
  timezoneColumn(true, 'Time zone of the dates and times.'),
  dateColumn('Start Date', 'startDate', true, 'First day the schedule is active.'),
  dateColumn('End Date', 'endDate', false, 'Last day the schedule is active; empty means open-ended.'),
  {
    header: 'Days',
    field: 'days',
    kind: 'enum',
    required: true,
    multi: true,
    values: DAYS_OF_WEEK,
    description: 'Days of the week the schedule is active.',
    example: 'MON|TUE|WED|THU|FRI',
  },
  timeColumn('Start Time', 'startTime', true, 'Daily start time (HH:mm).'),
  timeColumn('End Time', 'endTime', true, 'Daily end time (HH:mm).'),
];

const scheduleScope: readonly ColumnSpec[] = [
  referenceColumn('Sites', 'sites', 'sites', { multi: true, description: 'Sites covered.', example: 'Main' }),
  referenceColumn('Teams', 'teams', 'teams', {
    multi: true,
    description: 'Teams covered, as Site/Team.',
    example: 'Main/Tier 1',
  }),
  referenceColumn('Queues', 'queues', 'queues', { multi: true, description: 'Queues covered.', example: 'Billing' }),
  userListColumn('Agents', 'agents', 'Agents covered, by email.'),
];

const active = booleanColumn('Active', 'active', 'Whether the schedule is in effect.');

export const CALENDAR_TYPES: readonly ObjectTypeDefinition[] = [
  {
    id: 'call-recording-schedules',
    label: 'Call Recording Schedules',
    description: 'When, and for which sites, teams, queues and agents, a share of voice calls is recorded.',
    format: 'csv',
    keyFields: ['name'],
    columns: [
      nameColumn({ example: 'Billing QA' }),
      descriptionColumn(),
      active,
      ...scheduleWindow,
      integerColumn('Recording Percentage', 'percentage', true, 'Share of matching calls recorded.', {
        min: 1,
        max: 100,
      }),
      ...scheduleScope,
    ],
  },
  {
    id: 'call-monitoring-schedules',
    label: 'Call Monitoring Schedules',
    description: 'When, and for which sites, teams, queues and agents, a supervisor silently monitors calls.',
    format: 'csv',
    keyFields: ['name'],
    columns: [
      nameColumn({ example: 'New hires' }),
      descriptionColumn(),
      active,
      {
        header: 'Supervisor',
        field: 'supervisor',
        kind: 'email',
        required: true,
        references: 'users',
        description: 'Email of the monitoring supervisor.',
        example: 'supervisor@example.com',
      },
      ...scheduleWindow,
      ...scheduleScope,
    ],
  },
  {
    id: 'holidays',
    label: 'Holidays',
    description: 'Holiday lists: named closed days, linked from business hours.',
    format: 'csv',
    keyFields: ['name'],
    columns: [
      nameColumn({ example: 'US Holidays' }),
      descriptionColumn(),
      {
        header: 'Holidays',
        field: 'holidays',
        kind: 'items',
        required: false,
        description: 'Every holiday of the list; replaces the stored set.',
        example: 'New Year=2026-01-01 Yearly|Company Day=2026-06-05 09:00-13:00',
        item: {
          format: `{name}={startDate}[..{endDate}][ {startTime}-{endTime}]${RECURRENCE_TEMPLATE}`,
          syntax: 'NAME=YYYY-MM-DD[..YYYY-MM-DD][ HH:mm-HH:mm][ FREQUENCY][ every N][ until YYYY-MM-DD]',
          example: 'Winter Break=2026-12-24..2026-12-26',
          unique: 'name',
          fields: [
            itemName('Holiday name.'),
            { field: 'startDate', kind: 'date', required: true, description: 'First day.' },
            { field: 'endDate', kind: 'date', required: false, description: 'Last day; absent means one day.' },
            { field: 'startTime', kind: 'time', required: false, description: 'Start time; absent means all day.' },
            { field: 'endTime', kind: 'time', required: false, description: 'End time.' },
            ...RECURRENCE_FIELDS,
          ],
        },
      },
    ],
  },
  {
    id: 'overrides',
    label: 'Overrides',
    description: 'Lists of one-off or recurring periods that open or close outside the business hours.',
    format: 'csv',
    keyFields: ['name'],
    columns: [
      nameColumn({
        pattern: '^[a-zA-Z0-9_-]+(\\s?[a-zA-Z0-9_-]+)*$',
        patternHint: 'letters, digits, _ and - separated by single spaces',
        example: 'Storm Closures',
      }),
      descriptionColumn(),
      timezoneColumn(true, 'Time zone of the override dates and times.'),
      {
        header: 'Overrides',
        field: 'overrides',
        kind: 'items',
        required: false,
        description: 'Every override of the list; replaces the stored set.',
        example:
          'Christmas Eve=2026-12-24T12:00..2026-12-24T23:59 closed|Stocktake=2026-03-01T08:00..2026-03-01T12:00 open',
        item: {
          format: `{name}={start}..{end} {workingHours}${RECURRENCE_TEMPLATE}`,
          syntax: 'NAME=YYYY-MM-DDTHH:mm..YYYY-MM-DDTHH:mm open|closed[ FREQUENCY][ every N][ until YYYY-MM-DD]',
          example: 'Christmas Eve=2026-12-24T12:00..2026-12-24T23:59 closed',
          unique: 'name',
          fields: [
            itemName('Override name.'),
            { field: 'start', kind: 'datetime', required: true, description: 'Start (local date and time).' },
            { field: 'end', kind: 'datetime', required: true, description: 'End (local date and time).' },
            {
              field: 'workingHours',
              kind: 'boolean',
              required: true,
              labels: ['open', 'closed'],
              description: 'open: treat as working hours; closed: treat as closed.',
            },
            ...RECURRENCE_FIELDS,
          ],
        },
      },
    ],
  },
  {
    id: 'business-hours',
    label: 'Business Hours',
    description: 'Weekly working hours with an optional holiday list and override list.',
    format: 'csv',
    keyFields: ['name'],
    columns: [
      nameColumn({ example: 'US Support Hours' }),
      descriptionColumn(),
      timezoneColumn(true, 'Time zone of the working hours.'),
      referenceColumn('Holiday List', 'holidayList', 'holidays', {
        description: 'Holiday list applied (closed on its holidays).',
        example: 'US Holidays',
      }),
      referenceColumn('Override List', 'overrideList', 'overrides', {
        description: 'Override list applied on top.',
        example: 'Storm Closures',
      }),
      {
        header: 'Working Hours',
        field: 'workingHours',
        kind: 'items',
        required: true,
        description: 'Every working-hours shift; replaces the stored set.',
        example: 'Weekdays:MON,TUE,WED,THU,FRI:08:00-17:00|Saturday:SAT:09:00-12:00',
        item: {
          format: '{name}:{days}:{startTime}-{endTime}',
          syntax: 'NAME:DAY,DAY,...:HH:mm-HH:mm',
          example: 'Weekdays:MON,TUE,WED,THU,FRI:08:00-17:00',
          fields: [
            itemName('Shift name.'),
            {
              field: 'days',
              kind: 'enum',
              required: true,
              multi: true,
              values: DAYS_OF_WEEK,
              description: 'Comma-separated days of the week.',
            },
            { field: 'startTime', kind: 'time', required: true, description: 'Opening time (HH:mm).' },
            { field: 'endTime', kind: 'time', required: true, description: 'Closing time (HH:mm).' },
          ],
        },
      },
    ],
  },
];
