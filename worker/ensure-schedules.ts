import { type Client, ScheduleAlreadyRunning, type ScheduleOptions } from '@temporalio/client';

/** Creates each schedule unless it exists (dust-tt pattern): safe to run at every worker start, on every replica. */
export async function ensureSchedules(client: Client, schedules: readonly ScheduleOptions[]): Promise<void> {
  for (const schedule of schedules) {
    try {
      await client.schedule.create(schedule);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      // The schedule exists: bring its spec and action up to date with this release.
      await client.schedule.getHandle(schedule.scheduleId).update((previous) => ({
        ...previous,
        spec: schedule.spec,
        action: schedule.action,
      }));
    }
  }
}
