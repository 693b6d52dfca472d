import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Keyword search attributes every ccflow workflow may carry; registered on the dev server at start. */
export const TenantIdAttribute = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const CapabilityAttribute = defineSearchAttributeKey('Capability', SearchAttributeType.KEYWORD);
export const ObjectTypeAttribute = defineSearchAttributeKey('ObjectType', SearchAttributeType.KEYWORD);
export const OperationKindAttribute = defineSearchAttributeKey('OperationKind', SearchAttributeType.KEYWORD);
/**
 * The status of the work a workflow does (a bulk operation's, a router job's). Not named `Status`: SQL visibility
 * stores (SQLite in the dev server, PostgreSQL, MySQL) refuse a filter on it, as it collides with their `status`
 * column ("column name 'status' is not a valid search attribute").
 */
export const StatusAttribute = defineSearchAttributeKey('WorkStatus', SearchAttributeType.KEYWORD);
export const OperationIdAttribute = defineSearchAttributeKey('OperationId', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [
  TenantIdAttribute,
  CapabilityAttribute,
  ObjectTypeAttribute,
  OperationKindAttribute,
  StatusAttribute,
  OperationIdAttribute,
] as const;

export const SEARCH_ATTRIBUTE_NAMES = SEARCH_ATTRIBUTES.map((key) => key.name);
