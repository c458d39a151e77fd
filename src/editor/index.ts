/**
 * The editor features as pure functions of the spec's text (and a cursor offset). The
 * extension's providers are thin adapters over these; the unit tests call them directly.
 */
export * from './types';
export { completions } from './completion';
export { hover } from './hover';
export { inlayHints } from './inlayHints';
export { codeLenses } from './codeLens';
export { codeActions } from './codeActions';
export { documentSymbols } from './symbols';
export { exampleForWorkspace, freeName, newSpecText } from './newSpec';
/** The analysis every feature above shares; a diagnostics provider that uses it saves one `analyze` per change. */
export { analysisOf } from './analysisCache';
