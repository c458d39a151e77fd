/**
 * `modelspec evaluate <run>`: a trained run's final model on its spec's test split, with the
 * same metrics and classification report as the end of training.
 *
 * A run folder may have been edited or come from elsewhere, so nothing in it is trusted:
 * result.json and spec.json are checked before use, and data files are read only as the spec
 * file the run came from names them. A run whose data are files (not a built-in dataset) is
 * evaluated only when the spec file at its `specPath` still exists and names the same data
 * section as the run's spec.json; paths then start from that spec file's folder, as in training.
 * So a tampered `specPath` or spec.json can make evaluate read only what training that spec
 * file would read.
 */
import * as fs from 'fs';
import * as path from 'path';
import { analyze } from '../core/analyze';
import { makeFolders, writeFileAtomic } from '../core/atomicWrite';
import { checkDataSpec } from '../core/data/checkDataSpec';
import { checkExamplesFit, checkLabelsFit, DataError, loadDataset } from '../core/data/load';
import { specNameFromFile } from '../core/diagnostics';
import { lookupLoss, lookupOptimizer } from '../core/registry';
import { resolveSpec, type ResolvedSpec } from '../core/resolve';
import { readTextFile, RunFileError, runFolderStatus, THIS_MACHINE, type ProcessProbe, type RunFolderStatus } from '../core/runFiles';
import { RUN_FILES, RUN_FOLDERS } from '../core/runFiles';
import { initBackend, type BackendChoice } from './backend';
import { classify } from './classification';
import { compileModel } from './compileModel';
import { SplitEvaluator } from './engines';
import { loadModel } from './modelFiles';
import type { Classification, Metrics } from '../shared/trainerProtocol';

export interface RunEvaluation {
  runDir: string;
  /** As result.json says, or `interrupted` for a run marked running whose trainer is gone. */
  status: RunFolderStatus;
  backend: string;
  backendReason: string;
  testCount: number;
  metrics: Metrics;
  classification?: Classification;
}

/** The parts of result.json evaluate uses, checked. */
interface RunRecord {
  specPath: string;
  variant: string | null;
  status: RunFolderStatus;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `"status" must be a string, but is null.` */
function wrong(field: string, expected: string, value: unknown): string {
  const shown = value === undefined ? 'missing' : JSON.stringify(value)?.slice(0, 60) ?? String(value);
  return `"${field}" must be ${expected}, but is ${shown}`;
}

function notTrainerFile(file: string, problem: string): RunFileError {
  return new RunFileError(`${file} is not what "modelspec train" writes: ${problem}. Train the spec again to get a run folder to evaluate.`);
}

/** Reads and parses one of the run's JSON files, with a message saying what is wrong with it. */
function readJson(runDir: string, name: string): unknown {
  const file = path.join(runDir, name);
  let text: string;
  try {
    text = readTextFile(file);
  } catch (e) {
    if (e instanceof RunFileError && e.missing) throw new RunFileError(`${file} is missing: is ${runDir} a run folder made by "modelspec train"?`, 'missing');
    throw e;
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw notTrainerFile(file, 'it is not valid JSON');
  }
}

/** result.json's `specPath`, `variant` and `status` (with a live trainer check), or a RunFileError. */
export function checkRunResult(value: unknown, file: string, probe: ProcessProbe = THIS_MACHINE): RunRecord {
  if (!isObject(value)) throw notTrainerFile(file, 'it holds no JSON object');
  const problem =
    (typeof value.specPath !== 'string' || !path.isAbsolute(value.specPath) ? wrong('specPath', 'the absolute path of the spec file', value.specPath) : undefined)
    ?? (value.variant !== null && value.variant !== undefined && typeof value.variant !== 'string' ? wrong('variant', 'a variant name or null', value.variant) : undefined)
    ?? (typeof value.status !== 'string' ? wrong('status', 'one of "running", "completed", "cancelled", "failed"', value.status) : undefined);
  if (problem) throw notTrainerFile(file, problem);
  return { specPath: value.specPath as string, variant: (value.variant as string | null | undefined) ?? null, status: runFolderStatus({ status: value.status, pid: value.pid, hostname: value.hostname }, probe) };
}

const isShape = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && v.every((d) => d === null || (Number.isInteger(d) && (d as number) > 0));

/** The first thing in spec.json that evaluation could not use, or undefined. */
function runSpecProblem(s: Record<string, unknown>): string | undefined {
  const layers = s.layers;
  if (!Array.isArray(layers) || layers.length === 0) return wrong('layers', 'a list of layers', layers);
  const bad = layers.findIndex((l) => !isObject(l) || typeof l.type !== 'string' || !isShape(l.inputShape) || !isShape(l.outputShape) || !isObject(l.args));
  if (bad >= 0) return `layers[${bad}] must be a resolved layer (type, args, inputShape, outputShape)`;
  const compile = s.compile;
  if (!isObject(compile)) return wrong('compile', 'an object', compile);
  const loss = compile.loss;
  if (!isObject(loss) || typeof loss.type !== 'string' || !lookupLoss(loss.type)) return wrong('compile.loss', 'a known loss', loss);
  const opt = compile.optimizer;
  if (!isObject(opt) || typeof opt.type !== 'string' || !lookupOptimizer(opt.type)) return wrong('compile.optimizer', 'a known optimizer', opt);
  const metrics = compile.metrics;
  if (!Array.isArray(metrics) || !metrics.every((m) => isObject(m) && typeof m.name === 'string' && typeof m.type === 'string')) return wrong('compile.metrics', 'a list of metrics', metrics);
  const fit = s.fit;
  if (!isObject(fit) || !Number.isInteger(fit.batch_size) || (fit.batch_size as number) < 1) return wrong('fit.batch_size', 'a positive integer', isObject(fit) ? fit.batch_size : fit);
  if (s.seed !== undefined && typeof s.seed !== 'number') return wrong('seed', 'a number', s.seed);
  if (s.data === undefined || s.data === null) return 'it has no "data" section, so there is no test split to evaluate on';
  try {
    checkDataSpec(s.data);
  } catch (e) {
    return `its data section is not valid (${(e as Error).message})`;
  }
  return undefined;
}

/** spec.json as evaluation needs it (layers with shapes, compile, batch size, a valid data section), or a RunFileError. */
export function checkRunSpec(value: unknown, file: string): ResolvedSpec {
  if (!isObject(value)) throw notTrainerFile(file, 'it holds no JSON object');
  const problem = runSpecProblem(value);
  if (problem) throw notTrainerFile(file, problem);
  return value as unknown as ResolvedSpec;
}

/** JSON with object keys sorted, so two data sections compare by content. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/**
 * The folder data paths start from. A built-in dataset reads no files the spec names: none is
 * needed. Otherwise the spec file the run came from must still name the same data section
 * (see the file comment), so a tampered run folder cannot point evaluate at other files.
 */
function dataBaseDir(spec: ResolvedSpec, record: RunRecord): string | undefined {
  const data = spec.data!;
  const v = data.validation;
  const namesFiles = data.npz !== undefined || data.train !== undefined || data.test !== undefined || (isObject(v) && !('first' in v) && !('split' in v));
  if (!namesFiles) return undefined;
  const fix = 'evaluate reads data files only as the spec file a run came from names them; restore the spec file, or train it again';
  let text: string;
  try {
    text = readTextFile(record.specPath);
  } catch (e) {
    throw new RunFileError(`The run's spec file ${record.specPath} ${e instanceof RunFileError && e.missing ? 'is missing' : 'cannot be read'}: ${fix}.`, 'invalid');
  }
  const resolved = resolveSpec(analyze(text), record.variant ?? undefined, specNameFromFile(path.basename(record.specPath)));
  const named = resolved.ok ? resolved.spec.data : undefined;
  if (canonical(named ?? null) !== canonical(data)) {
    const what = resolved.ok ? 'names other data than the run\'s spec.json' : 'is no longer a valid spec for this run';
    throw new RunFileError(`The run's spec file ${record.specPath} ${what}: ${fix}.`);
  }
  return path.dirname(record.specPath);
}

/**
 * An error for the user: run-file and data problems as they are; anything else (a tampered
 * model or spec that got past the checks) without the internal text of a TypeError.
 */
function userError(e: unknown, runDir: string): Error {
  if (e instanceof RunFileError || e instanceof DataError) return e;
  if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || !(e instanceof Error)) {
    return new Error(`Cannot evaluate ${runDir}: its model or spec.json is not what "modelspec train" writes (edited or damaged). Train the spec again.`);
  }
  return new Error(`Cannot evaluate ${runDir}: ${e.message}`);
}

/** Evaluates the model in `runDir/model` on the test split of the run's resolved spec. */
export async function evaluateRun(runDir: string, opts: { backend: BackendChoice; cacheDir?: string; allowDownload?: boolean; probe?: ProcessProbe }): Promise<RunEvaluation> {
  const specFile = path.join(runDir, RUN_FILES.spec);
  const spec = checkRunSpec(readJson(runDir, RUN_FILES.spec), specFile);
  const resultFile = path.join(runDir, RUN_FILES.result);
  const record = checkRunResult(readJson(runDir, RUN_FILES.result), resultFile, opts.probe);
  const modelDir = path.join(runDir, RUN_FOLDERS.model);
  if (!fs.existsSync(path.join(modelDir, 'model.json'))) {
    const why = record.status === 'failed' ? 'failed' : record.status === 'interrupted' ? 'was interrupted (its trainer is gone)' : record.status === 'running' ? 'is still training' : 'did not finish';
    throw new RunFileError(`${runDir} has no trained model (model/model.json): the run ${why} before saving one.`);
  }
  const baseDir = dataBaseDir(spec, record) ?? runDir;
  try {
    const backend = await initBackend(opts.backend);
    const { limit: _ignored, ...dataSpec } = spec.data!;
    const data = await loadDataset(dataSpec, { baseDir, cacheDir: opts.cacheDir, allowDownload: opts.allowDownload });
    const test = data.test;
    if (!test) throw new RunFileError('The run\'s spec has no test split: add "test" files to its "data" section (built-in datasets have one).');
    const last = spec.layers[spec.layers.length - 1].outputShape;
    const fits = checkExamplesFit(test, spec.layers[0].inputShape) ?? checkLabelsFit(test, last[last.length - 1] as number, spec.compile.loss.type);
    if (fits) throw new DataError(fits);
    const model = await loadModel(modelDir);
    try {
      compileModel(model, spec);
      const evaluator = new SplitEvaluator(model, spec);
      const metrics = await evaluator.evaluate(test).finally(() => evaluator.dispose());
      const classification = classify(model, test, spec);
      return {
        runDir, status: record.status, backend: backend.name, backendReason: backend.reason, testCount: test.count, metrics,
        ...(classification ? { classification } : {}),
      };
    } finally {
      model.dispose();
    }
  } catch (e) {
    throw userError(e, runDir);
  }
}

/** Copies a run's trained model (model.json + weights.bin) into `outDir`, each file atomically. */
export function exportRunModel(runDir: string, outDir: string): string[] {
  const from = path.join(runDir, 'model');
  if (!fs.existsSync(path.join(from, 'model.json'))) {
    throw new Error(`${runDir} has no trained model (model/model.json): is it a run folder made by "modelspec train", and did the run finish?`);
  }
  makeFolders(outDir);
  return fs.readdirSync(from).filter((f) => /\.(json|bin)$/.test(f)).map((f) => {
    const to = path.join(outDir, f);
    writeFileAtomic(to, fs.readFileSync(path.join(from, f)));
    return to;
  });
}
