import type { Capability } from '../../domain/capabilities';
import { bulkWorker } from './bulk';
import type { CapabilityWorker } from './registry';
import { systemWorker } from './system';

export type { CapabilityWorker } from './registry';

/**
 * Every capability that has workflows to run. `routing` and `outbound` join this table when they are built; until
 * then a worker asked to poll them logs that there is nothing to run there.
 */
export const CAPABILITY_WORKERS: Partial<Record<Capability, CapabilityWorker>> = {
  bulk: bulkWorker,
  system: systemWorker,
};
