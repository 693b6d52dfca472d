/**
 * The one list of ccflow's capabilities. Each has its own task queue, its own folder in every layer
 * (`api/<capability>/`, `workflows/<capability>/`, …) and its own entry in the worker registry.
 * `system` carries the end-to-end ping, so health traffic never queues behind real work.
 */
export const CAPABILITIES = ['bulk', 'routing', 'outbound', 'system'] as const;
export type Capability = (typeof CAPABILITIES)[number];
