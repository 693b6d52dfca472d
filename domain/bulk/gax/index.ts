export { gaxAgentDialect, mergeAgent, normaliseFolder, parseAgentRow } from './agent-dialect';
export { gaxAgentExport } from './agent-export';
export { RELATION_KINDS, resolveGaxHeader, type GaxContext } from './header';
