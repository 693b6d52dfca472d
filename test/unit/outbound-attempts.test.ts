/**
 * The pure pieces of an outbound job's life (domain/outbound/attempts.ts): a new job's wire form, the attempt history
 * the strategy counts, the caller id of an attempt, how a router job's end becomes a task status, and how a dialer's
 * reported details merge into a task and the job's Summary. Also the `JobsJson.N` job input (domain/outbound/records.ts).
 */
import {
  attemptHistory,
  UNCOUNTED_TASK_STATUSES,
  chooseCallingNumber,
  mergeSummary,
  newJobView,
  type NewJob,
  taskStatusOfRouterEnd,
  withOutcome,
} from '../../domain/outbound/attempts';
import type { TaskOutcome } from '../../domain/outbound/messages';
import {
  type JobInput,
  jobInputSchema,
  jobViewSchema,
  type SummaryItem,
  type Task,
  TASK_STATUSES,
  taskSchema,
} from '../../domain/outbound/records';

const JOB_ID = '0b7f6a2e-1c1d-4c55-9d53-0c5a8c8a1f00';
const INSTANCE_ID = 'instance-1';
const GROUP_ID = 'group-1';

const input = (raw: unknown): JobInput => jobInputSchema.parse(raw);

function job(raw: unknown, overrides: Partial<NewJob> = {}) {
  return newJobView({
    jobId: JOB_ID,
    instanceId: INSTANCE_ID,
    jobGroupId: GROUP_ID,
    input: input(raw),
    priority: 1,
    callingNumbers: ['02110000001', '05710000002'],
    ...overrides,
  });
}

function task(overrides: Partial<Task> = {}): Task {
  return {
    TaskId: `${JOB_ID}.1`,
    JobId: JOB_ID,
    Status: 'NoAnswer',
    PlanedTime: 1_700_000_000_000,
    ActualTime: 1_700_000_005_000,
    CallId: '',
    CalledNumber: '13800000000',
    CallingNumber: '02110000001',
    ChatbotId: '',
    Duration: 0,
    ScenarioId: '',
    Brief: '',
    Contact: {
      ContactId: `${JOB_ID}-1`,
      ContactName: 'Zhang San',
      Honorific: 'Zhang San',
      PhoneNumber: '13800000000',
      ReferenceId: 'C-1',
      JobId: JOB_ID,
      Role: '',
      State: 'Available',
    },
    Conversation: [],
    ...overrides,
  };
}

/** Every status a dialer may report counts, not-dialled ones (EmptyNumber, …) included. */
const COUNTED_STATUSES = TASK_STATUSES.filter((status) => !UNCOUNTED_TASK_STATUSES.includes(status));

// ---------------------------------------------------------------------------------------------------------------

describe('newJobView: a new job as ListJobs and DescribeJob show it', () => {
  it('starts Scheduling with no attempts, its group as strategy and the router priority given', () => {
    const view = job(
      { contacts: [{ phoneNumber: '13800000000', referenceId: 'C-1', name: 'Zhang San' }] },
      { priority: 10 },
    );
    expect(view).toEqual({
      JobId: JOB_ID,
      JobGroupId: GROUP_ID,
      InstanceId: INSTANCE_ID,
      ScenarioId: '',
      StrategyId: GROUP_ID,
      Status: 'Scheduling',
      FailureReason: '',
      Priority: 10,
      SystemPriority: 1,
      ReferenceId: 'C-1',
      CalledNumber: '13800000000',
      CallingNumbers: ['02110000001', '05710000002'],
      NextExecutionTime: 0,
      Contacts: [
        {
          ContactId: `${JOB_ID}-1`,
          ContactName: 'Zhang San',
          Honorific: 'Zhang San',
          PhoneNumber: '13800000000',
          ReferenceId: 'C-1',
          JobId: JOB_ID,
          Role: '',
          State: 'Available',
        },
      ],
      Extras: [],
      Summary: [],
      Tasks: [],
    });
    // The read model is exactly the wire form: it validates as one.
    expect(jobViewSchema.parse(view)).toEqual(view);
  });

  it('maps every contact, numbering their ids from 1, with empty strings for what was not given', () => {
    const view = job({
      contacts: [
        { phoneNumber: '13800000001', referenceId: 'C-1', name: '张三', honorific: '张先生', role: '客户1' },
        { phoneNumber: '13800000002' },
      ],
    });
    expect(view.Contacts).toEqual([
      {
        ContactId: `${JOB_ID}-1`,
        ContactName: '张三',
        Honorific: '张先生',
        PhoneNumber: '13800000001',
        ReferenceId: 'C-1',
        JobId: JOB_ID,
        Role: '客户1',
        State: 'Available',
      },
      {
        ContactId: `${JOB_ID}-2`,
        ContactName: '',
        Honorific: '',
        PhoneNumber: '13800000002',
        ReferenceId: '',
        JobId: JOB_ID,
        Role: '',
        State: 'Available',
      },
    ]);
  });

  it.each([
    ['the honorific when given', { name: 'Zhang San', honorific: 'Mr Zhang' }, 'Mr Zhang'],
    ['the name when no honorific is given', { name: 'Zhang San' }, 'Zhang San'],
    ['an empty honorific as given (not the name)', { name: 'Zhang San', honorific: '' }, ''],
    ['empty without either', {}, ''],
  ])('Honorific: %s', (_title, fields, expected) => {
    const view = job({ contacts: [{ phoneNumber: '13800000000', ...fields }] });
    expect(view.Contacts[0]?.Honorific).toBe(expected);
  });

  it.each([
    [
      "the job's own referenceId first",
      { referenceId: 'JOB-9', contacts: [{ phoneNumber: '1', referenceId: 'C-1' }] },
      'JOB-9',
    ],
    ['in any key case', { REFERENCEID: 'JOB-9', contacts: [{ phoneNumber: '1', referenceId: 'C-1' }] }, 'JOB-9'],
    ["else the first contact's", { contacts: [{ phoneNumber: '1', referenceId: 'C-1' }] }, 'C-1'],
    [
      "only the first contact's, even when a later contact has one",
      { contacts: [{ phoneNumber: '1' }, { phoneNumber: '2', referenceId: 'C-2' }] },
      '',
    ],
    ['empty when nobody has one', { contacts: [{ phoneNumber: '1' }] }, ''],
    ['a numeric referenceId as text', { referenceId: 42, contacts: [{ phoneNumber: '1' }] }, '42'],
  ])('ReferenceId: %s', (_title, raw, expected) => {
    expect(job(raw).ReferenceId).toBe(expected);
  });

  it('keeps each contact its own ReferenceId whatever the job-level one is', () => {
    const view = job({ referenceId: 'JOB-9', contacts: [{ phoneNumber: '1', referenceId: 'C-1' }] });
    expect(view.Contacts[0]?.ReferenceId).toBe('C-1');
  });

  it('dials the first contact: CalledNumber is its phone number', () => {
    const view = job({ contacts: [{ phoneNumber: ' 13800000001 ' }, { phoneNumber: '13800000002' }] });
    expect(view.CalledNumber).toBe('13800000001');
  });

  it('turns extras into Key/Value pairs in order, an absent value into an empty string', () => {
    const view = job({
      contacts: [{ phoneNumber: '1' }],
      extras: [
        { key: 'orderId', value: 'A-17' },
        { Key: 'amount', Value: 12.5 },
        { key: 'flag' },
        { key: 'orderId', value: 'again' },
      ],
    });
    expect(view.Extras).toEqual([
      { Key: 'orderId', Value: 'A-17' },
      { Key: 'amount', Value: '12.5' },
      { Key: 'flag', Value: '' },
      // Duplicated keys are kept as given (the router labels built from them keep the last).
      { Key: 'orderId', Value: 'again' },
    ]);
  });

  it('adds no system extras (TenantId, ServiceId) of its own', () => {
    expect(job({ contacts: [{ phoneNumber: '1' }] }).Extras).toEqual([]);
  });

  it('copies the calling numbers: later changes to the caller-owned array do not reach the view', () => {
    const numbers = ['02110000001'];
    const view = job({ contacts: [{ phoneNumber: '1' }] }, { callingNumbers: numbers });
    numbers.push('05710000002');
    expect(view.CallingNumbers).toEqual(['02110000001']);
    expect(job({ contacts: [{ phoneNumber: '1' }] }, { callingNumbers: [] }).CallingNumbers).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('attemptHistory: the attempts the strategy counts', () => {
  it('is empty without tasks', () => {
    expect(attemptHistory([])).toEqual([]);
  });

  it('turns a finished task into an attempt at its actual time, on its called number, with its status', () => {
    expect(attemptHistory([task({ Status: 'Busy', ActualTime: 1_700_000_005_000, CalledNumber: '139' })])).toEqual([
      { at: 1_700_000_005_000, phoneNumber: '139', outcome: 'Busy' },
    ]);
  });

  it('uses the planned time when the task was never taken (ActualTime 0)', () => {
    expect(attemptHistory([task({ Status: 'Failed', ActualTime: 0, PlanedTime: 1_700_000_000_000 })])).toEqual([
      { at: 1_700_000_000_000, phoneNumber: '13800000000', outcome: 'Failed' },
    ]);
  });

  it('leaves out the attempt in progress (Executing)', () => {
    expect(attemptHistory([task({ Status: 'Executing' })])).toEqual([]);
  });

  it.each(['Cancelled', 'Terminated', 'ContactBlockList', 'CallingNumberNotExist'])(
    'leaves out a %s task (set by ccflow: never reached a dialer)',
    (status) => {
      expect(attemptHistory([task({ Status: status })])).toEqual([]);
    },
  );

  it.each(['EmptyNumber', 'InArrearsNoCall', 'OutOfServiceNoCall', 'PerDayCallCountLimit'])(
    'counts a not-dialled %s reported by a dialer (recall rules and caps must see it)',
    (status) => {
      expect(attemptHistory([task({ Status: status })])).toEqual([expect.objectContaining({ outcome: status })]);
    },
  );

  it.each(COUNTED_STATUSES.map((status) => [status]))('counts a %s task', (status) => {
    expect(attemptHistory([task({ Status: status })])).toEqual([expect.objectContaining({ outcome: status })]);
  });

  it('keeps the order of the tasks and drops only what does not count', () => {
    const history = attemptHistory([
      task({ TaskId: 'j.1', Status: 'NoAnswer', ActualTime: 1 }),
      task({ TaskId: 'j.2', Status: 'Terminated', ActualTime: 0, PlanedTime: 2 }),
      task({ TaskId: 'j.3', Status: 'Busy', ActualTime: 3 }),
      task({ TaskId: 'j.4', Status: 'Cancelled', ActualTime: 0, PlanedTime: 4 }),
      task({ TaskId: 'j.5', Status: 'Executing', ActualTime: 5 }),
    ]);
    expect(history.map((attempt) => [attempt.at, attempt.outcome])).toEqual([
      [1, 'NoAnswer'],
      [3, 'Busy'],
    ]);
  });

  it('counts a status it does not know (the task model allows any string)', () => {
    expect(attemptHistory([task({ Status: 'SomethingNew' })])).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('chooseCallingNumber: the caller id of an attempt', () => {
  const NUMBERS = ['02110000001', '05710000002', '07550000003'];

  it.each([undefined, 'None', 'none', 'NONE', 'LocalFirst', 'LocalProvinceFirst'])(
    'has nothing to choose from an empty list (%s)',
    (strategy) => {
      expect(chooseCallingNumber([], '13800000000', strategy, 1)).toBeUndefined();
    },
  );

  it.each([undefined, '', 'None', 'none', 'NONE', 'nOnE'])('rotates attempt by attempt with %p', (strategy) => {
    const chosen = [1, 2, 3, 4, 5, 6, 7].map((attempt) =>
      chooseCallingNumber(NUMBERS, '057188812345', strategy, attempt),
    );
    expect(chosen).toEqual([NUMBERS[0], NUMBERS[1], NUMBERS[2], NUMBERS[0], NUMBERS[1], NUMBERS[2], NUMBERS[0]]);
  });

  it('always takes the one number there is', () => {
    for (const strategy of [undefined, 'None', 'LocalFirst']) {
      for (const attempt of [1, 2, 3]) {
        expect(chooseCallingNumber(['02110000001'], '05710000000', strategy, attempt)).toBe('02110000001');
      }
    }
  });

  it.each(['LocalFirst', 'LocalProvinceFirst', 'localfirst'])(
    '%s takes the number sharing the longest leading digits with the called number',
    (strategy) => {
      const numbers = ['02110000001', '05710000002', '05718880003'];
      for (const attempt of [1, 2, 3, 4]) {
        expect(chooseCallingNumber(numbers, '05718881234', strategy, attempt)).toBe('05718880003');
      }
      expect(chooseCallingNumber(numbers, '02199999999', strategy, 2)).toBe('02110000001');
    },
  );

  it('compares digits only (spaces, dashes and + are ignored on both sides)', () => {
    const numbers = ['+86 21-1000-0001', '+86 571-1000-0002'];
    expect(chooseCallingNumber(numbers, '86571 9999', 'LocalFirst', 1)).toBe('+86 571-1000-0002');
    expect(chooseCallingNumber(['021-1', '0571-2'], '(0571) 888', 'LocalFirst', 1)).toBe('0571-2');
  });

  it('rotates among the numbers that tie for the longest prefix, skipping the others', () => {
    const numbers = ['05711110001', '02110000001', '05712220002'];
    const chosen = [1, 2, 3, 4].map((attempt) => chooseCallingNumber(numbers, '05719999999', 'LocalFirst', attempt));
    expect(chosen).toEqual(['05711110001', '05712220002', '05711110001', '05712220002']);
  });

  it('rotates through every number when none shares a leading digit', () => {
    const numbers = ['21', '31', '41'];
    const chosen = [1, 2, 3].map((attempt) => chooseCallingNumber(numbers, '99', 'LocalFirst', attempt));
    expect(chosen).toEqual(['21', '31', '41']);
  });

  it('treats any routing strategy other than None as a local preference', () => {
    expect(chooseCallingNumber(['02110000001', '05710000002'], '0571', 'Nearest', 1)).toBe('05710000002');
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('taskStatusOfRouterEnd: a task status from how its router job ended', () => {
  it.each(['SucceededFinish', 'Succeeded', 'NoAnswer', 'Busy', 'PoweredOff', 'EmptyNumber', 'Cancelled', 'Failed'])(
    'a closed job with disposition %s has that status',
    (code) => {
      expect(taskStatusOfRouterEnd({ status: 'closed', dispositionCode: code }, undefined)).toBe(code);
    },
  );

  it('accepts every task status but Executing as a disposition', () => {
    for (const status of TASK_STATUSES) {
      const expected = status === 'Executing' ? 'Failed' : status;
      expect(taskStatusOfRouterEnd({ status: 'closed', dispositionCode: status }, undefined)).toBe(expected);
    }
  });

  it('trims the disposition code', () => {
    expect(taskStatusOfRouterEnd({ status: 'closed', dispositionCode: '  NoAnswer\n' }, undefined)).toBe('NoAnswer');
  });

  it.each([
    ['a code that is no task status', 'Resolved'],
    ['another letter case', 'noanswer'],
    ['Executing (the attempt cannot still be in progress)', 'Executing'],
    ['an empty code', ''],
    ['a blank code', '   '],
  ])('a closed job with %s is Failed', (_title, code) => {
    expect(taskStatusOfRouterEnd({ status: 'closed', dispositionCode: code }, undefined)).toBe('Failed');
  });

  it('a closed job without a disposition code is Failed', () => {
    expect(taskStatusOfRouterEnd({ status: 'closed' }, undefined)).toBe('Failed');
    expect(taskStatusOfRouterEnd({ status: 'closed', dispositionCode: undefined }, undefined)).toBe('Failed');
  });

  it('a closed job keeps its disposition even when ccflow tried to withdraw it (a dialer took it first)', () => {
    for (const withdrawal of ['windowClosed', 'cancelled', 'suspended'] as const) {
      expect(taskStatusOfRouterEnd({ status: 'closed', dispositionCode: 'NoAnswer' }, withdrawal)).toBe('NoAnswer');
    }
  });

  it.each([
    ['windowClosed', 'Terminated'],
    ['cancelled', 'Cancelled'],
    ['suspended', 'Cancelled'],
  ] as const)('a job ccflow withdrew (%s) is %s', (withdrawal, expected) => {
    expect(taskStatusOfRouterEnd({ status: 'cancelled', dispositionCode: 'Cancelled' }, withdrawal)).toBe(expected);
  });

  it.each(['cancelled', 'deleted', 'classificationFailed', 'scheduleFailed'])(
    'a job that ended %s without ccflow withdrawing it is Terminated',
    (status) => {
      expect(taskStatusOfRouterEnd({ status }, undefined)).toBe('Terminated');
    },
  );

  it('ignores the disposition code of a job that was not closed', () => {
    expect(taskStatusOfRouterEnd({ status: 'cancelled', dispositionCode: 'SucceededFinish' }, undefined)).toBe(
      'Terminated',
    );
    expect(taskStatusOfRouterEnd({ status: 'deleted', dispositionCode: 'NoAnswer' }, 'suspended')).toBe('Cancelled');
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("withOutcome: a dialer's details merged into a task", () => {
  const NOW = 1_700_000_100_000;

  it('changes nothing for an empty report, and leaves the input task untouched', () => {
    const before = task();
    const copy = structuredClone(before);
    const after = withOutcome(before, {}, NOW);
    expect(after).toEqual(before);
    expect(after).not.toBe(before);
    expect(before).toEqual(copy);
  });

  it('sets the reported fields and keeps the status, times and numbers', () => {
    const before = task({ Status: 'Executing' });
    const after = withOutcome(
      before,
      { duration: 42, callId: 'call-1', chatbotId: 'bot-7', hangUpDirection: 'client', endReason: 'FINISHED' },
      NOW,
    );
    expect(after).toEqual({
      ...before,
      Duration: 42,
      CallId: 'call-1',
      ChatbotId: 'bot-7',
      HangUpDirection: 'client',
      EndReason: 'FINISHED',
    });
    expect(taskSchema.parse(after)).toEqual(after);
  });

  it('applies falsy values: a zero duration and empty strings replace earlier ones', () => {
    const before = task({ Duration: 30, CallId: 'call-1' });
    expect(withOutcome(before, { duration: 0, callId: '' }, NOW)).toMatchObject({ Duration: 0, CallId: '' });
  });

  it('maps the conversation, keeping given timestamps and numbering the missing ones from now', () => {
    const after = withOutcome(
      task(),
      {
        conversation: [
          { speaker: 'Robot', script: '您好，这里是客服中心。', timestamp: 1_700_000_000_000 },
          { speaker: 'Contact', script: '你好。' },
          { speaker: 'Robot', script: '再见。' },
        ],
      },
      NOW,
    );
    expect(after.Conversation).toEqual([
      { Speaker: 'Robot', Script: '您好，这里是客服中心。', Timestamp: 1_700_000_000_000, Summary: [] },
      { Speaker: 'Contact', Script: '你好。', Timestamp: NOW + 1, Summary: [] },
      { Speaker: 'Robot', Script: '再见。', Timestamp: NOW + 2, Summary: [] },
    ]);
  });

  it('a later report replaces what it names and keeps the rest; a conversation is replaced whole', () => {
    const first = withOutcome(
      task(),
      {
        duration: 10,
        callId: 'call-1',
        hangUpDirection: 'ivr',
        conversation: [
          { speaker: 'Robot', script: 'one', timestamp: 1 },
          { speaker: 'Contact', script: 'two', timestamp: 2 },
        ],
      },
      NOW,
    );
    const second = withOutcome(
      first,
      { duration: 12, hangUpDirection: 'client', conversation: [{ speaker: 'Robot', script: 'three', timestamp: 3 }] },
      NOW,
    );
    expect(second).toMatchObject({ Duration: 12, CallId: 'call-1', HangUpDirection: 'client' });
    expect(second.Conversation).toEqual([{ Speaker: 'Robot', Script: 'three', Timestamp: 3, Summary: [] }]);
  });

  it('clears the conversation with an empty one', () => {
    const talked = withOutcome(task(), { conversation: [{ speaker: 'Robot', script: 'hi' }] }, NOW);
    expect(withOutcome(talked, { conversation: [] }, NOW).Conversation).toEqual([]);
  });

  it('leaves the summary to the job (mergeSummary): the task has no summary of its own', () => {
    const outcome: TaskOutcome = { summary: [{ summaryName: 'intent', content: 'renew' }] };
    expect(withOutcome(task(), outcome, NOW)).toEqual(task());
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("mergeSummary: the job's Summary after a report", () => {
  const existing: SummaryItem[] = [
    { SummaryName: 'intent', Category: 'c1', Content: 'renew' },
    { SummaryName: 'mood', Category: '', Content: 'calm' },
  ];

  it('returns the summary as it is when nothing is reported', () => {
    expect(mergeSummary(existing, undefined)).toBe(existing);
    expect(mergeSummary(existing, [])).toEqual(existing);
    expect(mergeSummary([], undefined)).toEqual([]);
  });

  it('adds new tags at the end, an absent category as an empty string', () => {
    expect(mergeSummary(existing, [{ summaryName: 'callback', content: 'tomorrow' }])).toEqual([
      ...existing,
      { SummaryName: 'callback', Category: '', Content: 'tomorrow' },
    ]);
  });

  it('replaces a tag of the same name in its place, category included', () => {
    expect(mergeSummary(existing, [{ summaryName: 'intent', content: 'cancel' }])).toEqual([
      { SummaryName: 'intent', Category: '', Content: 'cancel' },
      { SummaryName: 'mood', Category: '', Content: 'calm' },
    ]);
  });

  it('keeps the last of a name reported twice', () => {
    expect(
      mergeSummary(
        [],
        [
          { summaryName: 'intent', category: 'a', content: 'first' },
          { summaryName: 'mood', content: 'calm' },
          { summaryName: 'intent', category: 'b', content: 'second' },
        ],
      ),
    ).toEqual([
      { SummaryName: 'intent', Category: 'b', Content: 'second' },
      { SummaryName: 'mood', Category: '', Content: 'calm' },
    ]);
  });

  it('does not change the summary it was given', () => {
    const before = structuredClone(existing);
    mergeSummary(existing, [{ summaryName: 'intent', content: 'cancel' }]);
    expect(existing).toEqual(before);
  });

  it('names tags case-sensitively', () => {
    expect(mergeSummary(existing, [{ summaryName: 'Intent', content: 'x' }]).map((item) => item.SummaryName)).toEqual([
      'intent',
      'mood',
      'Intent',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('jobInputSchema: one JobsJson.N entry', () => {
  const issuesOf = (raw: unknown): string[] => {
    const parsed = jobInputSchema.safeParse(raw);
    if (parsed.success) throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
    return parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('parses the documented example', () => {
    expect(
      input({
        extras: [{ key: 'businessParamOne', value: '2019-08-21 09:49:59.0' }],
        contacts: [
          { phoneNumber: '1851*******', referenceId: 'C01', name: '张三', honorific: '张先生', role: '客户1' },
        ],
      }),
    ).toEqual({
      extras: [{ key: 'businessParamOne', value: '2019-08-21 09:49:59.0' }],
      contacts: [{ phonenumber: '1851*******', referenceid: 'C01', name: '张三', honorific: '张先生', role: '客户1' }],
    });
  });

  it.each(['phoneNumber', 'phonenumber', 'PhoneNumber', 'PHONENUMBER'])('reads the phone number as %s', (key) => {
    expect(input({ contacts: [{ [key]: '13800000000' }] }).contacts[0]?.phonenumber).toBe('13800000000');
  });

  it('reads every key in any case, at every level', () => {
    expect(
      input({
        Contacts: [{ PhoneNumber: '1', ReferenceId: 'C-1', Name: 'n', Honorific: 'h', Role: 'r' }],
        EXTRAS: [{ KEY: 'k', VALUE: 'v' }],
        ReferenceID: 'J-1',
      }),
    ).toEqual({
      contacts: [{ phonenumber: '1', referenceid: 'C-1', name: 'n', honorific: 'h', role: 'r' }],
      extras: [{ key: 'k', value: 'v' }],
      referenceid: 'J-1',
    });
  });

  it('takes numbers and booleans as their text', () => {
    expect(
      input({
        contacts: [{ phoneNumber: 13800000000, referenceId: 7, name: 12, honorific: true, role: false }],
        extras: [{ key: 1, value: 2.5 }],
        referenceId: 99,
      }),
    ).toEqual({
      contacts: [{ phonenumber: '13800000000', referenceid: '7', name: '12', honorific: 'true', role: 'false' }],
      extras: [{ key: '1', value: '2.5' }],
      referenceid: '99',
    });
  });

  it('trims the phone number and nothing else', () => {
    expect(input({ contacts: [{ phoneNumber: '  138 0000 0000  ', name: ' Zhang ' }] }).contacts[0]).toEqual({
      phonenumber: '138 0000 0000',
      name: ' Zhang ',
    });
  });

  it('drops keys it does not know', () => {
    expect(input({ contacts: [{ phoneNumber: '1', email: 'a@b.c' }], tag: 'x' })).toEqual({
      contacts: [{ phonenumber: '1' }],
    });
  });

  it('needs contacts: absent, not a list or empty is refused', () => {
    expect(issuesOf({})).toEqual([expect.stringMatching(/^contacts: /)]);
    expect(issuesOf({ contacts: { phoneNumber: '1' } })).toEqual([expect.stringMatching(/^contacts: /)]);
    expect(issuesOf({ contacts: [] })).toEqual(['contacts: contacts must hold at least one contact']);
  });

  it('takes up to 10 contacts', () => {
    const contacts = (n: number) => Array.from({ length: n }, (_, index) => ({ phoneNumber: String(index) }));
    expect(input({ contacts: contacts(10) }).contacts).toHaveLength(10);
    expect(issuesOf({ contacts: contacts(11) })).toEqual([expect.stringMatching(/^contacts: /)]);
  });

  it.each([
    ['absent', {}],
    ['empty', { phoneNumber: '' }],
    ['blank', { phoneNumber: '   ' }],
    ['null', { phoneNumber: null }],
    ['an object', { phoneNumber: { number: '1' } }],
    ['longer than 64 characters', { phoneNumber: '1'.repeat(65) }],
  ])('refuses a phone number that is %s, naming the contact', (_title, contact) => {
    expect(issuesOf({ contacts: [{ phoneNumber: '1' }, contact] })).toEqual([
      expect.stringMatching(/^contacts\.1\.phonenumber: /),
    ]);
  });

  it('accepts a phone number of 64 characters', () => {
    expect(input({ contacts: [{ phoneNumber: '1'.repeat(64) }] }).contacts[0]?.phonenumber).toHaveLength(64);
  });

  it('refuses a contact that is not an object', () => {
    expect(issuesOf({ contacts: ['13800000000'] })).toEqual([expect.stringMatching(/^contacts\.0: /)]);
  });

  it('refuses contact fields longer than 256 characters', () => {
    expect(issuesOf({ contacts: [{ phoneNumber: '1', name: 'x'.repeat(257) }] })).toEqual([
      expect.stringMatching(/^contacts\.0\.name: /),
    ]);
  });

  it('takes extras as optional, with an optional value, up to 100 of them', () => {
    expect(input({ contacts: [{ phoneNumber: '1' }] }).extras).toBeUndefined();
    expect(input({ contacts: [{ phoneNumber: '1' }], extras: [{ key: 'k' }] }).extras).toEqual([{ key: 'k' }]);
    const extras = (n: number) => Array.from({ length: n }, (_, index) => ({ key: `k${index}`, value: 'v' }));
    expect(input({ contacts: [{ phoneNumber: '1' }], extras: extras(100) }).extras).toHaveLength(100);
    expect(issuesOf({ contacts: [{ phoneNumber: '1' }], extras: extras(101) })).toEqual([
      expect.stringMatching(/^extras: /),
    ]);
  });

  it('refuses an extra without a key, or extras that are not a list', () => {
    expect(issuesOf({ contacts: [{ phoneNumber: '1' }], extras: [{ value: 'v' }] })).toEqual([
      expect.stringMatching(/^extras\.0\.key: /),
    ]);
    expect(issuesOf({ contacts: [{ phoneNumber: '1' }], extras: { key: 'k' } })).toEqual([
      expect.stringMatching(/^extras: /),
    ]);
  });

  it.each([
    ['a string', '{"contacts":[]}'],
    ['an array', [{ contacts: [{ phoneNumber: '1' }] }]],
    ['null', null],
  ])('refuses a job that is %s', (_title, raw) => {
    expect(jobInputSchema.safeParse(raw).success).toBe(false);
  });
});
