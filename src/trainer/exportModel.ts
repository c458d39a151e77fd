/** `modelspec export`: the initialized model of a spec, in the TensorFlow.js layers format. */
import * as path from 'path';
import type { ResolvedSpec } from '../core/resolve';
import { initBackend } from './backend';
import { buildModel } from './buildModel';
import { saveModel } from './modelFiles';

/** Builds the spec's model with its Keras initializers and writes it into `outDir`. */
export async function exportInitialized(spec: ResolvedSpec, outDir: string): Promise<string[]> {
  // Initial weights are drawn in JavaScript, so the plain cpu backend gives the same files as any other.
  await initBackend('cpu');
  const model = buildModel(spec);
  try {
    return await saveModel(model, path.resolve(outDir));
  } finally {
    model.dispose();
  }
}
