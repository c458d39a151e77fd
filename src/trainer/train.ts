/**
 * Training one spec (or variant) from text to a finished run folder, reporting every step as
 * protocol messages: the set-up here (spec, backend, data, engine, run folder, `started`), the
 * training loop in fit.ts. The same function runs in the trainer child process (main.ts) and in tests.
 */
import { specNameFromFile } from '../core/diagnostics';
import * as path from 'path';
import { analyze } from '../core/analyze';
import { resolveSpec, type ResolvedSpec } from '../core/resolve';
import { summaryJson, summaryText } from '../core/summary';
import { checkExamplesFit, checkLabelsFit, loadDataset, type LoadedData } from '../core/data/load';
import { initBackend, type BackendInfo } from './backend';
import { selectEngine, type EngineSelection } from './engines';
import { fit } from './fit';
import { prepareInitialWeights } from './initialWeights';
import type { FromTrainer, RunResult, StartedMessage, StartMessage } from '../shared/trainerProtocol';
import { RunFolder } from './runFolder';
import { describeHealth, healthEvery } from './health';

export interface TrainHooks {
  emit(m: FromTrainer): void;
  /** True once the host asked to cancel; checked after every batch. */
  cancelled(): boolean;
}

/** What the set-up found: the spec to train (and its Keras summary), its data, the backend and the engine. */
interface Prepared {
  spec: ResolvedSpec;
  summary: string;
  data: LoadedData;
  backend: BackendInfo;
  engine: EngineSelection;
}

/** Trains `start`'s spec; never throws: failures become an `error` message. */
export async function train(start: StartMessage, hooks: TrainHooks): Promise<void> {
  let run: RunFolder | undefined;
  let result: RunResult | undefined;
  const emit = (m: FromTrainer): void => {
    // Health samples have their own file: the event log stays small for the panel to replay.
    if (m.type === 'health') run?.health(m);
    else run?.event(m);
    hooks.emit(m);
  };
  try {
    const prepared = await prepare(start);
    run = openRunFolder(start, prepared);
    result = initialResult(start, prepared);
    run.result(result);
    emit(startedMessage(prepared, run));
    await fit({
      spec: prepared.spec, data: prepared.data, run, result, emit, cancelled: () => hooks.cancelled(),
      engine: prepared.engine, batchIntervalMs: start.batchIntervalMs,
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (run && result) {
      result.status = 'failed';
      result.error = message;
      result.finishedAt = new Date().toISOString();
      run.result(result);
    }
    emit({ type: 'error', message, ...(run ? { runDir: run.dir } : {}) });
  } finally {
    run?.close();
  }
}

/** The resolved spec with the host's overrides, the backend, the data (labels checked) and the engine. */
async function prepare(start: StartMessage): Promise<Prepared> {
  const spec = resolveStartSpec(start);
  if (!spec.data) throw new Error('The spec has no "data" section, so there is nothing to train on. Add e.g. "data": { "dataset": "mnist", "scale": 255, "validation": { "first": 5000 } }.');
  const dataSpec = { ...spec.data, ...(start.limit !== undefined ? { limit: start.limit } : {}) };
  const backend = await initBackend(start.backend, start.threads ? { wasmThreads: start.threads } : {});
  const data = await loadDataset(dataSpec, { baseDir: path.dirname(start.specPath) });
  await prepareInitialWeights(spec, path.dirname(start.specPath));
  // Keras runs one batch of the whole set when batch_size is larger than it.
  spec.fit.batch_size = Math.max(1, Math.min(spec.fit.batch_size, data.train.count));
  checkLabels(spec, data);
  const engine = selectEngine({ engine: start.engine ?? 'auto', backendChoice: start.backend, backendName: backend.name, threads: start.threads }, spec, data.train);
  return { spec, summary: summaryText(spec), data, backend, engine };
}

/** The spec (or variant) of `start`, resolved, with the host's epoch override. */
function resolveStartSpec(start: StartMessage): ResolvedSpec {
  const analysis = analyze(start.specText);
  const resolved = resolveSpec(analysis, start.variant, specNameFromFile(path.basename(start.specPath)));
  if (!resolved.ok) {
    const first = resolved.diagnostics.find((d) => d.severity === 'error');
    throw new Error(first ? `${resolved.message} First: ${first.message}` : resolved.message);
  }
  const spec = resolved.spec;
  if (start.epochs !== undefined) spec.fit.epochs = start.epochs;
  return spec;
}

/** Throws when a split's labels do not fit the output layer and the loss. */
function checkLabels(spec: ResolvedSpec, data: LoadedData): void {
  const last = spec.layers[spec.layers.length - 1];
  const outputs = last.outputShape[last.outputShape.length - 1] as number;
  for (const split of [data.train, data.validation, data.test]) {
    const problem = split && (checkExamplesFit(split, spec.layers[0].inputShape) ?? checkLabelsFit(split, outputs, spec.compile.loss.type));
    if (problem) throw new Error(problem);
  }
}

/** A new run folder with the resolved spec and its summary. */
function openRunFolder(start: StartMessage, { spec, summary }: Prepared): RunFolder {
  const run = new RunFolder(start.runsDir, spec.name, spec.variant);
  run.write('spec.json', JSON.stringify(spec, null, 2) + '\n');
  run.write('summary.txt', summary);
  return run;
}

/** result.json as training starts. */
function initialResult(start: StartMessage, { spec, backend, engine }: Prepared): RunResult {
  return {
    spec: spec.name, specPath: path.resolve(start.specPath), variant: spec.variant ?? null, status: 'running', backend: backend.name, backendReason: backend.reason,
    engine: engine.name, engineReason: engine.reason,
    history: {}, test: null, bestEpoch: null, bestMonitor: null, stoppedEarly: false, epochsRun: 0,
    samplesPerSecond: 0, durationSeconds: 0, startedAt: new Date().toISOString(), finishedAt: null,
  };
}

/** The `started` message: backend, engine, run folder, model summary and data sizes. */
function startedMessage({ spec, summary, data, backend, engine }: Prepared, run: RunFolder): StartedMessage {
  const sj = summaryJson(spec) as { layers: StartedMessage['layers'] };
  const batchSize = spec.fit.batch_size;
  const stepsPerEpoch = Math.ceil(data.train.count / batchSize);
  return {
    type: 'started', spec: spec.name, ...(spec.variant === undefined ? {} : { variant: spec.variant }), runDir: run.dir,
    backend: backend.name, backendReason: backend.reason, engine: engine.name, engineReason: engine.reason, summary, layers: sj.layers,
    totalParams: spec.totalParams, trainableParams: spec.trainableParams, nonTrainableParams: spec.nonTrainableParams,
    epochs: spec.fit.epochs, batchSize, stepsPerEpoch, trainCount: data.train.count,
    validationCount: data.validation?.count ?? 0, testCount: data.test?.count ?? 0, dataSources: data.sources,
    health: describeHealth(healthEvery(spec, stepsPerEpoch, engine.healthSamplesPerEpoch), stepsPerEpoch, engine.measuredBy),
  };
}
