/**
 * The training loop: one spec (or variant) from text to a finished run folder, reporting every
 * step as protocol messages. Keras semantics: seeded shuffling each epoch, running-mean batch
 * metrics, validation at each epoch end, Keras callbacks, test evaluation after fitting.
 * The same function runs in the trainer child process (main.ts) and in tests.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { analyze } from '../core/analyze';
import { resolveSpec, type ResolvedRef, type ResolvedSpec } from '../core/resolve';
import { summaryJson, summaryText } from '../core/summary';
import { checkLabelsFit, loadDataset, type LoadedData } from '../core/data/load';
import { initBackend } from './backend';
import { buildModel } from './buildModel';
import { compileModel, getLearningRate, setLearningRate } from './compileModel';
import { chooseKernel, defaultKernelThreads, DenseKernel, KERNEL_ENGINE, type KernelPlan } from './fastPath';
import { CSVLogger, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, metricDirection, type Callback, type Logs, type TrainingControl } from './callbacks';
import { saveModel } from './modelFiles';
import { formatEpochHeader, formatEpochSummaryLine } from './progress';
import type { FromTrainer, Metrics, RunResult, StartMessage } from './protocol';
import { deriveSeed, randomSeed, Rng } from './random';
import { RunFolder } from './runFolder';
import { scheduleOf } from './schedules';
import { splitTensors } from './splitTensors';
import { classify } from './classification';

export interface TrainHooks {
  emit(m: FromTrainer): void;
  /** True once the host asked to cancel; checked after every batch. */
  cancelled(): boolean;
}

/** A problem with the user's spec or data, reported as its message. */
class TrainError extends Error {}

/** Keras's log keys for `[loss, ...metrics]` as tfjs returns them. */
function names(spec: ResolvedSpec): string[] {
  return ['loss', ...spec.compile.metrics.map((m) => m.name)];
}

const round4 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Trains `start`'s spec; never throws: failures become an `error` message. */
export async function train(start: StartMessage, hooks: TrainHooks): Promise<void> {
  let run: RunFolder | undefined;
  let result: RunResult | undefined;
  const emit = (m: FromTrainer): void => {
    run?.event(m);
    hooks.emit(m);
  };
  try {
    const analysis = analyze(start.specText);
    const resolved = resolveSpec(analysis, start.variant, path.basename(start.specPath).replace(/\.model\.json$|\.json$/, ''));
    if (!resolved.ok) {
      const first = resolved.diagnostics.find((d) => d.severity === 'error');
      throw new TrainError(first ? `${resolved.message} First: ${first.message}` : resolved.message);
    }
    const spec = resolved.spec;
    if (start.epochs !== undefined) spec.fit.epochs = start.epochs;
    if (!spec.data) throw new TrainError('The spec has no "data" section, so there is nothing to train on. Add e.g. "data": { "dataset": "mnist", "scale": 255, "validation": { "first": 5000 } }.');
    const dataSpec = { ...spec.data, ...(start.limit !== undefined ? { limit: start.limit } : {}) };

    const backend = await initBackend(start.backend, start.threads ? { wasmThreads: start.threads } : {});
    const data = await loadDataset(dataSpec, { baseDir: path.dirname(start.specPath), cacheDir: start.cacheDir, allowDownload: start.allowDownload });
    // Keras runs one batch of the whole set when batch_size is larger than it.
    spec.fit.batch_size = Math.max(1, Math.min(spec.fit.batch_size, data.train.count));
    const last = spec.layers[spec.layers.length - 1];
    const outputs = last.outputShape[last.outputShape.length - 1] as number;
    for (const split of [data.train, data.validation, data.test]) {
      const problem = split && checkLabelsFit(split, outputs, spec.compile.loss.type);
      if (problem) throw new TrainError(problem);
    }

    const engine = chooseKernel(start.engine ?? 'auto', start.backend, spec, data.train);
    const plan = 'plan' in engine ? engine.plan : undefined;
    const engineName = plan ? KERNEL_ENGINE : `tfjs (${backend.name})`;
    const kernelThreads = start.threads ?? defaultKernelThreads();
    const engineReason = plan
      ? `a Sequential Dense stack: one WebAssembly SIMD call per batch on ${kernelThreads} thread${kernelThreads === 1 ? '' : 's'}, weights synced to TensorFlow.js each epoch`
      : (engine as { reason: string }).reason;

    run = new RunFolder(start.runsDir, spec.name, spec.variant);
    run.write('spec.json', JSON.stringify(spec, null, 2) + '\n');
    const summary = summaryText(spec);
    run.write('summary.txt', summary);
    const batchSize = spec.fit.batch_size;
    const steps = Math.ceil(data.train.count / batchSize);
    const startedAt = new Date();
    result = {
      spec: spec.name, specPath: path.resolve(start.specPath), variant: spec.variant ?? null, status: 'running', backend: backend.name, backendReason: backend.reason,
      engine: engineName, engineReason,
      history: {}, test: null, bestEpoch: null, bestMonitor: null, stoppedEarly: false, epochsRun: 0,
      samplesPerSecond: 0, durationSeconds: 0, startedAt: startedAt.toISOString(), finishedAt: null,
    };
    run.result(result);
    const sj = summaryJson(spec) as { layers: { name: string; type: string; outputShape: (number | null)[]; params: number; trainableParams: number }[] };
    emit({
      type: 'started', spec: spec.name, ...(spec.variant === undefined ? {} : { variant: spec.variant }), runDir: run.dir,
      backend: backend.name, backendReason: backend.reason, engine: engineName, engineReason, summary, layers: sj.layers,
      totalParams: spec.totalParams, trainableParams: spec.trainableParams, nonTrainableParams: spec.nonTrainableParams,
      epochs: spec.fit.epochs, batchSize, stepsPerEpoch: steps, trainCount: data.train.count,
      validationCount: data.validation?.count ?? 0, testCount: data.test?.count ?? 0, dataSources: data.sources,
    });
    await fit(spec, data, run, result, emit, hooks, plan && { plan, threads: kernelThreads });
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

async function fit(spec: ResolvedSpec, data: LoadedData, run: RunFolder, result: RunResult, emit: (m: FromTrainer) => void, hooks: TrainHooks, fused: { plan: KernelPlan; threads: number } | undefined): Promise<void> {
  const model = buildModel(spec);
  const optimizer = compileModel(model, spec);
  const batchSize = spec.fit.batch_size;
  // The kernel trains; the tfjs model gets its weights whenever something else reads them.
  const kernel = fused && DenseKernel.create(fused.plan, data.train, batchSize, fused.threads);
  let kernelStale = true;
  const keys = names(spec);
  // Only the tfjs path needs the training set as tensors (the kernel holds its own copy).
  const train = kernel ? undefined : splitTensors(data.train, spec);
  const val = data.validation ? splitTensors(data.validation, spec) : undefined;
  const n = data.train.count;
  const steps = Math.ceil(n / batchSize);
  const epochs = spec.fit.epochs;
  const interval = 250;
  const shuffleSeed = spec.seed ?? randomSeed();
  const t0 = Date.now();
  let samples = 0;
  let cancelled = false;

  const ctl: TrainingControl = {
    stopTraining: false,
    snapshotWeights: () => model.getWeights().map((w) => ({ shape: w.shape, data: w.dataSync().slice() })),
    restoreWeights: (s) => {
      const ws = (s as { shape: number[]; data: Float32Array }[]).map((w) => tf.tensor(w.data, w.shape));
      model.setWeights(ws);
      ws.forEach((w) => w.dispose());
      kernelStale = true;
    },
    getLearningRate: () => getLearningRate(optimizer),
    setLearningRate: (lr) => setLearningRate(optimizer, lr),
    save: async (p, weightsOnly) => {
      await saveModel(model, run.inside(p.replace(/\.(h5|hdf5|keras)$/i, '')), { weightsOnly });
    },
    log: (text) => emit({ type: 'log', level: 'info', text }),
    event: (e) => emit(e.type === 'earlyStopping' ? { ...e, bestEpoch: e.bestEpoch ?? null } : e),
  };
  const callbacks = makeCallbacks(spec.fit.callbacks, run);
  const schedule = scheduleOf(spec.compile.optimizer.learning_rate);
  if (schedule && callbacks.some((c) => c instanceof ReduceLROnPlateau)) {
    throw new TrainError('ReduceLROnPlateau cannot change a learning rate that follows a schedule (Keras refuses this too). Use a number for "learning_rate", or remove ReduceLROnPlateau.');
  }
  const dropouts = dropoutSeeds(model, spec);
  let iteration = 0;
  for (const cb of callbacks) await cb.onTrainBegin?.(ctl);

  for (let epoch = 0; epoch < epochs && !cancelled; epoch++) {
    emit({ type: 'log', level: 'info', text: formatEpochHeader(epoch, epochs) });
    const order = new Int32Array(n).map((_, i) => i);
    if (spec.fit.shuffle) {
      const rng = new Rng(deriveSeed(shuffleSeed, 'shuffle', epoch));
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng.nextDouble() * (i + 1));
        const t = order[i]; order[i] = order[j]; order[j] = t;
      }
    }
    const sums = new Float64Array(keys.length);
    let seen = 0;
    const epochStart = Date.now();
    let lastSent = 0;
    let lastYield = 0;
    for (let step = 0; step < steps; step++) {
      const rows = order.subarray(step * batchSize, Math.min(n, (step + 1) * batchSize));
      if (schedule) setLearningRate(optimizer, schedule(iteration));
      for (const d of dropouts) d.layer.seed = d.seedAt(iteration);
      iteration++;
      let values: number[];
      if (!train) {
        const k = kernel as DenseKernel;
        if (kernelStale) k.loadWeights(model);
        kernelStale = false;
        values = k.trainBatch(rows, getLearningRate(optimizer)).slice(0, keys.length);
      } else {
        const idx = tf.tensor1d(rows, 'int32');
        const xb = tf.gather(train.x, idx);
        const yb = tf.gather(train.y, idx);
        const out = await model.trainOnBatch(xb, yb);
        tf.dispose([idx, xb, yb]);
        values = Array.isArray(out) ? out : [out];
      }
      const size = rows.length;
      values.forEach((v, i) => { sums[i] += v * size; });
      seen += size;
      samples += size;
      const now = Date.now();
      if (now - lastSent >= interval || step === steps - 1) {
        lastSent = now;
        const elapsed = (now - epochStart) / 1000;
        emit({
          type: 'batch', epoch, step: step + 1, steps, elapsedSeconds: elapsed, etaSeconds: (elapsed / (step + 1)) * (steps - step - 1),
          metrics: Object.fromEntries(keys.map((k, i) => [k, sums[i] / seen])),
        });
      }
      if (!Number.isFinite(values[0])) {
        emit({ type: 'log', level: 'warning', text: `Batch ${step}: Invalid loss, terminating training` });
        ctl.stopTraining = true;
        break;
      }
      // Let IPC messages (cancel, disconnect) in between batches: tfjs's awaits alone never yield
      // to I/O. Every 20 ms rather than every batch: a turn of the event loop costs about a fifth
      // of a fused-kernel batch.
      if (now - lastYield >= 20) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = Date.now();
      }
      if (hooks.cancelled()) {
        cancelled = true;
        break;
      }
    }
    const logs: Logs = Object.fromEntries(keys.map((k, i) => [k, sums[i] / Math.max(seen, 1)]));
    if (kernel) kernel.storeWeights(model);
    if (val && !cancelled) {
      const ev = model.evaluate(val.x, val.y, { batchSize: Math.max(batchSize, 256) });
      const vs = Array.isArray(ev) ? ev : [ev];
      const got = await Promise.all(vs.map((t) => t.data()));
      tf.dispose(vs);
      keys.forEach((k, i) => { logs[`val_${k}`] = got[i][0]; });
    }
    const seconds = (Date.now() - epochStart) / 1000;
    if (!cancelled) for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs, ctl);
    const metrics: Metrics = { ...logs };
    for (const [k, v] of Object.entries(metrics)) (result.history[k] ??= []).push(v);
    result.epochsRun = epoch + 1;
    run.epoch(epoch, metrics);
    emit({
      type: 'log', level: 'info',
      text: formatEpochSummaryLine({ target: steps, current: cancelled ? Math.ceil(seen / batchSize) : steps, elapsedSeconds: seconds, values: Object.entries(metrics).filter(([k]) => k !== 'learning_rate') }),
    });
    emit({ type: 'epoch', epoch, epochs, metrics, seconds, samplesPerSecond: round4(seen / Math.max(seconds, 1e-9)) });
    result.durationSeconds = (Date.now() - t0) / 1000;
    result.samplesPerSecond = round4(samples / Math.max(result.durationSeconds, 1e-9));
    run.result(result);
    if (ctl.stopTraining) {
      result.stoppedEarly = callbacks.some((c) => c instanceof EarlyStopping) || !Number.isFinite(logs.loss);
      break;
    }
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(ctl);

  const monitor = bestMonitor(spec, result);
  if (monitor) {
    const series = result.history[monitor.key];
    const best = series.reduce((b, v, i) => ((monitor.max ? v > series[b] : v < series[b]) ? i : b), 0);
    result.bestEpoch = best + 1;
    result.bestMonitor = monitor.key;
  }
  if (data.test && !cancelled) {
    const t = splitTensors(data.test, spec);
    const ev = model.evaluate(t.x, t.y, { batchSize: Math.max(batchSize, 256) });
    const vs = Array.isArray(ev) ? ev : [ev];
    const got = await Promise.all(vs.map((v) => v.data()));
    tf.dispose([...vs, t.x, t.y]);
    result.test = Object.fromEntries(keys.map((k, i) => [k, got[i][0]]));
    const classification = classify(model, data.test, spec);
    if (classification) result.classification = classification;
    emit({ type: 'evaluation', metrics: result.test, ...(classification ? { classification } : {}) });
    emit({ type: 'log', level: 'info', text: `Test: ${keys.map((k) => `${k}: ${(result.test as Metrics)[k].toFixed(4)}`).join(' - ')}` });
  }
  kernel?.dispose();
  await saveModel(model as tfl.LayersModel, path.join(run.dir, 'model'));
  tf.dispose([...(train ? [train.x, train.y] : []), ...(val ? [val.x, val.y] : [])]);
  model.dispose();
  result.status = cancelled ? 'cancelled' : 'completed';
  result.finishedAt = new Date().toISOString();
  result.durationSeconds = (Date.now() - t0) / 1000;
  run.result(result);
  emit({ type: 'done', status: cancelled ? 'cancelled' : 'completed', runDir: run.dir, result });
}

/** The metric that decides the best epoch: the first callback's monitor, else val_loss, else loss. */
function bestMonitor(spec: ResolvedSpec, result: RunResult): { key: string; max: boolean } | undefined {
  const named = spec.fit.callbacks.map((c) => c.monitor).find((m): m is string => typeof m === 'string' && m in result.history);
  const key = named ?? ('val_loss' in result.history ? 'val_loss' : 'loss' in result.history ? 'loss' : undefined);
  if (!key) return undefined;
  return { key, max: metricDirection(key.replace(/^val_/, '')) === 'max' };
}

/**
 * Dropout layers whose masks must be reproducible: with a spec or layer seed, each batch gets its
 * own mask seed derived from it (tfjs would reuse one fixed seed for every batch, i.e. one mask).
 */
function dropoutSeeds(model: tfl.LayersModel, spec: ResolvedSpec): { layer: { seed?: number }; seedAt: (step: number) => number }[] {
  const out: { layer: { seed?: number }; seedAt: (step: number) => number }[] = [];
  model.layers.forEach((layer, i) => {
    if (layer.getClassName() !== 'Dropout') return;
    const own = (layer as unknown as { seed?: number }).seed;
    const base = own ?? (spec.seed === undefined ? undefined : deriveSeed(spec.seed, 'dropout', i));
    if (base === undefined) return;
    out.push({ layer: layer as unknown as { seed?: number }, seedAt: (step) => deriveSeed(base, step) });
  });
  return out;
}

/** Keras callbacks from the spec (TerminateOnNaN is built into the loop). */
function makeCallbacks(refs: ResolvedRef[], run: RunFolder): Callback[] {
  const out: Callback[] = [];
  for (const r of refs) {
    const { type, ...o } = r;
    switch (type) {
      case 'EarlyStopping': out.push(new EarlyStopping(o as never)); break;
      case 'ModelCheckpoint': out.push(new ModelCheckpoint(o as never)); break;
      case 'ReduceLROnPlateau': out.push(new ReduceLROnPlateau(o as never)); break;
      case 'CSVLogger': out.push(new CSVLogger({ ...(o as never as { separator: string; append: boolean }), filename: run.inside(String(o.filename)) })); break;
      case 'TerminateOnNaN': break;
      default: throw new TrainError(`Callback ${type} is not supported by the trainer yet.`);
    }
  }
  return out;
}
