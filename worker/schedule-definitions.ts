import type { ScheduleOptions } from '@temporalio/client';
import type { Config } from '../domain/config';

/** Every schedule the workers own. Filled by capabilities (bulk retention purge, …). */
export function workerSchedules(_config: Config): ScheduleOptions[] {
  return [];
}
