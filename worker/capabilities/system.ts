import path from 'node:path';
import { createSystemActivities } from '../../activities/system';
import type { CapabilityWorker } from './registry';

export const systemWorker: CapabilityWorker = {
  capability: 'system',
  workflowsPath: path.resolve(__dirname, '../../workflows/system/index.ts'),
  activities: createSystemActivities,
  schedules: () => [],
};
