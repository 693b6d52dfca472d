import { ApplicationFailure } from '@temporalio/common';
import { calloutRules, classificationSeed, classify, type RuleOutcome } from '../../domain/routing/classification';
import type { ClassificationResult } from '../../domain/routing/job-lifecycle';
import { classificationPolicySchema, type RouterJob, routerQueueSchema } from '../../domain/routing/models';
import type { ActivityDeps } from '../deps';
import { callRule, type CalloutOptions } from './callouts';

/**
 * Classification of a job (domain/routing/classification.ts): loads the policy and the queues, calls the policy's
 * function and webhook rules (activities/routing/callouts.ts), then classifies with their results.
 *
 * Whatever a rule or its endpoint does is a result (`{ok: false, reason}` → the job is `classificationFailed`), so
 * the workflow's activity retries are spent only on infrastructure errors (the database), which throw.
 */
export function createClassifyActivities(
  { db, logger }: Pick<ActivityDeps, 'db' | 'logger'>,
  callouts: CalloutOptions = {},
) {
  return {
    /**
     * `run` is the job's classification run (it seeds weightedAllocation, so a retried run picks the same
     * allocation and a new run may pick another); 0 when not given.
     */
    async classifyJob(input: { tenantId: string; job: RouterJob; run?: number }): Promise<ClassificationResult> {
      const { tenantId, job } = input;
      if (job.classificationPolicyId === undefined) {
        throw ApplicationFailure.nonRetryable(`Job ${job.id} has no classification policy.`, 'validationFailed');
      }
      const [stored, storedQueues] = await Promise.all([
        db.routing.get(tenantId, 'classificationPolicies', job.classificationPolicyId),
        db.routing.all(tenantId, 'queues'),
      ]);
      if (!stored) return { ok: false, reason: `classification policy ${job.classificationPolicyId} does not exist` };
      const policy = classificationPolicySchema.parse(stored.resource);
      const queues = storedQueues.map((queue) => routerQueueSchema.parse(queue.resource));

      const payload = { job: job.labels };
      const called = await Promise.all(
        calloutRules(policy).map(async ({ path, rule }): Promise<[string, RuleOutcome]> => {
          const outcome = await callRule(rule, payload, callouts);
          if (!outcome.ok) {
            const context = { tenantId, jobId: job.id, policyId: policy.id, path, reason: outcome.reason };
            logger.warn(context, 'classification rule failed');
          }
          return [path, outcome];
        }),
      );
      return classify(policy, job, queues, Date.now(), {
        seed: classificationSeed(tenantId, job.id, input.run ?? 0),
        ruleValues: Object.fromEntries(called),
      });
    },
  };
}
