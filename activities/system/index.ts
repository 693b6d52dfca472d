import type { ActivityDeps } from '../deps';

export function createSystemActivities({ db }: ActivityDeps) {
  return {
    /** Idempotent: the ping id is the document id, so a retried activity rewrites the same document. */
    async recordPing(input: {
      tenantId: string;
      pingId: string;
      message: string;
      workflowId: string;
    }): Promise<string> {
      const recordedAt = new Date();
      await db.pings.updateOne(
        { _id: input.pingId },
        {
          $set: { tenantId: input.tenantId, message: input.message, workflowId: input.workflowId },
          $setOnInsert: { recordedAt },
        },
        { upsert: true },
      );
      return recordedAt.toISOString();
    },
  };
}

export type SystemActivities = ReturnType<typeof createSystemActivities>;
