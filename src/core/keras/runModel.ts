/**
 * A run folder's trained model as Keras files, without TensorFlow.js: the resolved `spec.json`
 * and the weights of `model/model.json` + `weights.bin` (the TensorFlow.js layers format, whose
 * manifest names each float32 array `<layer>/<variable>`), written by the Keras writers. The
 * CLI (`modelspec export --run`) and the panel's Export to Keras... both call this.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ResolvedSpec } from '../resolve';
import { kerasWeightNames } from './kerasWeights';
import { writeKerasFile, writeLegacyH5, writeWeightsH5, type ModelWeights } from './kerasWriters';
import { kerasModelLayers } from './toKerasConfig';

/** A run folder that cannot be exported; the message says what is missing and what to do. */
export class RunModelError extends Error {}

/** The Keras file formats a run exports to. */
export type KerasFormat = 'keras' | 'h5' | 'weights.h5';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype?: string;
}

interface Manifest {
  weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
}

function readJson<T>(file: string, what: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new RunModelError(`The run has no ${what} (${file}): is it a run folder made by "modelspec train", and did the run finish?`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new RunModelError(`The run's ${what} (${file}) is not valid JSON; train the spec again.`);
  }
}

/**
 * The arrays of a TensorFlow.js weights manifest by name (`dense/kernel`), sliced from its
 * weight files in order. Only float32 is read: the trainer saves nothing else.
 */
function manifestArrays(modelDir: string, manifest: Manifest): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of manifest.weightsManifest ?? []) {
    const bytes = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(modelDir, path.basename(p)))));
    let at = 0;
    for (const w of group.weights) {
      if ((w.dtype ?? 'float32') !== 'float32') throw new RunModelError(`The run's weight ${w.name} is ${w.dtype}; only float32 weights can be written to Keras files.`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (at + 4 * n > bytes.length) throw new RunModelError(`The run's weights file is shorter than its manifest says (at ${w.name}); train the spec again.`);
      // Copied out of the Buffer's pool so the array owns aligned memory.
      out.set(w.name, { shape: [...w.shape], data: new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + 4 * n)) });
      at += 4 * n;
    }
  }
  return out;
}

/** A run's resolved spec and its trained weights in Keras's layer and variable order. */
export function readRunModel(runDir: string): { spec: ResolvedSpec; weights: ModelWeights } {
  const spec = readJson<ResolvedSpec>(path.join(runDir, 'spec.json'), 'resolved spec (spec.json)');
  const modelDir = path.join(runDir, 'model');
  const arrays = manifestArrays(modelDir, readJson<Manifest>(path.join(modelDir, 'model.json'), 'trained model (model/model.json)'));
  const weights = kerasModelLayers(spec).map((l) => kerasWeightNames(l.type, l.args).map((n) => {
    const w = arrays.get(`${l.name}/${n}`);
    if (!w) throw new RunModelError(`The run's model has no weight ${l.name}/${n}, which its spec.json describes; train the spec again.`);
    return w;
  }));
  return { spec, weights };
}

/** Writes a run's trained model at `out` (atomically) as a `.keras`, `.h5` or `.weights.h5` file; returns the files written. */
export async function writeRunAsKeras(runDir: string, out: string, format: KerasFormat): Promise<string[]> {
  const { spec, weights } = readRunModel(runDir);
  const write = format === 'keras' ? writeKerasFile : format === 'h5' ? writeLegacyH5 : writeWeightsH5;
  await write(out, spec, weights);
  return [out];
}
