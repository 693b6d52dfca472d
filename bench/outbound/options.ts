/**
 * Options of the outbound benchmarks (outbound-list-jobs, outbound-assign-async; issue 11), parsed from the same
 * command line as bench/run.ts's (which lets every `--name=value` through):
 *
 *   --outbound-jobs=N            jobs seeded for outbound-list-jobs (default 10000)
 *   --outbound-requests=N        ListJobs requests measured, and reads of each baseline (default 200, after 20 warm-up)
 *   --outbound-assign-jobs=N     jobs of the one AssignJobsAsync call of outbound-assign-async (default 10000)
 *   --outbound-assign-timeout=S  seconds outbound-assign-async waits for every job to be Scheduling (default 1800)
 */
import { parseIntegerFlags } from '../child-process';

export interface OutboundOptions {
  jobs: number;
  requests: number;
  assignJobs: number;
  assignTimeoutS: number;
}

export const OUTBOUND_DEFAULTS: OutboundOptions = {
  jobs: 10_000,
  requests: 200,
  assignJobs: 10_000,
  assignTimeoutS: 1800,
};

const FLAGS: Record<keyof OutboundOptions, { flag: string; min: number; max: number }> = {
  // ListJobs asks for 99 distinct ids.
  jobs: { flag: '--outbound-jobs', min: 99, max: 1_000_000 },
  requests: { flag: '--outbound-requests', min: 1, max: 100_000 },
  assignJobs: { flag: '--outbound-assign-jobs', min: 1, max: 100_000 },
  assignTimeoutS: { flag: '--outbound-assign-timeout', min: 10, max: 24 * 3600 },
};

export function parseOutboundOptions(argv: readonly string[]): OutboundOptions {
  return parseIntegerFlags(argv, OUTBOUND_DEFAULTS, FLAGS);
}
