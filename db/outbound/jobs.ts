/**
 * The outbound jobs' read model, written by each job's workflow (and first by whoever created the job, so a job is
 * listed as soon as AssignJobs answers). Two collections, both keyed `{tenantId}/{jobId}` and written with the same
 * version (db/read-model.ts: an older write never overwrites a newer one):
 *
 * - `outbound_jobs`: the job's wire form (domain/outbound/records.ts JobView) as JSON text. `ListJobs` and
 *   `DescribeJob` read it by `_id` only, the one query shape the embedded FerretDB answers from an index.
 * - `outbound_job_index`: small documents with the fields lists filter on (group, instance, reference id, status,
 *   failure reason). `ListJobsByGroup`, group progress and Cancel/Suspend/ResumeJobs query it; MongoDB serves those
 *   queries from the declared indexes, FerretDB scans these small documents (docs/outbound.md "Read model").
 *
 * Plus `outbound_assign_tasks`: the result of each AssignJobsAsync call, written by its workflow.
 */
import { type Connection, Schema } from 'mongoose';
import { type JobStatus, type JobView, jobViewSchema } from '../../domain/outbound/records';
import { mapBounded } from '../bounded';
import { upsertVersioned } from '../read-model';

const jobSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    version: { type: Number, required: true },
    /** JSON text of the JobView. */
    body: { type: String, required: true },
  },
  { versionKey: false },
);

const indexSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    instanceId: { type: String, required: true },
    jobGroupId: { type: String, required: true },
    jobId: { type: String, required: true },
    referenceId: { type: String, default: '' },
    status: { type: String, required: true },
    failureReason: { type: String, default: '' },
    /** Creation order: epoch ms, then the position in its AssignJobs call. */
    createdAt: { type: Number, required: true },
    position: { type: Number, required: true },
    version: { type: Number, required: true },
  },
  { versionKey: false },
);
indexSchema.index({ tenantId: 1, jobGroupId: 1, status: 1, createdAt: 1 });
indexSchema.index({ tenantId: 1, instanceId: 1, status: 1 });
indexSchema.index({ tenantId: 1, instanceId: 1, referenceId: 1 });

const assignTaskSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    /** JSON text of AssignTaskResult. */
    body: { type: String, required: true },
  },
  { versionKey: false },
);

export const outboundJobModel = (connection: Connection) => connection.model('OutboundJob', jobSchema, 'outbound_jobs');
export const outboundJobIndexModel = (connection: Connection) =>
  connection.model('OutboundJobIndex', indexSchema, 'outbound_job_index');
export const outboundAssignTaskModel = (connection: Connection) =>
  connection.model('OutboundAssignTask', assignTaskSchema, 'outbound_assign_tasks');

const docId = (tenantId: string, id: string): string => `${tenantId}/${id}`;

/** One job's read model write. */
export interface JobWrite {
  tenantId: string;
  view: JobView;
  version: number;
  createdAt: number;
  position: number;
}

export interface JobFilter {
  instanceId: string;
  jobGroupId?: string;
  statuses?: readonly string[];
  failureReason?: string;
  jobIds?: readonly string[];
  referenceIds?: readonly string[];
}

export interface JobIndexEntry {
  jobId: string;
  jobGroupId: string;
  status: JobStatus;
  referenceId: string;
}

/** Group progress counters (DescribeJobGroup / ListJobGroups `Progress`), true at read time. */
export interface JobProgress {
  total: number;
  byStatus: Partial<Record<JobStatus, number>>;
}

export interface AssignTaskResult {
  jobGroupId: string;
  jobsId: string[];
  /** True once every job exists. */
  valid: boolean;
  timeout: boolean;
  /** Why the task stopped early, when it did. */
  error?: string;
}

export interface OutboundJobStore {
  /** Versioned write of the job's wire form and its index entry (an older version is dropped). */
  put(write: JobWrite): Promise<void>;
  /** Many new jobs at once (AssignJobs): inserts, skipping any that already exist. */
  insertMany(writes: readonly JobWrite[]): Promise<void>;
  get(tenantId: string, jobId: string): Promise<JobView | undefined>;
  /** The jobs that exist among `jobIds`, in the order asked (by `_id`, in parallel). */
  getMany(tenantId: string, jobIds: readonly string[]): Promise<JobView[]>;
  /** A page of a group's jobs in creation order, with the total matching. */
  page(
    tenantId: string,
    filter: JobFilter & { jobGroupId: string },
    skip: number,
    limit: number,
  ): Promise<{ total: number; jobs: JobView[] }>;
  /** Index entries matching the filter (Cancel/Suspend/ResumeJobs). */
  find(tenantId: string, filter: JobFilter): Promise<JobIndexEntry[]>;
  progress(tenantId: string, jobGroupId: string): Promise<JobProgress>;
  putAssignTask(tenantId: string, asyncTaskId: string, result: AssignTaskResult): Promise<void>;
  getAssignTask(tenantId: string, asyncTaskId: string): Promise<AssignTaskResult | undefined>;
}

/** Concurrent `_id` reads per ListJobs: all 99 at once measured 10–24 % faster than 25 (docs/benchmarks.md). */
const READS_IN_FLIGHT = 99;

export function outboundJobStore(connection: Connection): OutboundJobStore {
  const jobs = outboundJobModel(connection);
  const index = outboundJobIndexModel(connection);
  const assignTasks = outboundAssignTaskModel(connection);
  const parse = (body: string): JobView => jobViewSchema.parse(JSON.parse(body));

  const indexFields = ({ tenantId, view, createdAt, position }: JobWrite) => ({
    tenantId,
    instanceId: view.InstanceId,
    jobGroupId: view.JobGroupId,
    jobId: view.JobId,
    referenceId: view.ReferenceId,
    status: view.Status,
    failureReason: view.FailureReason,
    createdAt,
    position,
  });

  const queryOf = (tenantId: string, filter: JobFilter): Record<string, unknown> => ({
    tenantId,
    instanceId: filter.instanceId,
    ...(filter.jobGroupId === undefined ? {} : { jobGroupId: filter.jobGroupId }),
    ...(filter.statuses === undefined ? {} : { status: { $in: [...filter.statuses] } }),
    ...(filter.failureReason === undefined ? {} : { failureReason: filter.failureReason }),
  });

  const getMany = async (tenantId: string, jobIds: readonly string[]): Promise<JobView[]> => {
    const docs = await mapBounded(jobIds, READS_IN_FLIGHT, (jobId) =>
      jobs.findById(docId(tenantId, jobId), { body: 1 }).lean(),
    );
    return docs.flatMap((doc) => (doc ? [parse(doc.body)] : []));
  };

  return {
    async put(write) {
      const _id = docId(write.tenantId, write.view.JobId);
      const body = JSON.stringify(write.view);
      const where = { tenantId: write.tenantId };
      // The body first: once the index shows a status (ListJobsByGroup filters and counts on it), every body it
      // lists shows that status or a newer one.
      await upsertVersioned(jobs, { _id, version: write.version, where, set: { body } });
      await upsertVersioned(index, { _id, version: write.version, where, set: indexFields(write) });
    },
    async insertMany(writes) {
      if (writes.length === 0) return;
      const options = { ordered: false } as const;
      const ignoreDuplicates = (error: unknown): void => {
        const codes = (error as { writeErrors?: { code?: number }[] }).writeErrors?.map((e) => e.code) ?? [];
        if (codes.length === 0 || codes.some((code) => code !== 11000)) throw error;
      };
      // Bodies first, as in put(): every job the index lists can be read.
      await jobs
        .insertMany(
          writes.map((write) => ({
            _id: docId(write.tenantId, write.view.JobId),
            tenantId: write.tenantId,
            version: write.version,
            body: JSON.stringify(write.view),
          })),
          options,
        )
        .catch(ignoreDuplicates);
      await index
        .insertMany(
          writes.map((write) => ({
            _id: docId(write.tenantId, write.view.JobId),
            version: write.version,
            ...indexFields(write),
          })),
          options,
        )
        .catch(ignoreDuplicates);
    },
    async get(tenantId, jobId) {
      const doc = await jobs.findById(docId(tenantId, jobId), { body: 1 }).lean();
      return doc ? parse(doc.body) : undefined;
    },
    getMany,
    async page(tenantId, filter, skip, limit) {
      const query = queryOf(tenantId, filter);
      const [total, entries] = await Promise.all([
        index.countDocuments(query),
        index.find(query, { jobId: 1 }).sort({ createdAt: 1, position: 1 }).skip(skip).limit(limit).lean(),
      ]);
      return {
        total,
        jobs: await getMany(
          tenantId,
          entries.map((entry) => entry.jobId),
        ),
      };
    },
    async find(tenantId, filter) {
      const query = queryOf(tenantId, filter);
      if (filter.jobIds !== undefined || filter.referenceIds !== undefined) {
        const or: Record<string, unknown>[] = [];
        if (filter.jobIds?.length) or.push({ jobId: { $in: [...filter.jobIds] } });
        if (filter.referenceIds?.length) or.push({ referenceId: { $in: [...filter.referenceIds] } });
        if (or.length === 0) return [];
        query.$or = or;
      }
      const entries = await index
        .find(query, { jobId: 1, jobGroupId: 1, status: 1, referenceId: 1 })
        .sort({ createdAt: 1, position: 1 })
        .lean();
      return entries.map((entry) => ({
        jobId: entry.jobId,
        jobGroupId: entry.jobGroupId,
        status: entry.status as JobStatus,
        referenceId: entry.referenceId ?? '',
      }));
    },
    async progress(tenantId, jobGroupId) {
      const rows = await index.aggregate<{ _id: JobStatus; count: number }>([
        { $match: { tenantId, jobGroupId } },
        { $group: { _id: '$status', count: { $sum: 1 } } },
      ]);
      const byStatus: Partial<Record<JobStatus, number>> = {};
      let total = 0;
      for (const row of rows) {
        byStatus[row._id] = row.count;
        total += row.count;
      }
      return { total, byStatus };
    },
    async putAssignTask(tenantId, asyncTaskId, result) {
      await assignTasks.replaceOne(
        { _id: docId(tenantId, asyncTaskId) },
        { tenantId, body: JSON.stringify(result) },
        { upsert: true },
      );
    },
    async getAssignTask(tenantId, asyncTaskId) {
      const doc = await assignTasks.findById(docId(tenantId, asyncTaskId), { body: 1 }).lean();
      return doc ? (JSON.parse(doc.body) as AssignTaskResult) : undefined;
    },
  };
}
