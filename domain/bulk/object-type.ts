import type { ColumnSpec } from './columns';
import type { ObjectTypeId } from './object-type-ids';

/** The shape of an object type; the registry of all of them is catalog.ts. */
/** A condition on another field of the same row: `in` lists matching values; without `in`, "is not empty". */
export interface RowCondition {
  field: string;
  in?: readonly (string | boolean)[];
}

/**
 * Cross-column rules checked by parseRow on the columns present in the row (an absent column is never an error:
 * on update it keeps its stored value).
 * - requires: when the condition holds, each listed column, if present, must not be empty;
 * - forbids: when the condition holds, each listed column, if present, must be empty;
 * - member: the field's value must be the `itemField` of one of the items in `of.field`.
 */
export type RowRule =
  | { kind: 'requires'; when: RowCondition; fields: readonly string[] }
  | { kind: 'forbids'; when: RowCondition; fields: readonly string[] }
  | { kind: 'member'; field: string; of: { field: string; itemField: string } };

export interface ObjectTypeSpec {
  id: ObjectTypeId;
  label: string;
  description: string;
  format: 'csv' | 'audio-zip';
  /** Template and export column order. */
  columns: readonly ColumnSpec[];
  /** Fields forming the key; a composite key is written as its parts joined by `/` (teams: `Site/Team`). */
  keyFields: readonly string[];
  /** Types referenced by any column or item field (self excluded), in import order. Derived, never written. */
  dependsOn: readonly ObjectTypeId[];
  rules?: readonly RowRule[];
}

/** An object type as written in object-types/*.ts; the catalog derives `dependsOn`. */
export type ObjectTypeDefinition = Omit<ObjectTypeSpec, 'dependsOn'>;

/** Separator of the parts of a composite key (names cannot contain it). */
export const KEY_SEPARATOR = '/';
