/**
 * `modelspec export`: a spec's initialized model, or a run's trained one, in the TensorFlow.js
 * layers format or as a Keras `.keras` / `.h5` file.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ResolvedSpec } from '../core/resolve';
import { initBackend } from './backend';
import { buildModel } from './buildModel';
import { prepareInitialWeights } from './initialWeights';
import { exportRunModel } from './evaluateRun';
import { writeKerasFile, writeLegacyH5, writeWeightsH5 } from '../core/keras/kerasWriters';
import { writeRunAsKeras } from '../core/keras/runModel';
import { modelWeights } from './keras/modelWeights';
import { saveModel } from './modelFiles';

/** The model files `export` and ModelCheckpoint write. */
export type ModelFormat = 'tfjs' | 'keras' | 'h5' | 'weights.h5';

/**
 * Writes `model` in `format` at `out` (a folder for `tfjs`, else a file); returns the files written.
 * `weightsOnly` applies to the TensorFlow.js folder (a `.weights.h5` file holds weights only anyway).
 */
export async function saveModelAs(model: tfl.LayersModel, spec: ResolvedSpec, format: ModelFormat, out: string, weightsOnly = false): Promise<string[]> {
  switch (format) {
    case 'tfjs': return saveModel(model, out, { weightsOnly });
    case 'keras': await writeKerasFile(out, spec, modelWeights(model, spec)); break;
    case 'h5': await writeLegacyH5(out, spec, modelWeights(model, spec)); break;
    case 'weights.h5': await writeWeightsH5(out, spec, modelWeights(model, spec)); break;
  }
  return [out];
}

/**
 * Builds the spec's model with its Keras initializers (or its `initial_weights`, relative to
 * `specDir`) and writes it at `out` in `format`.
 */
export async function exportInitialized(spec: ResolvedSpec, out: string, format: ModelFormat = 'tfjs', specDir = '.'): Promise<string[]> {
  // Initial weights are drawn in JavaScript, so the plain cpu backend gives the same files as any other.
  await initBackend('cpu');
  await prepareInitialWeights(spec, specDir);
  const model = buildModel(spec);
  try {
    return await saveModelAs(model, spec, format, path.resolve(out));
  } finally {
    model.dispose();
  }
}

/**
 * Writes a run's trained model (`<run>/model` with the run's resolved `spec.json`) at `out` in
 * `format`: the TensorFlow.js folder copied, or a Keras file from its weights (core/keras/runModel.ts,
 * which the panel's Export to Keras... uses too).
 */
export async function exportTrained(runDir: string, out: string, format: ModelFormat): Promise<string[]> {
  if (format === 'tfjs') return exportRunModel(runDir, out);
  return writeRunAsKeras(runDir, out, format);
}

/** Whether a run folder has a trained model to export (checked before the output path is touched). */
export function runHasModel(runDir: string): boolean {
  return fs.existsSync(path.join(runDir, 'model', 'model.json'));
}
