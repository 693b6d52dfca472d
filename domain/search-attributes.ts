import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Keyword search attributes every ccflow workflow may carry; registered on the dev server at start. */
export const TenantIdAttribute = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const CapabilityAttribute = defineSearchAttributeKey('Capability', SearchAttributeType.KEYWORD);
export const ObjectTypeAttribute = defineSearchAttributeKey('ObjectType', SearchAttributeType.KEYWORD);
export const OperationKindAttribute = defineSearchAttributeKey('OperationKind', SearchAttributeType.KEYWORD);
export const StatusAttribute = defineSearchAttributeKey('Status', SearchAttributeType.KEYWORD);
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
