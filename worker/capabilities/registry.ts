import type { ScheduleOptions } from '@temporalio/client';
import type { ActivityDeps } from '../../activities/deps';
import type { Capability } from '../../domain/capabilities';
import type { Config } from '../../domain/config';

/**
 * What a capability brings to the worker: its workflows (a bundle entry of their own, so a Worker's isolate holds
 * only its capability's code), its activities factory and the Schedules it owns. The worker creates one Worker per
 * entry, polling only that capability's task queue.
 */
export interface CapabilityWorker {
  capability: Capability;
  /** Absolute path of the workflows entry point (`workflows/<capability>/index.ts`). */
  workflowsPath: string;
  activities(deps: ActivityDeps): object;
  schedules(config: Config): ScheduleOptions[];
}
