import type { Capability } from '../../domain/capabilities';
import { bulkWorker } from './bulk';
import { outboundWorker } from './outbound';
import type { CapabilityWorker } from './registry';
import { routingWorker } from './routing';
import { systemWorker } from './system';

export type { CapabilityWorker } from './registry';

/** Every capability that has workflows to run; a worker asked to poll one missing here logs that. */
export const CAPABILITY_WORKERS: Partial<Record<Capability, CapabilityWorker>> = {
  bulk: bulkWorker,
  outbound: outboundWorker,
  routing: routingWorker,
  system: systemWorker,
};
