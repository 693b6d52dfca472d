import path from 'node:path';
import { createRoutingActivities } from '../../activities/routing';
import type { CapabilityWorker } from './registry';

export const routingWorker: CapabilityWorker = {
  capability: 'routing',
  workflowsPath: path.resolve(__dirname, '../../workflows/routing/index.ts'),
  activities: createRoutingActivities,
  schedules: () => [],
};
