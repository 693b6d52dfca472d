/**
 * The "bare Temporal" baseline of the routing-lifecycle benchmark: an empty workflow whose only work is to accept
 * updates. A bare lifecycle is one update-with-start and three updates (as many as a router job's PATCH, accept,
 * complete and close); the workflow ends after the fourth. Run by a Worker the benchmark starts on its own task queue
 * (bench/routing/baseline-worker.ts).
 */
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

/** One step of a bare lifecycle; answers how many steps the workflow has taken. */
export const bareStepUpdate = defineUpdate<number, [number]>('bareStep');

export const BARE_STEPS = 4;

export async function bareLifecycle(): Promise<void> {
  let steps = 0;
  setHandler(bareStepUpdate, () => {
    steps += 1;
    return steps;
  });
  await condition(() => steps >= BARE_STEPS);
}
