/**
 * How router events travel (spec §7): the Event Grid schema or CloudEvents 1.0 JSON, a batch body per subscription
 * schema, and the HMAC signature a receiver verifies. The events themselves are built in events.ts.
 */
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import type { RouterEvent, RouterEventType } from './events';

/** The Event Grid `topic` (and CloudEvents `source`) of a tenant's router events. */
export const routerEventTopic = (tenantId: string): string => `/ccflow/tenants/${tenantId}`;

export interface EventGridEvent {
  id: string;
  topic: string;
  subject: string;
  data: Record<string, unknown>;
  eventType: RouterEventType;
  dataVersion: '1.0';
  metadataVersion: '1';
  eventTime: string;
}

/** The Event Grid schema (spec §7): `dataVersion` "1.0", `metadataVersion` "1". */
export function toEventGrid(event: RouterEvent, topic: string): EventGridEvent {
  return {
    id: event.id,
    topic,
    subject: event.subject,
    data: event.data,
    eventType: event.eventType,
    dataVersion: '1.0',
    metadataVersion: '1',
    eventTime: event.eventTime,
  };
}

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: RouterEventType;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}

/** CloudEvents 1.0, JSON format (as Event Grid's CloudEvents schema delivers the same events). */
export function toCloudEvent(event: RouterEvent, source: string): CloudEvent {
  return {
    specversion: '1.0',
    id: event.id,
    source,
    type: event.eventType,
    subject: event.subject,
    time: event.eventTime,
    datacontenttype: 'application/json',
    data: event.data,
  };
}

export const EVENT_SCHEMAS = ['eventGrid', 'cloudEvents'] as const;
export type EventSchema = (typeof EVENT_SCHEMAS)[number];

/** A POST body: a JSON array of events in the subscription's schema, and its content type. */
export function eventBatchBody(
  events: readonly RouterEvent[],
  schema: EventSchema,
  topic: string,
): { body: string; contentType: string } {
  if (schema === 'cloudEvents') {
    return {
      body: JSON.stringify(events.map((event) => toCloudEvent(event, topic))),
      contentType: 'application/cloudevents-batch+json; charset=utf-8',
    };
  }
  return {
    body: JSON.stringify(events.map((event) => toEventGrid(event, topic))),
    contentType: 'application/json; charset=utf-8',
  };
}

export const SIGNATURE_HEADER = 'x-ccflow-signature';
export const DELIVERY_ID_HEADER = 'x-ccflow-delivery-id';

/** The signature header's value: `sha256=` and the hex HMAC-SHA256 of the exact body bytes with the secret. */
export function eventSignature(secret: string, body: string): string {
  return `sha256=${bytesToHex(hmac(sha256, utf8ToBytes(secret), utf8ToBytes(body)))}`;
}
