/**
 * A worker as the tenant's router keeps it (spec §3.6, §6.5): the upsert of its resource, the registration
 * transitions, what it holds, and the two ways it is shown — the wire resource of GET / PATCH and the compact
 * summary of the list index. Pure, used inside the router workflow.
 */
import { type Conditions, preconditionFailure } from './conditional';
import type { Outcome } from './job-lifecycle';
import {
  channelJobCount,
  consumedCapacity,
  type HeldAssignment,
  type HeldOffer,
  loadRatio,
  workerState,
} from './matching';
import type { ResourceView, RouterWorkerRecord } from './messages';
import type { RouterWorker } from './models';
import { upsertResource } from './upsert';
import { computeEtag, formatTimestamp, toWire } from './wire';

export interface WorkerUpsertRequest extends Conditions {
  workerId: string;
  patch: unknown;
}

export interface WorkerUpsert {
  /** The previous record itself when nothing changed (the ETag is kept, spec §6.1). */
  record: RouterWorkerRecord;
  created: boolean;
  /** availableForOffers went from true to false: its pending offers must be revoked (§6.5). */
  deregistered: boolean;
}

/**
 * Versioned, and salted with the time the worker was created: a worker deleted and created again never gets back an
 * ETag of its earlier life. Hashing a few fields keeps it cheap: the router computes one on every offer.
 */
const etagOf = (record: Pick<RouterWorkerRecord, 'resource' | 'createdAt'>, version: number): string =>
  computeEtag({ id: record.resource.id, createdAt: record.createdAt ?? 0, version });

export function upsertWorkerRecord(
  previous: RouterWorkerRecord | undefined,
  request: WorkerUpsertRequest,
  now: number,
): Outcome<WorkerUpsert> {
  const failure = preconditionFailure(previous, request, `Worker ${request.workerId}`);
  if (failure) return { ok: false, error: failure };
  // Workers have no server-generated ids beyond the auto-added `Id` label.
  const outcome = upsertResource('workers', previous?.resource, request.patch, {
    id: request.workerId,
    now,
    newId: () => request.workerId,
  });
  if (!outcome.ok) return { ok: false, error: outcome.error };
  const resource: RouterWorker = outcome.resource;
  if (!previous) {
    const record: RouterWorkerRecord = {
      resource,
      etag: etagOf({ resource, createdAt: now }, 1),
      createdAt: now,
      updatedAt: now,
      version: 1,
      offers: [],
      assignments: [],
      availableSince: now,
      registeredAt: resource.availableForOffers ? now : 0,
    };
    return { ok: true, value: { record, created: true, deregistered: false } };
  }
  if (!outcome.changed) return { ok: true, value: { record: previous, created: false, deregistered: false } };
  const wasAvailable = previous.resource.availableForOffers;
  const registered = !wasAvailable && resource.availableForOffers;
  const version = previous.version + 1;
  const idle = previous.offers.length + previous.assignments.length === 0;
  const record: RouterWorkerRecord = {
    ...previous,
    resource,
    version,
    etag: etagOf(previous, version),
    updatedAt: now,
    registeredAt: registered ? now : previous.registeredAt,
    availableSince: registered && idle ? now : previous.availableSince,
  };
  return {
    ok: true,
    value: { record, created: false, deregistered: wasAvailable && !resource.availableForOffers },
  };
}

/** The record after its offers or assignments changed: a new version; idle again = available since now. */
export function withHoldings(
  record: RouterWorkerRecord,
  offers: HeldOffer[],
  assignments: HeldAssignment[],
  now: number,
): RouterWorkerRecord {
  const wasBusy = record.offers.length + record.assignments.length > 0;
  const version = record.version + 1;
  return {
    ...record,
    offers,
    assignments,
    version,
    etag: etagOf(record, version),
    updatedAt: now,
    availableSince: wasBusy && offers.length + assignments.length === 0 ? now : record.availableSince,
  };
}

const holdingsOf = (record: RouterWorkerRecord) => ({
  availableForOffers: record.resource.availableForOffers,
  capacity: record.resource.capacity,
  offers: record.offers,
  assignments: record.assignments,
});

/** The worker as GET and PATCH show it: state, offers, assignedJobs and loadRatio derived from what it holds. */
export function workerView(record: RouterWorkerRecord): ResourceView {
  const holdings = holdingsOf(record);
  const resource = toWire(
    {
      ...record.resource,
      state: workerState(holdings),
      offers: record.offers.map((offer) => ({
        offerId: offer.offerId,
        jobId: offer.jobId,
        capacityCost: offer.capacityCost,
        offeredAt: formatTimestamp(offer.offeredAt),
        expiresAt: formatTimestamp(offer.expiresAt),
      })),
      assignedJobs: record.assignments.map((assignment) => ({
        assignmentId: assignment.assignmentId,
        jobId: assignment.jobId,
        capacityCost: assignment.capacityCost,
        assignedAt: formatTimestamp(assignment.assignedAt),
      })),
      loadRatio: loadRatio(holdings),
    },
    record.etag,
  );
  // The ETag is versioned (it changes with offers too), not toWire's content hash.
  return { resource, etag: record.etag, updatedAt: record.updatedAt };
}

/** Channels on which the worker could take one more job now (`hasCapacity`, spec §2.2 op 28). */
export function freeChannels(record: RouterWorkerRecord): string[] {
  const holdings = holdingsOf(record);
  const consumed = consumedCapacity(holdings);
  return record.resource.channels
    .filter(
      (channel) =>
        consumed + channel.capacityCostPerJob <= record.resource.capacity &&
        (channel.maxNumberOfJobs === undefined ||
          channelJobCount(holdings, channel.channelId) < channel.maxNumberOfJobs),
    )
    .map((channel) => channel.channelId);
}

/** The worker's entry in the list index: what the list filters test. */
export function workerSummary(record: RouterWorkerRecord): Record<string, unknown> {
  return {
    state: workerState(holdingsOf(record)),
    queues: record.resource.queues,
    channels: record.resource.channels.map((channel) => channel.channelId),
    freeChannels: freeChannels(record),
  };
}
