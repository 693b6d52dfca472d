/**
 * Options of the job-routing benchmarks (routing-offer-latency, routing-lifecycle, routing-lists), parsed from the
 * same command line as bench/run.ts's (which lets every `--name=value` through):
 *
 *   --routing-samples=N      offers measured by routing-offer-latency (default 100, after 5 warm-up ones)
 *   --routing-workers=N      simulated agents (one worker each, capacity 1) of routing-lifecycle (default 20)
 *   --routing-duration=S     seconds routing-lifecycle measures, after its warm-up (default 30)
 *   --routing-warmup=S       seconds of lifecycles before that, not measured (default 5)
 *   --routing-poll-ms=N      pause between two polls of an agent's worker in routing-lifecycle (default 50)
 *   --routing-jobs=N         jobs seeded for routing-lists (default 50000)
 *   --routing-list-workers=N workers seeded for routing-lists (default 1000)
 *   --routing-requests=N     requests per list URL in routing-lists (default 200, after 20 warm-up ones)
 *   --routing-queued-newest=N  also in routing-lists (no target): a tenant of N jobs whose queued ones are the newest
 *                            (the end of the index); 0 = skip (default; 50000 adds ≈ 1 min of seeding)
 */

import { parseIntegerFlags } from '../child-process';

export interface RoutingOptions {
  samples: number;
  workers: number;
  durationS: number;
  warmupS: number;
  pollMs: number;
  jobs: number;
  listWorkers: number;
  requests: number;
  queuedNewest: number;
}

export const ROUTING_DEFAULTS: RoutingOptions = {
  samples: 100,
  workers: 20,
  durationS: 30,
  warmupS: 5,
  pollMs: 50,
  jobs: 50_000,
  listWorkers: 1000,
  requests: 200,
  queuedNewest: 0,
};

const FLAGS: Record<keyof RoutingOptions, { flag: string; min: number; max: number }> = {
  samples: { flag: '--routing-samples', min: 1, max: 10_000 },
  workers: { flag: '--routing-workers', min: 1, max: 500 },
  durationS: { flag: '--routing-duration', min: 1, max: 3600 },
  warmupS: { flag: '--routing-warmup', min: 0, max: 600 },
  pollMs: { flag: '--routing-poll-ms', min: 0, max: 10_000 },
  jobs: { flag: '--routing-jobs', min: 100, max: 1_000_000 },
  listWorkers: { flag: '--routing-list-workers', min: 10, max: 100_000 },
  requests: { flag: '--routing-requests', min: 1, max: 100_000 },
  queuedNewest: { flag: '--routing-queued-newest', min: 0, max: 1_000_000 },
};

export function parseRoutingOptions(argv: readonly string[]): RoutingOptions {
  return parseIntegerFlags(argv, ROUTING_DEFAULTS, FLAGS);
}
