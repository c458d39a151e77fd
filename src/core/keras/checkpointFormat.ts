/**
 * Which file a ModelCheckpoint path becomes. Keras 3's ModelCheckpoint
 * (keras/src/callbacks/model_checkpoint.py) requires `.weights.h5` with `save_weights_only`, and
 * `.keras` or `.h5` without it; those paths are written in those formats. Any other path is
 * written as a TensorFlow.js layers-format folder (Keras would refuse it).
 */

/** `keras`: a `.keras` zip; `h5`: a legacy whole-model HDF5; `weights.h5`: Keras 3 weights only; `tfjs`: a folder. */
export type CheckpointFormat = 'keras' | 'h5' | 'weights.h5' | 'tfjs';

/** The format a checkpoint path (or path template) is saved in. */
export function checkpointFormat(filepath: string, weightsOnly: boolean): CheckpointFormat {
  if (weightsOnly) return /\.weights\.h5$/i.test(filepath) ? 'weights.h5' : 'tfjs';
  if (/\.keras$/i.test(filepath)) return 'keras';
  return /\.h5$/i.test(filepath) ? 'h5' : 'tfjs';
}

/**
 * Why a path that looks like a Keras file is still written as a TensorFlow.js folder, or
 * undefined when it is written as Keras would write it (or does not look like a Keras file).
 */
export function checkpointFormatProblem(filepath: string, weightsOnly: boolean): string | undefined {
  if (!/\.(h5|hdf5|keras)$/i.test(filepath) || checkpointFormat(filepath, weightsOnly) !== 'tfjs') return undefined;
  const folder = tfjsCheckpointFolder(filepath);
  const rule = weightsOnly
    ? 'with "save_weights_only": true, Keras saves only to a path ending in .weights.h5'
    : 'Keras saves whole models only to paths ending in .keras or .h5';
  return `${rule}, so "${filepath}" is written as the folder "${folder}" holding TensorFlow.js layers files (model.json and weights.bin).`;
}

/** The folder a TensorFlow.js-format checkpoint is written to: the path without a Keras extension. */
export function tfjsCheckpointFolder(filepath: string): string {
  return filepath.replace(/\.(h5|hdf5|keras)$/i, '');
}
