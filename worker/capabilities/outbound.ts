import path from 'node:path';
import { createOutboundActivities } from '../../activities/outbound';
import type { CapabilityWorker } from './registry';

export const outboundWorker: CapabilityWorker = {
  capability: 'outbound',
  workflowsPath: path.resolve(__dirname, '../../workflows/outbound/index.ts'),
  activities: createOutboundActivities,
  schedules: () => [],
};
