import type { ActivityDeps } from './deps';
import { createSystemActivities } from './system';
import { createBulkActivities } from './bulk';

export type { ActivityDeps } from './deps';

/** The activity factory (samples-typescript pattern): dependencies in, plain async functions out. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSystemActivities(deps),
    ...createBulkActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
