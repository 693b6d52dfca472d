import { upsertResource, type UpsertContext } from '../../domain/routing/upsert';
import {
  ROUTER_SCHEMAS,
  exceptionPolicyInputSchema,
  referencesOf,
  routerJobInputSchema,
  type RouterResourceKind,
  type RouterResourceTypes,
} from '../../domain/routing/models';
import { omitNulls, toWire } from '../../domain/routing/wire';
import { toServiceError, type FieldProblem } from '../../domain/routing/errors';

const NOW = Date.parse('2026-11-29T21:05:00.123Z');
const context = (id: string): UpsertContext => {
  let n = 0;
  return { id, now: NOW, newId: () => `generated-${++n}` };
};

function create<K extends RouterResourceKind>(kind: K, id: string, body: unknown): RouterResourceTypes[K] {
  const outcome = upsertResource(kind, undefined, body, context(id));
  if (!outcome.ok) throw new Error(outcome.error.message);
  expect(outcome.created).toBe(true);
  return outcome.resource;
}

function problems(kind: RouterResourceKind, body: unknown, previous?: never): FieldProblem[] {
  const outcome = upsertResource(kind, previous, body, context('x'));
  if (outcome.ok) throw new Error(`expected a validation error, got ${JSON.stringify(outcome.resource)}`);
  return outcome.error.errors;
}

const fields = (list: FieldProblem[]): string[] => list.map((p) => p.field);

// seeds/003 (Upsert Job, LEARN-REST): the three request bodies and the response body of the first.
const SEED_CREATE_JOB = {
  channelId: 'CustomChatChannel',
  channelReference: '1d5896f3-8b54-40be-82d3-910323f5e2af',
  queueId: 'MainQueue',
  priority: 5,
  requestedWorkerSelectors: [{ key: 'Sales', labelOperator: 'equal', value: true }],
  labels: {},
  matchingMode: { kind: 'queueAndMatch' },
};
const SEED_CREATE_SCHEDULED_JOB = {
  ...SEED_CREATE_JOB,
  matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: '2023-05-26T23:22:12.0774222+00:00' },
};
const SEED_UPDATE_JOB = { channelReference: '1d5896f3-8b54-40be-82d3-910323f5e2af' };
const SEED_JOB_RESPONSE = {
  id: 'JobId',
  channelReference: '1d5896f3-8b54-40be-82d3-910323f5e2af',
  status: 'queued',
  enqueuedAt: '2021-09-30T23:59:04.5311999+00:00',
  channelId: 'CustomChatChannel',
  classificationPolicyId: null,
  queueId: 'MainQueue',
  priority: 5,
  dispositionCode: null,
  requestedWorkerSelectors: [{ key: 'Sales', labelOperator: 'equal', value: true, expiresAfterSeconds: null }],
  attachedWorkerSelectors: [],
  labels: {},
  assignments: {},
  notes: [],
  matchingMode: { kind: 'queueAndMatch' },
  etag: 'etag',
};

// Examples written from the tables of spec §3 and §4 (the spec carries no JSON body for them).
const DISTRIBUTION_POLICY = {
  name: 'Main',
  offerExpiresAfterSeconds: 60,
  mode: { kind: 'longestIdle', minConcurrentOffers: 1, maxConcurrentOffers: 5, bypassSelectors: false },
};
const QUEUE = { name: 'Main', distributionPolicyId: 'MainDistributionPolicy', labels: {}, exceptionPolicyId: 'Main' };
const CLASSIFICATION_POLICY = {
  name: 'Main',
  fallbackQueueId: 'MainQueue',
  queueSelectorAttachments: [
    { kind: 'static', queueSelector: { key: 'Id', labelOperator: 'equal', value: 'MainQueue' } },
    {
      kind: 'conditional',
      condition: { kind: 'expression', expression: 'job.Region = "NA"' },
      queueSelectors: [{ key: 'Region', labelOperator: 'equal', value: 'NA' }],
    },
    { kind: 'passThrough', key: 'Region', labelOperator: 'equal' },
    { kind: 'ruleEngine', rule: { kind: 'directMap' } },
    {
      kind: 'weightedAllocation',
      allocations: [
        { weight: 0.3, queueSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'A' }] },
        { weight: 0.7, queueSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'B' }] },
      ],
    },
  ],
  prioritizationRule: { kind: 'static', value: 2 },
  workerSelectorAttachments: [
    { kind: 'static', workerSelector: { key: 'English', labelOperator: 'greaterThan', value: 5 } },
    { kind: 'passThrough', key: 'Language', labelOperator: 'equal', expiresAfterSeconds: 30 },
    {
      kind: 'ruleEngine',
      rule: { kind: 'function', functionUri: 'https://example.com/api/score', credential: { functionKey: 'k' } },
    },
    {
      kind: 'conditional',
      condition: {
        kind: 'webhook',
        webhookUri: 'https://example.com/hook',
        authorizationServerUri: 'https://login.example.com/token',
        clientCredential: { clientId: 'id', clientSecret: 'secret' },
      },
      workerSelectors: [{ key: 'Vip', labelOperator: 'equal', value: true, expedite: true }],
    },
    {
      kind: 'weightedAllocation',
      allocations: [{ weight: 1, workerSelectors: [{ key: 'Tier', labelOperator: 'lessThanOrEqual', value: 3 }] }],
    },
  ],
};
const EXCEPTION_POLICY = {
  name: 'Main',
  exceptionRules: [
    {
      id: 'MaxWaitTimeExceeded',
      trigger: { kind: 'waitTime', thresholdSeconds: 20 },
      actions: [
        {
          kind: 'reclassify',
          classificationPolicyId: 'Main',
          labelsToUpsert: { escalated: true },
        },
      ],
    },
    {
      id: 'QueueTooLong',
      trigger: { kind: 'queueLength', threshold: 10 },
      actions: [
        { id: 'cancel-it', kind: 'cancel', note: 'too many', dispositionCode: 'Overflow' },
        { kind: 'manualReclassify', queueId: 'Overflow', priority: 10, workerSelectors: [] },
      ],
    },
  ],
};
const WORKER = {
  capacity: 100,
  queues: ['MainQueue', 'SecondaryQueue'],
  labels: { English: 10, Region: 'NA', Vip: true },
  tags: { team: 'blue' },
  channels: [
    { channelId: 'voice', capacityCostPerJob: 60 },
    { channelId: 'chat', capacityCostPerJob: 10, maxNumberOfJobs: 2 },
  ],
  availableForOffers: true,
};

describe('router models accept the examples', () => {
  it('distribution policy: defaults of the mode are materialised', () => {
    const policy = create('distributionPolicies', 'MainDistributionPolicy', DISTRIBUTION_POLICY);
    expect(policy).toEqual({ id: 'MainDistributionPolicy', ...DISTRIBUTION_POLICY });
    const bare = create('distributionPolicies', 'p', { offerExpiresAfterSeconds: 30, mode: { kind: 'roundRobin' } });
    expect(bare.mode).toEqual({
      kind: 'roundRobin',
      minConcurrentOffers: 1,
      maxConcurrentOffers: 1,
      bypassSelectors: false,
    });
    const best = create('distributionPolicies', 'b', {
      offerExpiresAfterSeconds: 30,
      mode: { kind: 'bestWorker', scoringRule: { kind: 'expression', expression: '1' }, scoringRuleOptions: {} },
    });
    expect(best.mode).toMatchObject({
      scoringRule: { kind: 'expression', language: 'powerFx', expression: '1' },
      scoringRuleOptions: {
        batchSize: 20,
        scoringParameters: ['jobLabels', 'workerSelectors'],
        isBatchScoringEnabled: false,
        descendingOrder: true,
      },
    });
  });

  it('queue: labels.Id is the queue id, whatever the body says', () => {
    expect(create('queues', 'MainQueue', QUEUE)).toEqual({ id: 'MainQueue', ...QUEUE, labels: { Id: 'MainQueue' } });
    expect(create('queues', 'q', { distributionPolicyId: 'p', labels: { Id: 'other', a: 1 } }).labels).toEqual({
      Id: 'q',
      a: 1,
    });
  });

  it('classification policy: every attachment and rule kind', () => {
    const policy = create('classificationPolicies', 'Main', CLASSIFICATION_POLICY);
    expect(policy.queueSelectorAttachments.map((a) => a.kind)).toEqual([
      'static',
      'conditional',
      'passThrough',
      'ruleEngine',
      'weightedAllocation',
    ]);
    expect(policy.workerSelectorAttachments).toHaveLength(5);
    expect(create('classificationPolicies', 'empty', {})).toEqual({
      id: 'empty',
      queueSelectorAttachments: [],
      workerSelectorAttachments: [],
    });
  });

  it('exception policy: action ids are generated when omitted', () => {
    const policy = create('exceptionPolicies', 'Main', EXCEPTION_POLICY);
    expect(policy.exceptionRules[0]?.actions[0]?.id).toBe('generated-1');
    expect(policy.exceptionRules[1]?.actions.map((a) => a.id)).toEqual(['cancel-it', 'generated-2']);
  });

  it('job: the seed create bodies and the seed response', () => {
    const job = create('jobs', 'JobId', SEED_CREATE_JOB);
    // The seed response, minus what the lifecycle sets (status, enqueuedAt) and the computed etag.
    const {
      etag: _etag,
      status: _status,
      enqueuedAt: _enqueuedAt,
      ...expected
    } = omitNulls(SEED_JOB_RESPONSE) as Record<string, unknown>;
    expect(job).toEqual({ ...expected, status: 'created', tags: {} });
    const scheduled = create('jobs', 'JobId', SEED_CREATE_SCHEDULED_JOB);
    expect(scheduled.matchingMode).toEqual({
      kind: 'scheduleAndSuspend',
      scheduleAt: '2023-05-26T23:22:12.0774222+00:00',
    });
    const updated = upsertResource('jobs', job, SEED_UPDATE_JOB, context('JobId'));
    expect(updated).toMatchObject({ ok: true, created: false, changed: false });
    // The stored shape parses a full response (read-only members included, nulls omitted).
    expect(ROUTER_SCHEMAS.jobs.parse(omitNulls(SEED_JOB_RESPONSE))).toMatchObject({ status: 'queued', priority: 5 });
  });

  it('worker: server members start empty, labels.Id is added', () => {
    expect(create('workers', 'w1', WORKER)).toEqual({
      id: 'w1',
      state: 'inactive',
      ...WORKER,
      labels: { ...WORKER.labels, Id: 'w1' },
      offers: [],
      assignedJobs: [],
      loadRatio: 0,
    });
  });

  it('wire form: camelCase kinds, collections present, etag last', () => {
    const wire = toWire(create('jobs', 'JobId', { channelId: 'c', queueId: 'q' }));
    expect(Object.keys(wire).at(-1)).toBe('etag');
    expect(wire).toMatchObject({ requestedWorkerSelectors: [], attachedWorkerSelectors: [], labels: {}, tags: {} });
    expect(wire).toMatchObject({ assignments: {}, notes: [], matchingMode: { kind: 'queueAndMatch' }, priority: 1 });
  });
});

describe('kebab-case aliases are normalised to camelCase', () => {
  it.each([
    [
      'distribution mode',
      'distributionPolicies',
      { offerExpiresAfterSeconds: 1, mode: { kind: 'longest-idle' } },
      ['mode', 'kind'],
      'longestIdle',
    ],
    [
      'round robin',
      'distributionPolicies',
      { offerExpiresAfterSeconds: 1, mode: { kind: 'round-robin' } },
      ['mode', 'kind'],
      'roundRobin',
    ],
    [
      'best worker',
      'distributionPolicies',
      { offerExpiresAfterSeconds: 1, mode: { kind: 'best-worker' } },
      ['mode', 'kind'],
      'bestWorker',
    ],
    [
      'matching mode',
      'jobs',
      { channelId: 'c', queueId: 'q', matchingMode: { kind: 'queue-and-match' } },
      ['matchingMode', 'kind'],
      'queueAndMatch',
    ],
    [
      'schedule',
      'jobs',
      {
        channelId: 'c',
        queueId: 'q',
        matchingMode: { kind: 'schedule-and-suspend', scheduleAt: '2030-01-01T00:00:00Z' },
      },
      ['matchingMode', 'kind'],
      'scheduleAndSuspend',
    ],
    [
      'label operator',
      'jobs',
      {
        channelId: 'c',
        queueId: 'q',
        requestedWorkerSelectors: [{ key: 'a', labelOperator: 'greater-than-or-equal', value: 1 }],
      },
      ['requestedWorkerSelectors', 0, 'labelOperator'],
      'greaterThanOrEqual',
    ],
    [
      'preview rule name',
      'classificationPolicies',
      { prioritizationRule: { kind: 'static-rule', value: 1 } },
      ['prioritizationRule', 'kind'],
      'static',
    ],
    [
      'azure function rule',
      'classificationPolicies',
      { prioritizationRule: { kind: 'azure-function-rule', functionUri: 'https://f.example.com' } },
      ['prioritizationRule', 'kind'],
      'function',
    ],
    [
      'attachment',
      'classificationPolicies',
      { queueSelectorAttachments: [{ kind: 'pass-through', key: 'a', labelOperator: 'equal' }] },
      ['queueSelectorAttachments', 0, 'kind'],
      'passThrough',
    ],
    [
      'trigger',
      'exceptionPolicies',
      { exceptionRules: [{ id: 'r', trigger: { kind: 'wait-time', thresholdSeconds: 5 }, actions: [] }] },
      ['exceptionRules', 0, 'trigger', 'kind'],
      'waitTime',
    ],
    [
      'action',
      'exceptionPolicies',
      {
        exceptionRules: [
          { id: 'r', trigger: { kind: 'queue-length', threshold: 5 }, actions: [{ kind: 'manual-reclassify' }] },
        ],
      },
      ['exceptionRules', 0, 'actions', 0, 'kind'],
      'manualReclassify',
    ],
  ] as const)('%s', (_name, kind, body, path, expected) => {
    let value: unknown = create(kind, 'id', body);
    for (const key of path) value = (value as Record<string | number, unknown>)[key];
    expect(value).toBe(expected);
  });
});

describe('read-only members are ignored, not rejected', () => {
  it('on every resource', () => {
    const queue = create('queues', 'q', { ...QUEUE, id: 'other', etag: '"x"', createdAt: 'yesterday' });
    expect(queue.id).toBe('q');
    expect(queue).not.toHaveProperty('etag');
    expect(queue).not.toHaveProperty('createdAt');
  });

  it('on jobs: status, assignments, attached selectors, selector status', () => {
    const job = create('jobs', 'j', {
      channelId: 'c',
      queueId: 'q',
      status: 'closed',
      enqueuedAt: '2020-01-01T00:00:00Z',
      assignments: { a: { assignmentId: 'a', assignedAt: '2020-01-01T00:00:00Z' } },
      attachedWorkerSelectors: [{ key: 'k', labelOperator: 'equal', value: 1 }],
      requestedWorkerSelectors: [
        { key: 'k', labelOperator: 'equal', value: 1, status: 'expired', expiresAt: '2020-01-01T00:00:00Z' },
      ],
    });
    expect(job).toMatchObject({ status: 'created', assignments: {}, attachedWorkerSelectors: [] });
    expect(job).not.toHaveProperty('enqueuedAt');
    expect(job.requestedWorkerSelectors).toEqual([{ key: 'k', labelOperator: 'equal', value: 1 }]);
  });

  it('on workers: state, offers, assignedJobs, loadRatio keep the stored values', () => {
    const stored = {
      ...create('workers', 'w', WORKER),
      state: 'active' as const,
      offers: [{ offerId: 'o', jobId: 'j', capacityCost: 10 }],
      loadRatio: 0.1,
    };
    const outcome = upsertResource(
      'workers',
      stored,
      { state: 'inactive', offers: [], assignedJobs: null, loadRatio: 1 },
      context('w'),
    );
    expect(outcome).toMatchObject({ ok: true, changed: false, resource: stored });
  });

  it('unknown members (other API versions) are dropped', () => {
    expect(create('workers', 'w', { ...WORKER, maxConcurrentOffers: 3 })).not.toHaveProperty('maxConcurrentOffers');
  });
});

describe('what must be rejected is rejected, naming the field', () => {
  it.each([
    ['a body that is not an object', 'queues', [1], ''],
    ['a missing distribution policy id', 'queues', {}, 'distributionPolicyId'],
    ['an object label value', 'queues', { distributionPolicyId: 'p', labels: { tier: { a: 1 } } }, 'labels.tier'],
    ['an array tag value', 'workers', { capacity: 1, tags: { skills: ['a'] } }, 'tags.skills'],
    ['a missing mode', 'distributionPolicies', { offerExpiresAfterSeconds: 1 }, 'mode'],
    ['a missing kind', 'distributionPolicies', { offerExpiresAfterSeconds: 1, mode: {} }, 'mode.kind'],
    ['an unknown kind', 'distributionPolicies', { offerExpiresAfterSeconds: 1, mode: { kind: 'random' } }, 'mode.kind'],
    [
      'min above max offers',
      'distributionPolicies',
      { offerExpiresAfterSeconds: 1, mode: { kind: 'longestIdle', minConcurrentOffers: 3, maxConcurrentOffers: 2 } },
      'mode.minConcurrentOffers',
    ],
    [
      'a zero offer lifetime',
      'distributionPolicies',
      { offerExpiresAfterSeconds: 0, mode: { kind: 'longestIdle' } },
      'offerExpiresAfterSeconds',
    ],
    ['priority out of range', 'jobs', { channelId: 'c', queueId: 'q', priority: 101 }, 'priority'],
    ['a fractional priority', 'jobs', { channelId: 'c', queueId: 'q', priority: 1.5 }, 'priority'],
    ['a job without channel', 'jobs', { queueId: 'q' }, 'channelId'],
    ['a job without queue or classification', 'jobs', { channelId: 'c' }, 'queueId'],
    [
      'a schedule without time',
      'jobs',
      { channelId: 'c', queueId: 'q', matchingMode: { kind: 'scheduleAndSuspend' } },
      'matchingMode.scheduleAt',
    ],
    [
      'a bad schedule time',
      'jobs',
      { channelId: 'c', queueId: 'q', matchingMode: { kind: 'scheduleAndSuspend', scheduleAt: 'tomorrow' } },
      'matchingMode.scheduleAt',
    ],
    [
      'an object selector value',
      'jobs',
      { channelId: 'c', queueId: 'q', requestedWorkerSelectors: [{ key: 'k', labelOperator: 'equal', value: {} }] },
      'requestedWorkerSelectors.0.value',
    ],
    [
      'an unknown label operator',
      'jobs',
      { channelId: 'c', queueId: 'q', requestedWorkerSelectors: [{ key: 'k', labelOperator: 'like' }] },
      'requestedWorkerSelectors.0.labelOperator',
    ],
    ['a note without message', 'jobs', { channelId: 'c', queueId: 'q', notes: [{}] }, 'notes.0.message'],
    ['a worker without capacity', 'workers', {}, 'capacity'],
    [
      'a channel without cost',
      'workers',
      { capacity: 1, channels: [{ channelId: 'voice' }] },
      'channels.0.capacityCostPerJob',
    ],
    [
      'maxNumberOfJobs 0',
      'workers',
      { capacity: 1, channels: [{ channelId: 'voice', capacityCostPerJob: 1, maxNumberOfJobs: 0 }] },
      'channels.0.maxNumberOfJobs',
    ],
    [
      'a duplicate channel',
      'workers',
      {
        capacity: 1,
        channels: [
          { channelId: 'v', capacityCostPerJob: 1 },
          { channelId: 'v', capacityCostPerJob: 2 },
        ],
      },
      'channels.1.channelId',
    ],
    [
      'weights not adding up to 1',
      'classificationPolicies',
      {
        queueSelectorAttachments: [{ kind: 'weightedAllocation', allocations: [{ weight: 0.5, queueSelectors: [] }] }],
      },
      'queueSelectorAttachments.0.allocations',
    ],
    [
      'an expression rule without expression',
      'classificationPolicies',
      { prioritizationRule: { kind: 'expression' } },
      'prioritizationRule.expression',
    ],
    [
      'a function rule with a bad uri',
      'classificationPolicies',
      { prioritizationRule: { kind: 'function', functionUri: 'not a uri' } },
      'prioritizationRule.functionUri',
    ],
    [
      'a trigger without threshold',
      'exceptionPolicies',
      { exceptionRules: [{ id: 'r', trigger: { kind: 'queueLength' }, actions: [] }] },
      'exceptionRules.0.trigger.threshold',
    ],
    [
      'a duplicate rule id',
      'exceptionPolicies',
      {
        exceptionRules: [
          { id: 'r', trigger: { kind: 'waitTime', thresholdSeconds: 1 }, actions: [] },
          { id: 'r', trigger: { kind: 'waitTime', thresholdSeconds: 2 }, actions: [] },
        ],
      },
      'exceptionRules.1.id',
    ],
  ] as const)('%s', (_name, kind, body, field) => {
    expect(fields(problems(kind, body))).toContain(field);
  });

  it('says why: required, allowed kinds, primitive values', () => {
    expect(problems('queues', {})).toEqual([{ field: 'distributionPolicyId', message: 'is required' }]);
    expect(problems('distributionPolicies', { offerExpiresAfterSeconds: 1, mode: {} })).toEqual([
      { field: 'mode.kind', message: 'is required (one of longestIdle, roundRobin, bestWorker)' },
    ]);
    expect(problems('distributionPolicies', { offerExpiresAfterSeconds: 1, mode: { kind: 'x' } })[0]?.message).toBe(
      'must be one of longestIdle, roundRobin, bestWorker',
    );
    expect(problems('queues', { distributionPolicyId: 'p', labels: { a: [] } })).toEqual([
      { field: 'labels.a', message: 'must be a string, number or boolean' },
    ]);
  });

  it('becomes a 400 validationFailed ServiceError with the fields as details', () => {
    const outcome = upsertResource('queues', undefined, { labels: { a: null, b: {} } }, context('q'));
    if (outcome.ok) throw new Error('expected an error');
    const error = toServiceError(outcome.error);
    expect(error.status).toBe(400);
    expect(error.code).toBe('validationFailed');
    expect(error.message).toBe(
      'Invalid RouterQueue: distributionPolicyId: is required; labels.b: must be a string, number or boolean',
    );
    expect(error.extensions.errors).toHaveLength(2);
  });
});

describe('input schemas (what a client controls)', () => {
  it('have no read-only members and make action ids optional', () => {
    const job = routerJobInputSchema.parse({
      channelId: 'c',
      queueId: 'q',
      status: 'closed',
      notes: [{ message: 'm' }],
    });
    expect(job).not.toHaveProperty('status');
    expect(job.notes).toEqual([{ message: 'm' }]);
    const policy = exceptionPolicyInputSchema.parse(EXCEPTION_POLICY);
    expect(policy.exceptionRules[0]?.actions[0]?.id).toBeUndefined();
  });
});

describe('referencesOf', () => {
  it('lists every id a resource points at, with its field', () => {
    expect(referencesOf('queues', create('queues', 'q', QUEUE))).toEqual([
      { field: 'distributionPolicyId', kind: 'distributionPolicies', id: 'MainDistributionPolicy' },
      { field: 'exceptionPolicyId', kind: 'exceptionPolicies', id: 'Main' },
    ]);
    expect(referencesOf('workers', create('workers', 'w', WORKER)).map((r) => r.field)).toEqual([
      'queues.0',
      'queues.1',
    ]);
    expect(referencesOf('exceptionPolicies', create('exceptionPolicies', 'e', EXCEPTION_POLICY))).toEqual([
      { field: 'exceptionRules.0.actions.0.classificationPolicyId', kind: 'classificationPolicies', id: 'Main' },
      { field: 'exceptionRules.1.actions.1.queueId', kind: 'queues', id: 'Overflow' },
    ]);
  });
});

describe('the wire form round-trips', () => {
  // What the official client does for an update: GET the resource, change nothing, PATCH the whole body back.
  it.each([
    ['distributionPolicies', DISTRIBUTION_POLICY],
    ['queues', QUEUE],
    ['classificationPolicies', CLASSIFICATION_POLICY],
    ['exceptionPolicies', EXCEPTION_POLICY],
    [
      'jobs',
      {
        ...SEED_CREATE_SCHEDULED_JOB,
        notes: [{ message: 'n' }],
        requestedWorkerSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'w', expiresAfterSeconds: 10 }],
      },
    ],
    ['workers', WORKER],
  ] as const)('%s: parse(toWire(x)) is x and PATCHing it back changes nothing', (kind, body) => {
    const stored = create(kind, 'id', body);
    const wire = toWire(stored);
    expect(ROUTER_SCHEMAS[kind].parse(wire)).toEqual(stored);
    const again = upsertResource(kind, stored, JSON.parse(JSON.stringify(wire)), {
      ...context('id'),
      now: NOW + 3_600_000,
    });
    expect(again).toMatchObject({ ok: true, changed: false, created: false });
  });
});
