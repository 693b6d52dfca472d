import {
  calloutRules,
  classificationSeed,
  classify,
  isTrue,
  pickByWeight,
  type RuleOutcome,
  seededUniform,
} from '../../domain/routing/classification';
import { classified, upsertJob } from '../../domain/routing/job-lifecycle';
import {
  classificationPolicySchema,
  routerJobSchema,
  type ClassificationPolicy,
  type RouterJob,
  type RouterQueue,
} from '../../domain/routing/models';
import { formatTimestamp } from '../../domain/routing/wire';

/** Classification by a policy (spec §3.3, §4.3–§4.5, §6.3): every rule and attachment kind, pure. */

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
  queue('q-own'),
  queue('q-fallback'),
  queue('q1'),
];

const SEED = classificationSeed('tenant-1', 'job-1', 0);

/** classify with a fixed seed and the given callout outcomes. */
const run = (
  p: ClassificationPolicy,
  j: RouterJob = job(),
  ruleValues: Record<string, RuleOutcome> = {},
  queues: readonly RouterQueue[] = QUEUES,
  seed = SEED,
) => classify(p, j, queues, NOW, { seed, ruleValues });

const reasonOf = (result: ReturnType<typeof classify>): string => (result.ok ? '(ok)' : result.reason);

const staticQueue = (key: string, labelOperator: string, value?: unknown) => ({
  kind: 'static',
  queueSelector: value === undefined ? { key, labelOperator } : { key, labelOperator, value },
});

const FUNCTION_RULE = { kind: 'function', functionUri: 'https://example.com/api/rule' };

describe('classify: the queue (spec §3.3, §4.4, §6.3)', () => {
  it('a job’s own queueId is kept when no queue selector matches; priority and selectors come from the policy', () => {
    const result = run(
      policy({
        queueSelectorAttachments: [staticQueue('region', 'equal', 'nowhere')],
        prioritizationRule: { kind: 'static', value: 10 },
        workerSelectorAttachments: [
          { kind: 'static', workerSelector: { key: 'skill', labelOperator: 'equal', value: 'fr' } },
        ],
      }),
      job({ queueId: 'q-own' }),
    );
    expect(result).toEqual({
      ok: true,
      queueId: 'q-own',
      priority: 10,
      attachedWorkerSelectors: [{ key: 'skill', labelOperator: 'equal', value: 'fr', status: 'active' }],
    });
  });

  it('a matching queue selector wins over the job’s own queueId (reclassification moves the job)', () => {
    const result = run(
      policy({ queueSelectorAttachments: [staticQueue('region', 'equal', 'us')] }),
      job({ queueId: 'q-own' }),
    );
    expect(result).toMatchObject({ ok: true, queueId: 'q-c' });
  });

  it('a static queue selector picks the matching queue', () => {
    expect(run(policy({ queueSelectorAttachments: [staticQueue('region', 'equal', 'us')] }))).toEqual({
      ok: true,
      queueId: 'q-c',
      attachedWorkerSelectors: [],
    });
  });

  it('of several matching queues, the first by id wins (whatever the input order)', () => {
    const eu = policy({ queueSelectorAttachments: [staticQueue('region', 'equal', 'eu')] });
    expect(run(eu)).toMatchObject({ ok: true, queueId: 'q-a' });
    expect(run(eu, job(), {}, [...QUEUES].reverse())).toMatchObject({ ok: true, queueId: 'q-a' });
  });

  it('selectors are AND-ed and evaluated against queue labels with their operators', () => {
    const result = run(
      policy({
        queueSelectorAttachments: [staticQueue('region', 'equal', 'eu'), staticQueue('tier', 'lessThan', 2)],
      }),
    );
    expect(result).toMatchObject({ ok: true, queueId: 'q-b' });
    // The auto-added Id label is how a selector names one queue.
    expect(run(policy({ queueSelectorAttachments: [staticQueue('Id', 'equal', 'q-b')] }))).toMatchObject({
      ok: true,
      queueId: 'q-b',
    });
  });

  it('no matching queue falls back to fallbackQueueId; so does a policy without queue selectors', () => {
    const result = run(
      policy({ fallbackQueueId: 'q-fallback', queueSelectorAttachments: [staticQueue('region', 'equal', 'apac')] }),
    );
    expect(result).toEqual({ ok: true, queueId: 'q-fallback', attachedWorkerSelectors: [] });
    expect(run(policy({ fallbackQueueId: 'q-fallback' }))).toMatchObject({ ok: true, queueId: 'q-fallback' });
  });

  it('a job’s own queue that does not exist gives way to fallbackQueueId', () => {
    expect(run(policy({ fallbackQueueId: 'q-fallback' }), job({ queueId: 'q-gone' }))).toMatchObject({
      ok: true,
      queueId: 'q-fallback',
    });
  });

  it('no queue at all is a failure naming the policy and what was tried', () => {
    const noMatch = run(policy({ queueSelectorAttachments: [staticQueue('region', 'equal', 'apac')] }));
    expect(reasonOf(noMatch)).toBe('no queue matches the queue selectors of cp1, it has no fallbackQueueId');
    // A fallback queue that does not exist, the job's own queue neither.
    expect(reasonOf(run(policy({ fallbackQueueId: 'q-gone' }), job({ queueId: 'q-lost' })))).toBe(
      "cp1 selects no queue, the job's queue q-lost does not exist, its fallbackQueueId q-gone does not exist",
    );
    // No queues exist.
    expect(run(policy({ queueSelectorAttachments: [staticQueue('region', 'equal', 'eu')] }), job(), {}, []).ok).toBe(
      false,
    );
    // Nothing to go on.
    expect(run(policy({})).ok).toBe(false);
  });
});

describe('classify: conditional attachments (spec §4.4, §4.5)', () => {
  const conditional = (condition: Record<string, unknown>) =>
    policy({
      fallbackQueueId: 'q-fallback',
      queueSelectorAttachments: [
        { kind: 'conditional', condition, queueSelectors: [{ key: 'region', labelOperator: 'equal', value: 'us' }] },
      ],
      workerSelectorAttachments: [
        { kind: 'conditional', condition, workerSelectors: [{ key: 'lang', labelOperator: 'equal', value: 'fr' }] },
      ],
    });

  it.each<[string, Record<string, unknown>]>([
    ['static true', { kind: 'static', value: true }],
    ['static "true"', { kind: 'static', value: 'true' }],
    ['static " TRUE "', { kind: 'static', value: ' TRUE ' }],
    ['an expression on the job’s labels', { kind: 'expression', expression: 'job.vip = true And job.tier > 2' }],
  ])('%s applies the selectors', (_label, condition) => {
    const result = run(conditional(condition), job({ labels: { vip: true, tier: 3 } }));
    expect(result).toEqual({
      ok: true,
      queueId: 'q-c',
      attachedWorkerSelectors: [{ key: 'lang', labelOperator: 'equal', value: 'fr', status: 'active' }],
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['static false', { kind: 'static', value: false }],
    ['static 1 (numbers are not true)', { kind: 'static', value: 1 }],
    ['static "yes"', { kind: 'static', value: 'yes' }],
    ['blank', { kind: 'static' }],
    ['an expression that is false', { kind: 'expression', expression: 'job.tier > 5' }],
  ])('%s applies nothing', (_label, condition) => {
    const result = run(conditional(condition), job({ labels: { vip: true, tier: 3 } }));
    expect(result).toEqual({ ok: true, queueId: 'q-fallback', attachedWorkerSelectors: [] });
  });

  it('a condition that fails at run time is a failure with the evaluator’s reason', () => {
    const result = run(
      conditional({ kind: 'expression', expression: 'job.region + 1 > 2' }),
      job({ labels: { region: 'NA' } }),
    );
    expect(reasonOf(result)).toBe(`queueSelectorAttachments.0.condition: '+' at position 11: "NA" is not a number`);
  });

  it('a callout condition takes its value from ruleValues', () => {
    const p = conditional(FUNCTION_RULE);
    const on = run(p, job(), {
      'queueSelectorAttachments.0.condition': { ok: true, value: true },
      'workerSelectorAttachments.0.condition': { ok: true, value: 'false' },
    });
    expect(on).toEqual({ ok: true, queueId: 'q-c', attachedWorkerSelectors: [] });
  });

  it('isTrue: true and "true" in any case only', () => {
    expect([true, 'true', 'True', ' TRUE '].map(isTrue)).toEqual([true, true, true, true]);
    expect([false, 'false', 1, 0, 'yes', '', undefined, null, [true], { a: true }].map(isTrue)).toEqual(
      Array(10).fill(false),
    );
  });
});

describe('classify: passThrough attachments (spec §4.4, §4.5)', () => {
  it('a queue selector takes the job label with its key as its value, with the attachment’s operator', () => {
    const result = run(
      policy({ queueSelectorAttachments: [{ kind: 'passThrough', key: 'tier', labelOperator: 'greaterThan' }] }),
      job({ labels: { tier: 2 } }),
    );
    expect(result).toMatchObject({ ok: true, queueId: 'q-a' });
  });

  it('a worker selector carries expiresAfterSeconds, counted from classification', () => {
    const result = run(
      policy({
        fallbackQueueId: 'q1',
        workerSelectorAttachments: [
          { kind: 'passThrough', key: 'lang', labelOperator: 'equal', expiresAfterSeconds: 45 },
          { kind: 'passThrough', key: 'level', labelOperator: 'greaterThanOrEqual' },
        ],
      }),
      job({ labels: { lang: 'fr', level: 4 } }),
    );
    expect(result).toEqual({
      ok: true,
      queueId: 'q1',
      attachedWorkerSelectors: [
        {
          key: 'lang',
          labelOperator: 'equal',
          value: 'fr',
          expiresAfterSeconds: 45,
          status: 'active',
          expiresAt: formatTimestamp(NOW + 45 * SECOND),
        },
        { key: 'level', labelOperator: 'greaterThanOrEqual', value: 4, status: 'active' },
      ],
    });
  });

  it('a job without the label is a failure naming the attachment and the key', () => {
    const queues = run(
      policy({
        fallbackQueueId: 'q1',
        queueSelectorAttachments: [{ kind: 'passThrough', key: 'region', labelOperator: 'equal' }],
      }),
    );
    expect(reasonOf(queues)).toBe('queueSelectorAttachments.0: passThrough needs the job label "region"');
    const workers = run(
      policy({
        fallbackQueueId: 'q1',
        workerSelectorAttachments: [
          { kind: 'static', workerSelector: { key: 'a', labelOperator: 'equal', value: 1 } },
          { kind: 'passThrough', key: 'lang', labelOperator: 'equal' },
        ],
      }),
    );
    expect(reasonOf(workers)).toBe('workerSelectorAttachments.1: passThrough needs the job label "lang"');
  });
});

describe('classify: ruleEngine attachments (spec §4.4, §4.5)', () => {
  const queueRule = (rule: Record<string, unknown>) =>
    policy({ fallbackQueueId: 'q-fallback', queueSelectorAttachments: [{ kind: 'ruleEngine', rule }] });
  const workerRule = (rule: Record<string, unknown>) =>
    policy({ fallbackQueueId: 'q1', workerSelectorAttachments: [{ kind: 'ruleEngine', rule }] });

  it('directMap: each job label becomes an equal selector', () => {
    expect(run(queueRule({ kind: 'directMap' }), job({ labels: { region: 'eu', tier: 1 } }))).toMatchObject({
      ok: true,
      queueId: 'q-b',
    });
    expect(run(workerRule({ kind: 'directMap' }), job({ labels: { lang: 'fr', vip: true } }))).toEqual({
      ok: true,
      queueId: 'q1',
      attachedWorkerSelectors: [
        { key: 'lang', labelOperator: 'equal', value: 'fr', status: 'active' },
        { key: 'vip', labelOperator: 'equal', value: true, status: 'active' },
      ],
    });
    // No labels, no selectors: the fallback.
    expect(run(queueRule({ kind: 'directMap' }))).toMatchObject({ ok: true, queueId: 'q-fallback' });
  });

  it('a static rule’s text holding a JSON array of selectors', () => {
    const selectors = JSON.stringify([{ key: 'region', labelOperator: 'equal', value: 'eu' }]);
    expect(run(queueRule({ kind: 'static', value: selectors }))).toMatchObject({ ok: true, queueId: 'q-a' });
  });

  it('an expression choosing selectors (JSON text) from the job’s labels', () => {
    const expression =
      'If(job.vip = true, "[{""key"":""skill"",""labelOperator"":""greaterThan"",""value"":5,""expedite"":true}]", "")';
    const vip = run(workerRule({ kind: 'expression', expression }), job({ labels: { vip: true } }));
    expect(vip).toEqual({
      ok: true,
      queueId: 'q1',
      attachedWorkerSelectors: [
        { key: 'skill', labelOperator: 'greaterThan', value: 5, expedite: true, status: 'active' },
      ],
    });
    // "" is blank: no selectors.
    expect(run(workerRule({ kind: 'expression', expression }), job({ labels: { vip: false } }))).toEqual({
      ok: true,
      queueId: 'q1',
      attachedWorkerSelectors: [],
    });
  });

  it('a callout’s array of selectors, operators in any first-letter case, expiry counted from classification', () => {
    const result = run(workerRule(FUNCTION_RULE), job(), {
      'workerSelectorAttachments.0.rule': {
        ok: true,
        value: [
          { key: 'English', labelOperator: 'GreaterThan', value: 5, expiresAfterSeconds: 10 },
          { key: 'tier', labelOperator: 'equal', value: 'gold', status: 'expired' },
        ],
      },
    });
    expect(result).toEqual({
      ok: true,
      queueId: 'q1',
      attachedWorkerSelectors: [
        {
          key: 'English',
          labelOperator: 'greaterThan',
          value: 5,
          expiresAfterSeconds: 10,
          status: 'active',
          expiresAt: formatTimestamp(NOW + 10 * SECOND),
        },
        // A status the rule sends is the server's to set: dropped.
        { key: 'tier', labelOperator: 'equal', value: 'gold', status: 'active' },
      ],
    });
  });

  it('a callout’s labels object is a list of equal selectors', () => {
    const result = run(queueRule({ kind: 'webhook', webhookUri: 'https://example.com/hook' }), job(), {
      'queueSelectorAttachments.0.rule': { ok: true, value: { region: 'us' } },
    });
    expect(result).toMatchObject({ ok: true, queueId: 'q-c' });
  });

  it.each<[string, unknown, string]>([
    [
      'a selector without labelOperator',
      [{ key: 'a', value: 1 }],
      'gave an invalid selector at 0: labelOperator: Invalid option',
    ],
    ['an unknown operator', [{ key: 'a', labelOperator: 'like', value: 1 }], 'gave an invalid selector at 0'],
    ['a nested value', [{ key: 'a', labelOperator: 'equal', value: [1] }], 'gave an invalid selector at 0: value'],
    ['a number', 5, 'gave 5, not selectors or labels'],
    ['text that is not JSON', 'gold', 'gave the text "gold", not selectors or labels'],
    ['labels with a nested value', { a: { b: 1 } }, 'gave invalid labels: a'],
  ])('%s is a failure naming the rule', (_label, value, reason) => {
    const result = run(workerRule(FUNCTION_RULE), job(), { 'workerSelectorAttachments.0.rule': { ok: true, value } });
    expect(reasonOf(result)).toContain(`workerSelectorAttachments.0.rule: the function rule ${reason}`);
  });

  it('blank or null gives no selectors', () => {
    for (const value of [undefined, null]) {
      expect(
        run(workerRule(FUNCTION_RULE), job(), { 'workerSelectorAttachments.0.rule': { ok: true, value } }),
      ).toEqual({ ok: true, queueId: 'q1', attachedWorkerSelectors: [] });
    }
  });
});

describe('classify: weightedAllocation (spec §4.4, §4.5)', () => {
  const weighted = policy({
    fallbackQueueId: 'q1',
    queueSelectorAttachments: [
      {
        kind: 'weightedAllocation',
        allocations: [
          { weight: 0.2, queueSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'q-a' }] },
          { weight: 0.3, queueSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'q-b' }] },
          { weight: 0.5, queueSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'q-c' }] },
        ],
      },
    ],
    workerSelectorAttachments: [
      {
        kind: 'weightedAllocation',
        allocations: [
          { weight: 0.5, workerSelectors: [{ key: 'pool', labelOperator: 'equal', value: 'A' }] },
          { weight: 0.5, workerSelectors: [{ key: 'pool', labelOperator: 'equal', value: 'B', expedite: true }] },
        ],
      },
    ],
  });

  it('the same seed picks the same allocation (a retried or replayed run); the run changes the seed', () => {
    const first = run(weighted, job(), {}, QUEUES, classificationSeed('t', 'job-9', 3));
    for (let i = 0; i < 5; i++) {
      expect(run(weighted, job(), {}, QUEUES, classificationSeed('t', 'job-9', 3))).toEqual(first);
    }
    // Across runs of one job, every queue comes up.
    const picked = new Set<string>();
    for (let r = 0; r < 50; r++) {
      const result = run(weighted, job(), {}, QUEUES, classificationSeed('t', 'job-9', r));
      if (result.ok) picked.add(result.queueId);
    }
    expect([...picked].sort()).toEqual(['q-a', 'q-b', 'q-c']);
  });

  it('over many seeds the queues come up in proportion to their weights; queue and worker draws are independent', () => {
    const counts = new Map<string, number>();
    const N = 20_000;
    for (let i = 0; i < N; i++) {
      const result = run(weighted, job(), {}, QUEUES, classificationSeed('t', `job-${i}`, 0));
      if (!result.ok) throw new Error(result.reason);
      const pool = result.attachedWorkerSelectors[0]?.value;
      const key = `${result.queueId}/${String(pool)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const share = (prefix: string) =>
      [...counts].filter(([key]) => key.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0) / N;
    expect(share('q-a/')).toBeCloseTo(0.2, 1);
    expect(share('q-b/')).toBeCloseTo(0.3, 1);
    expect(share('q-c/')).toBeCloseTo(0.5, 1);
    expect(Math.abs(share('q-a/') - 0.2)).toBeLessThan(0.015);
    expect(Math.abs(share('q-c/') - 0.5)).toBeLessThan(0.015);
    // Independence: each queue with each pool about equally often.
    for (const q of ['q-a', 'q-b', 'q-c']) {
      const a = counts.get(`${q}/A`) ?? 0;
      const b = counts.get(`${q}/B`) ?? 0;
      expect(Math.abs(a - b) / (a + b)).toBeLessThan(0.06);
    }
  });

  it('the chosen worker allocation lands in attachedWorkerSelectors', () => {
    const result = run(weighted);
    expect(result.ok && result.attachedWorkerSelectors).toEqual([
      expect.objectContaining({ key: 'pool', labelOperator: 'equal', status: 'active' }),
    ]);
  });

  it('pickByWeight: cumulative weights over [0, 1); seededUniform is in [0, 1) and stable', () => {
    const allocations = [{ weight: 0.25 }, { weight: 0.25 }, { weight: 0.5 }];
    expect(pickByWeight(allocations, 0)).toBe(allocations[0]);
    expect(pickByWeight(allocations, 0.2499)).toBe(allocations[0]);
    expect(pickByWeight(allocations, 0.25)).toBe(allocations[1]);
    expect(pickByWeight(allocations, 0.75)).toBe(allocations[2]);
    expect(pickByWeight(allocations, 0.999999)).toBe(allocations[2]);
    expect(seededUniform('a')).toBe(seededUniform('a'));
    expect(seededUniform('a')).not.toBe(seededUniform('b'));
    for (let i = 0; i < 1000; i++) {
      const u = seededUniform(`k${i}`);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });
});

describe('classify: the priority (spec §3.3, §4.3)', () => {
  const prioritized = (rule: Record<string, unknown>) => policy({ fallbackQueueId: 'q1', prioritizationRule: rule });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, number]>([
    ['static', { kind: 'static', value: -5 }, {}, -5],
    ['static numeric text (the spec’s "2")', { kind: 'static', value: '2' }, {}, 2],
    ['static text with spaces and a point', { kind: 'static', value: ' 7.0 ' }, {}, 7],
    [
      'expression, escalated',
      { kind: 'expression', expression: 'If(job.Escalated = true, 10, 5)' },
      { Escalated: true },
      10,
    ],
    ['expression, not escalated', { kind: 'expression', expression: 'If(job.Escalated = true, 10, 5)' }, {}, 5],
    ['expression from a label', { kind: 'expression', expression: 'job.Tier * 10' }, { Tier: 3 }, 30],
  ])('a %s rule sets the priority', (_label, rule, labels, priority) => {
    expect(run(prioritized(rule), job({ labels }))).toEqual({
      ok: true,
      queueId: 'q1',
      priority,
      attachedWorkerSelectors: [],
    });
  });

  it.each<[string, unknown, number]>([
    ['a number', 42, 42],
    ['numeric text', '-3', -3],
    ['a number beyond 100, clamped', 1e6, 100],
  ])('a callout rule giving %s sets the priority', (_label, value, priority) => {
    expect(run(prioritized(FUNCTION_RULE), job(), { prioritizationRule: { ok: true, value } })).toMatchObject({
      ok: true,
      priority,
    });
  });

  it('without a prioritizationRule the result carries no priority', () => {
    const result = run(policy({ fallbackQueueId: 'q1' }), job({ priority: 7 }));
    expect(result.ok).toBe(true);
    expect(result).not.toHaveProperty('priority');
  });

  it('a priority beyond −100..100 is clamped to the documented range', () => {
    expect(run(prioritized({ kind: 'static', value: 500 }))).toMatchObject({ ok: true, priority: 100 });
    expect(run(prioritized({ kind: 'static', value: -500 }))).toMatchObject({ ok: true, priority: -100 });
    expect(
      run(prioritized({ kind: 'expression', expression: '0 - job.n' }), job({ labels: { n: 1000 } })),
    ).toMatchObject({ ok: true, priority: -100 });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a fraction', { kind: 'static', value: 2.5 }, 'prioritizationRule: the static rule gave 2.5, not an integer'],
    ['a word', { kind: 'static', value: 'high' }, 'prioritizationRule: the static rule gave "high", not an integer'],
    [
      'a hex text',
      { kind: 'static', value: '0x1F' },
      'prioritizationRule: the static rule gave "0x1F", not an integer',
    ],
    ['a boolean', { kind: 'static', value: true }, 'prioritizationRule: the static rule gave true, not an integer'],
    ['no value', { kind: 'static' }, 'prioritizationRule: the static rule gave blank, not an integer'],
    ['labels (directMap)', { kind: 'directMap' }, 'prioritizationRule: the directMap rule gave {}, not an integer'],
    [
      'a fractional expression',
      { kind: 'expression', expression: '10 / 4' },
      'prioritizationRule: the expression rule gave 2.5, not an integer',
    ],
  ])('a prioritizationRule giving %s is a failure', (_label, rule, reason) => {
    expect(reasonOf(run(prioritized(rule)))).toBe(reason);
  });

  it('an expression failing at run time is a failure with the evaluator’s reason', () => {
    const result = run(
      prioritized({ kind: 'expression', expression: 'job.Region + 1' }),
      job({ labels: { Region: 'NA' } }),
    );
    expect(reasonOf(result)).toBe(`prioritizationRule: '+' at position 11: "NA" is not a number`);
  });

  it('a callout that failed, or was never called, is a failure naming the rule', () => {
    expect(
      reasonOf(
        run(prioritized(FUNCTION_RULE), job(), {
          prioritizationRule: { ok: false, reason: 'the function rule https://example.com/api/rule answered HTTP 500' },
        }),
      ),
    ).toBe('prioritizationRule: the function rule https://example.com/api/rule answered HTTP 500');
    expect(reasonOf(run(prioritized(FUNCTION_RULE)))).toBe('prioritizationRule: the function rule was not called');
    // A value with a non-integer number from a callout.
    expect(reasonOf(run(prioritized(FUNCTION_RULE), job(), { prioritizationRule: { ok: true, value: [1] } }))).toBe(
      'prioritizationRule: the function rule gave [1], not an integer',
    );
  });

  it('the first failure in policy order wins: priority, then queue attachments, then worker attachments', () => {
    const p = policy({
      fallbackQueueId: 'q1',
      prioritizationRule: FUNCTION_RULE,
      queueSelectorAttachments: [{ kind: 'passThrough', key: 'missing', labelOperator: 'equal' }],
      workerSelectorAttachments: [{ kind: 'passThrough', key: 'missing', labelOperator: 'equal' }],
    });
    expect(reasonOf(run(p))).toMatch(/^prioritizationRule:/);
    expect(reasonOf(run(p, job(), { prioritizationRule: { ok: true, value: 1 } }))).toMatch(
      /^queueSelectorAttachments\.0:/,
    );
  });
});

describe('classify: static worker selectors (spec §3.8, §4.5)', () => {
  it('are attached in order, active, expiring from the time of classification', () => {
    const result = run(
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
});

describe('calloutRules', () => {
  it('lists every function and webhook rule of a policy by its path, in policy order', () => {
    const webhook = { kind: 'webhook', webhookUri: 'https://example.com/hook' };
    const p = policy({
      prioritizationRule: FUNCTION_RULE,
      queueSelectorAttachments: [
        staticQueue('a', 'equal', 1),
        { kind: 'conditional', condition: webhook, queueSelectors: [] },
        { kind: 'ruleEngine', rule: { kind: 'directMap' } },
        { kind: 'ruleEngine', rule: FUNCTION_RULE },
      ],
      workerSelectorAttachments: [
        { kind: 'conditional', condition: { kind: 'static', value: true }, workerSelectors: [] },
        { kind: 'ruleEngine', rule: webhook },
      ],
    });
    expect(calloutRules(p).map(({ path, rule }) => `${path}:${rule.kind}`)).toEqual([
      'prioritizationRule:function',
      'queueSelectorAttachments.1.condition:webhook',
      'queueSelectorAttachments.3.rule:function',
      'workerSelectorAttachments.1.rule:webhook',
    ]);
    expect(calloutRules(policy({ prioritizationRule: { kind: 'static', value: 1 } }))).toEqual([]);
  });

  it('a policy mixing every kind classifies with its callouts’ results', () => {
    const p = policy({
      prioritizationRule: { kind: 'expression', expression: 'If(job.vip, 50, 1)' },
      queueSelectorAttachments: [
        { kind: 'passThrough', key: 'region', labelOperator: 'equal' },
        { kind: 'ruleEngine', rule: FUNCTION_RULE },
      ],
      workerSelectorAttachments: [
        { kind: 'conditional', condition: FUNCTION_RULE, workerSelectors: [{ key: 'vip', labelOperator: 'equal' }] },
        { kind: 'ruleEngine', rule: { kind: 'directMap' } },
      ],
    });
    const result = run(p, job({ labels: { vip: true, region: 'eu' } }), {
      'queueSelectorAttachments.1.rule': { ok: true, value: [{ key: 'tier', labelOperator: 'lessThan', value: 3 }] },
      'workerSelectorAttachments.0.condition': { ok: true, value: true },
    });
    expect(result).toEqual({
      ok: true,
      queueId: 'q-b',
      priority: 50,
      attachedWorkerSelectors: [
        { key: 'vip', labelOperator: 'equal', status: 'active' },
        { key: 'vip', labelOperator: 'equal', value: true, status: 'active' },
        { key: 'region', labelOperator: 'equal', value: 'eu', status: 'active' },
      ],
    });
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
      { seed: classificationSeed('t', 'job-1', pending.classificationRun) },
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
