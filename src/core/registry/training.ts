/**
 * The choices of how to train: TensorFlow.js backends and training engines. The CLI flags, the
 * trainer protocol and the extension's settings (package.json, checked by a test) all list these.
 */

/** TensorFlow.js backends, `auto` first. */
export const BACKENDS = [
  { name: 'auto', doc: '`@tensorflow/tfjs-node` when it loads, else WebAssembly, else plain JavaScript.' },
  { name: 'tensorflow', doc: 'Native TensorFlow through `@tensorflow/tfjs-node` (an error when it is not installed).' },
  { name: 'wasm', doc: 'WebAssembly with SIMD: portable, no native download.' },
  { name: 'cpu', doc: 'Plain JavaScript: slowest, works everywhere.' },
] as const;

/** Which TensorFlow.js backend to use: auto tries tfjs-node, then wasm, then cpu. */
export type BackendChoice = (typeof BACKENDS)[number]['name'];

/** Training engines, `auto` first. */
export const ENGINES = [
  { name: 'auto', doc: 'The fused WebAssembly kernel when the spec fits it and the backend is `auto` (for AdamW and Nadam, any backend), else TensorFlow.js.' },
  { name: 'kernel', doc: 'Always the fused WebAssembly kernel: training fails with the reason when the spec does not fit it.' },
  { name: 'tfjs', doc: 'Always TensorFlow.js, on the chosen backend.' },
] as const;

/** Which engine trains: auto uses the fused WebAssembly kernel when the spec fits it. */
export type EngineChoice = (typeof ENGINES)[number]['name'];

/** The names of `choices`, for flag checks and usage lines. */
export function choiceNames<T extends string>(choices: readonly { name: T }[]): T[] {
  return choices.map((c) => c.name);
}
