import { isCalloutRule } from './classification';
import { defaultBestWorkerScore, type MatchWorker, type QueueDistribution, type WaitingJob } from './matching';
import { evaluateLocalRule } from './rules';

/**
 * A worker's bestWorker score for a job (spec §4.1): the queue's `scoringRule` when it has one — `static` and
 * `expression` rules evaluated here (`job.<label>`, `worker.<label>`), `function` and `webhook` rules looked up in
 * `calledScores` (asked of their endpoint before the matching pass) — and the default scoring otherwise. A rule that
 * gives no number scores NaN, which ranks last.
 */
export function scoreWorker(
  mode: QueueDistribution['mode'] | undefined,
  job: WaitingJob,
  worker: MatchWorker,
  calledScores: ReadonlyMap<string, Record<string, number | null>>,
): number {
  if (mode?.kind !== 'bestWorker' || !mode.scoringRule) return defaultBestWorkerScore(job, worker);
  if (isCalloutRule(mode.scoringRule)) return calledScores.get(job.jobId)?.[worker.id] ?? Number.NaN;
  const result = evaluateLocalRule(mode.scoringRule, { job: job.labels, worker: worker.labels });
  if (!('ok' in result) || !result.ok) return Number.NaN;
  const value = typeof result.value === 'string' ? Number(result.value) : result.value;
  return typeof value === 'number' ? value : Number.NaN;
}
