/**
 * Saving and loading models in the TensorFlow.js layers format (model.json + weights.bin) on
 * the local file system, without tfjs-node's file:// handler (which the portable backends lack).
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { makeFolders, writeFileAtomic } from '../core/atomicWrite';
import { readFileBytes } from '../core/data/fileBytes';
import { readTextFile } from '../core/runFiles';

const GENERATED_BY = 'Model Spec (TensorFlow.js layers format)';

/** Saves `model` into `dir` as model.json and weights.bin, each written atomically. Returns the files. */
export async function saveModel(model: tfl.LayersModel, dir: string, opts: { weightsOnly?: boolean } = {}): Promise<string[]> {
  const files: string[] = [];
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    makeFolders(dir);
    const weightsFile = path.join(dir, 'weights.bin');
    const data = artifacts.weightData ?? new ArrayBuffer(0);
    const buffer = Array.isArray(data) ? Buffer.concat(data.map((b) => Buffer.from(b))) : Buffer.from(data);
    writeFileAtomic(weightsFile, buffer);
    const manifest = {
      ...(opts.weightsOnly ? {} : { modelTopology: artifacts.modelTopology, format: 'layers-model', generatedBy: GENERATED_BY, convertedBy: null }),
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
    };
    const jsonFile = path.join(dir, opts.weightsOnly ? 'weights.json' : 'model.json');
    writeFileAtomic(jsonFile, JSON.stringify(manifest));
    files.push(jsonFile, weightsFile);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return files;
}

/** Loads a model saved by {@link saveModel} (or any TF.js layers-format folder with one weights file group). */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  const jsonFile = path.join(dir, 'model.json');
  let manifest: { modelTopology?: object; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    manifest = JSON.parse(readTextFile(jsonFile));
  } catch (e) {
    throw new Error(`Cannot read ${jsonFile}: ${(e as Error).message}. Is ${dir} a model folder (model.json + weights.bin)?`);
  }
  if (!manifest.modelTopology) throw new Error(`${jsonFile} has no model topology (it holds weights only).`);
  const groups = manifest.weightsManifest ?? [];
  // Weight files are plain names beside model.json: a manifest cannot send the reader elsewhere.
  const valid = Array.isArray(groups) && groups.every((g) => Array.isArray(g?.paths) && Array.isArray(g.weights)
    && g.paths.every((p) => typeof p === 'string' && p !== '' && path.basename(p) === p && p !== '.' && p !== '..'));
  if (!valid) throw new Error(`${jsonFile} has a weights manifest that is not a list of weight files beside it; save the model again.`);
  const weightSpecs = groups.flatMap((g) => g.weights);
  const buffers = groups.flatMap((g) => g.paths.map((p) => readFileBytes(path.join(dir, p))));
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs, weightData }));
}
