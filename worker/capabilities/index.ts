import type { Capability } from '../../domain/capabilities';
import { bulkWorker } from './bulk';
import type { CapabilityWorker } from './registry';
import { routingWorker } from './routing';
import { systemWorker } from './system';

export type { CapabilityWorker } from './registry';

/**
 * Every capability that has workflows to run. `outbound` joins this table when it is built; until then a worker
 * asked to poll it logs that there is nothing to run there.
 */
export const CAPABILITY_WORKERS: Partial<Record<Capability, CapabilityWorker>> = {
  bulk: bulkWorker,
  routing: routingWorker,
  system: systemWorker,
};
