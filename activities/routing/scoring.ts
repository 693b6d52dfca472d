/**
 * bestWorker scoring by a `function` or `webhook` rule (spec §4.1, DOCS-customize-worker-scoring): the router asks
 * for the scores of a job's eligible workers before its matching pass. The payload holds what
 * `scoringRuleOptions.scoringParameters` selects (`job`: the job's labels, `selectors`: its worker selectors) and one
 * worker's labels (`worker`), or with `isBatchScoringEnabled` up to `batchSize` of them (`workers`, answered with an
 * array of numbers in the same order).
 */
import type { Labels, RouterWorkerSelector } from '../../domain/routing/common';
import type { CalloutRule } from '../../domain/routing/classification';
import type { ScoringRuleOptions } from '../../domain/routing/unions';
import { callRule, type CalloutOptions } from './callouts';

export interface ScoreWorkersInput {
  rule: CalloutRule;
  options?: ScoringRuleOptions;
  job: { labels: Labels; selectors: RouterWorkerSelector[] };
  workers: { id: string; labels: Labels }[];
}

const asScore = (value: unknown): number | null => {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : null;
};

export function createScoringActivities(callouts: CalloutOptions = {}) {
  return {
    /** Each worker's score, or null when the rule failed or gave no number (that worker then ranks last). */
    async scoreWorkers(input: ScoreWorkersInput): Promise<Record<string, number | null>> {
      const parameters = input.options?.scoringParameters ?? ['jobLabels', 'workerSelectors'];
      const base = {
        ...(parameters.includes('jobLabels') ? { job: input.job.labels } : {}),
        ...(parameters.includes('workerSelectors') ? { selectors: input.job.selectors } : {}),
      };
      const scores: Record<string, number | null> = {};
      if (input.options?.isBatchScoringEnabled) {
        const size = input.options.batchSize;
        for (let i = 0; i < input.workers.length; i += size) {
          const batch = input.workers.slice(i, i + size);
          const outcome = await callRule(input.rule, { ...base, workers: batch.map((w) => w.labels) }, callouts);
          const values = outcome.ok && Array.isArray(outcome.value) ? outcome.value : [];
          batch.forEach((worker, j) => (scores[worker.id] = asScore(values[j])));
        }
        return scores;
      }
      await Promise.all(
        input.workers.map(async (worker) => {
          const outcome = await callRule(input.rule, { ...base, worker: worker.labels }, callouts);
          scores[worker.id] = outcome.ok ? asScore(outcome.value) : null;
        }),
      );
      return scores;
    },
  };
}
