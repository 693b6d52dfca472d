import { classify, evaluateRule } from '../../domain/routing/classification';
import { classified, upsertJob } from '../../domain/routing/job-lifecycle';
import {
  classificationPolicySchema,
  routerJobSchema,
  type ClassificationPolicy,
  type RouterJob,
  type RouterQueue,
} from '../../domain/routing/models';
import { routerRuleSchema } from '../../domain/routing/unions';
import { formatTimestamp } from '../../domain/routing/wire';

/** Classification by a policy (spec §3.3, §4.3–§4.5, §6.3): the static forms and fallbackQueueId. */

const NOW = Date.parse('2026-11-29T21:05:00.123Z');
const SECOND = 1000;

/** A policy as stored: parsed, so defaults and kind aliases are the ones classification sees. */
const policy = (input: Record<string, unknown>): ClassificationPolicy =>
  classificationPolicySchema.parse({ id: 'cp1', ...input });

const job = (input: Record<string, unknown> = {}): RouterJob =>
  routerJobSchema.parse({ id: 'job-1', channelId: 'voice', classificationPolicyId: 'cp1', ...input });

const queue = (id: string, labels: Record<string, string | number | boolean> = {}): RouterQueue => ({
  id,
  distributionPolicyId: 'dp1',
  labels: { Id: id, ...labels },
});

const QUEUES: RouterQueue[] = [
  queue('q-c', { region: 'us', tier: 2 }),
  queue('q-b', { region: 'eu', tier: 1 }),
  queue('q-a', { region: 'eu', tier: 3 }),
];

const staticQueue = (key: string, labelOperator: string, value?: unknown) => ({
  kind: 'static',
  queueSelector: value === undefined ? { key, labelOperator } : { key, labelOperator, value },
});

describe('classify: the queue (spec §3.3, §4.4, §6.3)', () => {
  it('a job’s own queueId is kept when no queue selector matches; priority and selectors come from the policy', () => {
    const result = classify(
      policy({
        queueSelectorAttachments: [staticQueue('region', 'equal', 'nowhere')],
        prioritizationRule: { kind: 'static', value: 10 },
        workerSelectorAttachments: [
          { kind: 'static', workerSelector: { key: 'skill', labelOperator: 'equal', value: 'fr' } },
        ],
      }),
      job({ queueId: 'q-own' }),
      QUEUES,
      NOW,
    );
    expect(result).toEqual({
      ok: true,
      queueId: 'q-own',
      priority: 10,
      attachedWorkerSelectors: [{ key: 'skill', labelOperator: 'equal', value: 'fr', status: 'active' }],
    });
  });

  it('a matching queue selector wins over the job’s own queueId (reclassification moves the job)', () => {
    const result = classify(
      policy({ queueSelectorAttachments: [staticQueue('region', 'equal', 'us')] }),
      job({ queueId: 'q-own' }),
      QUEUES,
      NOW,
    );
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.queueId).not.toBe('q-own');
  });

  it('a static queue selector picks the matching queue', () => {
    const result = classify(
      policy({ queueSelectorAttachments: [staticQueue('region', 'equal', 'us')] }),
      job(),
      QUEUES,
      NOW,
    );
    expect(result).toEqual({ ok: true, queueId: 'q-c', attachedWorkerSelectors: [] });
  });

  it('of several matching queues, the first by id wins (whatever the input order)', () => {
    const eu = policy({ queueSelectorAttachments: [staticQueue('region', 'equal', 'eu')] });
    expect(classify(eu, job(), QUEUES, NOW)).toMatchObject({ ok: true, queueId: 'q-a' });
    expect(classify(eu, job(), [...QUEUES].reverse(), NOW)).toMatchObject({ ok: true, queueId: 'q-a' });
  });

  it('static selectors are AND-ed and evaluated against queue labels with their operators', () => {
    const result = classify(
      policy({
        queueSelectorAttachments: [staticQueue('region', 'equal', 'eu'), staticQueue('tier', 'lessThan', 2)],
      }),
      job(),
      QUEUES,
      NOW,
    );
    expect(result).toMatchObject({ ok: true, queueId: 'q-b' });
    // The auto-added Id label is how a selector names one queue.
    expect(
      classify(policy({ queueSelectorAttachments: [staticQueue('Id', 'equal', 'q-b')] }), job(), QUEUES, NOW),
    ).toMatchObject({ ok: true, queueId: 'q-b' });
  });

  it('no matching queue falls back to fallbackQueueId', () => {
    const result = classify(
      policy({ fallbackQueueId: 'q-fallback', queueSelectorAttachments: [staticQueue('region', 'equal', 'apac')] }),
      job(),
      QUEUES,
      NOW,
    );
    expect(result).toEqual({ ok: true, queueId: 'q-fallback', attachedWorkerSelectors: [] });
    // Without queue selectors the fallback is the queue too.
    expect(classify(policy({ fallbackQueueId: 'q-fallback' }), job(), QUEUES, NOW)).toMatchObject({
      ok: true,
      queueId: 'q-fallback',
    });
  });

  it('no queue at all is a failure whose reason names the policy', () => {
    const noMatch = classify(
      policy({ queueSelectorAttachments: [staticQueue('region', 'equal', 'apac')] }),
      job(),
      QUEUES,
      NOW,
    );
    expect(noMatch.ok).toBe(false);
    if (noMatch.ok) return;
    expect(noMatch.reason).toContain('cp1');
    expect(noMatch.reason).toContain('fallbackQueueId');
    // No queues exist.
    expect(
      classify(policy({ queueSelectorAttachments: [staticQueue('region', 'equal', 'eu')] }), job(), [], NOW).ok,
    ).toBe(false);
    // Nothing to go on.
    expect(classify(policy({}), job(), QUEUES, NOW).ok).toBe(false);
  });

  it.each<[string, Record<string, unknown>]>([
    [
      'conditional',
      {
        kind: 'conditional',
        condition: { kind: 'static', value: true },
        queueSelectors: [{ key: 'region', labelOperator: 'equal', value: 'us' }],
      },
    ],
    ['passThrough', { kind: 'passThrough', key: 'region', labelOperator: 'equal' }],
    ['ruleEngine', { kind: 'ruleEngine', rule: { kind: 'directMap' } }],
    [
      'weightedAllocation',
      {
        kind: 'weightedAllocation',
        allocations: [{ weight: 1, queueSelectors: [{ key: 'region', labelOperator: 'equal', value: 'us' }] }],
      },
    ],
  ])('a %s queue attachment is a failure naming it, even with a fallback queue', (kind, attachment) => {
    const result = classify(
      policy({
        fallbackQueueId: 'q-fallback',
        queueSelectorAttachments: [staticQueue('region', 'equal', 'eu'), attachment],
      }),
      job(),
      QUEUES,
      NOW,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('queueSelectorAttachments.1');
      expect(result.reason).toContain(kind);
    }
  });
});

describe('classify: the priority (spec §3.3, §4.3)', () => {
  it('a static prioritizationRule sets the priority', () => {
    const result = classify(
      policy({ fallbackQueueId: 'q1', prioritizationRule: { kind: 'static', value: -5 } }),
      job(),
      [],
      NOW,
    );
    expect(result).toEqual({ ok: true, queueId: 'q1', priority: -5, attachedWorkerSelectors: [] });
  });

  it('without a prioritizationRule the result carries no priority', () => {
    const result = classify(policy({ fallbackQueueId: 'q1' }), job({ priority: 7 }), [], NOW);
    expect(result.ok).toBe(true);
    expect(result).not.toHaveProperty('priority');
  });

  it('a priority beyond −100..100 is clamped to the documented range', () => {
    const high = classify(
      policy({ fallbackQueueId: 'q1', prioritizationRule: { kind: 'static', value: 500 } }),
      job(),
      [],
      NOW,
    );
    expect(high).toMatchObject({ ok: true, priority: 100 });
    const low = classify(
      policy({ fallbackQueueId: 'q1', prioritizationRule: { kind: 'static', value: -500 } }),
      job(),
      [],
      NOW,
    );
    expect(low).toMatchObject({ ok: true, priority: -100 });
  });

  it.each<[string, unknown]>([
    ['a fraction', 2.5],
    ['a word', 'high'],
    ['a boolean', true],
    ['no value', undefined],
  ])('a prioritizationRule giving %s is a failure', (_label, value) => {
    const rule = value === undefined ? { kind: 'static' } : { kind: 'static', value };
    const result = classify(policy({ fallbackQueueId: 'q1', prioritizationRule: rule }), job(), [], NOW);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('prioritizationRule');
  });

  it('a non-static prioritizationRule is a failure naming the rule kind', () => {
    const result = classify(
      policy({ fallbackQueueId: 'q1', prioritizationRule: { kind: 'expression', expression: 'If(job.vip, 10, 1)' } }),
      job(),
      [],
      NOW,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('prioritizationRule');
      expect(result.reason).toContain('expression');
    }
  });
});

describe('classify: worker selectors (spec §3.8, §4.5)', () => {
  it('static attachments are attached in order, active, expiring from the time of classification', () => {
    const result = classify(
      policy({
        fallbackQueueId: 'q1',
        workerSelectorAttachments: [
          { kind: 'static', workerSelector: { key: 'skill', labelOperator: 'equal', value: 'fr', expedite: true } },
          {
            kind: 'static',
            workerSelector: { key: 'level', labelOperator: 'greaterThan', value: 5, expiresAfterSeconds: 30 },
          },
        ],
      }),
      job(),
      [],
      NOW,
    );
    expect(result).toEqual({
      ok: true,
      queueId: 'q1',
      attachedWorkerSelectors: [
        { key: 'skill', labelOperator: 'equal', value: 'fr', expedite: true, status: 'active' },
        {
          key: 'level',
          labelOperator: 'greaterThan',
          value: 5,
          expiresAfterSeconds: 30,
          status: 'active',
          expiresAt: formatTimestamp(NOW + 30 * SECOND),
        },
      ],
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['conditional', { kind: 'conditional', condition: { kind: 'static', value: true }, workerSelectors: [] }],
    ['passThrough', { kind: 'passThrough', key: 'skill', labelOperator: 'equal' }],
    ['ruleEngine', { kind: 'ruleEngine', rule: { kind: 'directMap' } }],
    [
      'weightedAllocation',
      {
        kind: 'weightedAllocation',
        allocations: [{ weight: 1, workerSelectors: [{ key: 'a', labelOperator: 'equal', value: 1 }] }],
      },
    ],
  ])('a %s worker attachment is a failure naming it', (kind, attachment) => {
    const result = classify(
      policy({
        fallbackQueueId: 'q1',
        workerSelectorAttachments: [
          { kind: 'static', workerSelector: { key: 'skill', labelOperator: 'equal', value: 'fr' } },
          attachment,
        ],
      }),
      job(),
      [],
      NOW,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('workerSelectorAttachments.1');
      expect(result.reason).toContain(kind);
    }
  });
});

describe('evaluateRule (spec §4.3)', () => {
  it('a static rule gives its value (or nothing)', () => {
    expect(evaluateRule(routerRuleSchema.parse({ kind: 'static', value: 3 }))).toEqual({ ok: true, value: 3 });
    expect(evaluateRule(routerRuleSchema.parse({ kind: 'static', value: 'x' }))).toEqual({ ok: true, value: 'x' });
    expect(evaluateRule(routerRuleSchema.parse({ kind: 'static' }))).toEqual({ ok: true, value: undefined });
    // The preview spelling is the same rule.
    expect(evaluateRule(routerRuleSchema.parse({ kind: 'static-rule', value: true }))).toEqual({
      ok: true,
      value: true,
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['directMap', { kind: 'directMap' }],
    ['expression', { kind: 'expression', expression: '1' }],
    ['function', { kind: 'function', functionUri: 'https://example.com/api/score' }],
    ['webhook', { kind: 'webhook', webhookUri: 'https://example.com/hook' }],
  ])('a rule of kind %s is not evaluated: a failure naming its kind', (kind, rule) => {
    const result = evaluateRule(routerRuleSchema.parse(rule));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(kind);
  });
});

describe('classification applied to a job (spec §6.3)', () => {
  it('a job created with a policy is queued where classification put it', () => {
    const created = upsertJob(
      undefined,
      { jobId: 'job-1', patch: { channelId: 'voice', classificationPolicyId: 'cp1', labels: { region: 'eu' } } },
      NOW,
      () => 'id',
    );
    if (!created.ok) throw new Error(created.error.message);
    const pending = created.value.state;
    const at = NOW + SECOND;
    const result = classify(
      policy({
        queueSelectorAttachments: [staticQueue('region', 'equal', 'eu')],
        prioritizationRule: { kind: 'static', value: 20 },
        workerSelectorAttachments: [
          {
            kind: 'static',
            workerSelector: { key: 'lang', labelOperator: 'equal', value: 'fr', expiresAfterSeconds: 60 },
          },
        ],
      }),
      pending.job,
      QUEUES,
      at,
    );
    const queued = classified(pending, pending.classificationRun, result, at);
    expect(queued.job).toMatchObject({
      status: 'queued',
      queueId: 'q-a',
      priority: 20,
      enqueuedAt: formatTimestamp(at),
      attachedWorkerSelectors: [
        {
          key: 'lang',
          labelOperator: 'equal',
          value: 'fr',
          expiresAfterSeconds: 60,
          status: 'active',
          expiresAt: formatTimestamp(at + 60 * SECOND),
        },
      ],
    });
  });
});
