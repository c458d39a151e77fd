/**
 * `modelspec evaluate <run>`: a trained run's final model on its spec's test split, with the
 * same metrics and classification report as the end of training.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../core/atomicWrite';
import { loadDataset } from '../core/data/load';
import type { ResolvedSpec } from '../core/resolve';
import { initBackend, type BackendChoice } from './backend';
import { classify } from './classification';
import { compileModel } from './compileModel';
import { SplitEvaluator } from './engines';
import { loadModel } from './modelFiles';
import type { Classification, Metrics, RunResult } from '../shared/trainerProtocol';

export interface RunEvaluation {
  runDir: string;
  backend: string;
  backendReason: string;
  testCount: number;
  metrics: Metrics;
  classification?: Classification;
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(err.code === 'ENOENT' ? `${file} is missing: is ${path.dirname(file)} a run folder made by "modelspec train"?` : `Cannot read ${what} ${file}: ${err.message}`);
  }
}

/** Evaluates the model in `runDir/model` on the test split of the run's resolved spec. */
export async function evaluateRun(runDir: string, opts: { backend: BackendChoice; cacheDir?: string; allowDownload?: boolean }): Promise<RunEvaluation> {
  const spec = readJson<ResolvedSpec>(path.join(runDir, 'spec.json'), 'the run spec');
  const result = readJson<Partial<RunResult>>(path.join(runDir, 'result.json'), 'the run result');
  if (!fs.existsSync(path.join(runDir, 'model', 'model.json'))) {
    throw new Error(`${runDir} has no trained model (model/model.json): the run ${result.status === 'failed' ? 'failed' : 'did not finish'} before saving one.`);
  }
  if (!spec.data) throw new Error(`The run's spec has no "data" section, so there is no test split to evaluate on.`);
  const backend = await initBackend(opts.backend);
  // Data paths are relative to the original spec file.
  const baseDir = result.specPath ? path.dirname(result.specPath) : runDir;
  const { limit: _ignored, ...dataSpec } = spec.data;
  const data = await loadDataset(dataSpec, { baseDir, cacheDir: opts.cacheDir, allowDownload: opts.allowDownload });
  if (!data.test) throw new Error('The run\'s spec has no test split: add "test" files to its "data" section (built-in datasets have one).');
  const model = await loadModel(path.join(runDir, 'model'));
  try {
    compileModel(model, spec);
    const test = data.test;
    const evaluator = new SplitEvaluator(model, spec);
    const metrics = await evaluator.evaluate(test).finally(() => evaluator.dispose());
    const classification = classify(model, test, spec);
    return {
      runDir, backend: backend.name, backendReason: backend.reason, testCount: test.count, metrics,
      ...(classification ? { classification } : {}),
    };
  } finally {
    model.dispose();
  }
}

/** Copies a run's trained model (model.json + weights.bin) into `outDir`, each file atomically. */
export function exportRunModel(runDir: string, outDir: string): string[] {
  const from = path.join(runDir, 'model');
  if (!fs.existsSync(path.join(from, 'model.json'))) {
    throw new Error(`${runDir} has no trained model (model/model.json): is it a run folder made by "modelspec train", and did the run finish?`);
  }
  fs.mkdirSync(outDir, { recursive: true });
  return fs.readdirSync(from).filter((f) => /\.(json|bin)$/.test(f)).map((f) => {
    const to = path.join(outDir, f);
    writeFileAtomic(to, fs.readFileSync(path.join(from, f)));
    return to;
  });
}
