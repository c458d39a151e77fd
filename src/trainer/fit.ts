/**
 * Keras's `fit` for one run: epochs of shuffled batches through the `Engine`, the spec's
 * callbacks through a `CallbackList`, validation at each epoch end, then the test split and the
 * saved model. Every step is reported as protocol messages and recorded in the run folder.
 */
import { checkpointFormat, tfjsCheckpointFolder } from '../core/keras/checkpointFormat';
import { saveModelAs } from './exportModel';
import { bestEpoch } from '../core/bestEpoch';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { LoadedData, Split } from '../core/data/load';
import type { ResolvedSpec } from '../core/resolve';
import { BatchThrottle, CancelWatch, EpochOrder, EventLoopTurns, RunningMeans, StepState } from './batchLoop';
import { callbackList, ReduceLROnPlateau, type CallbackList, type Logs, type TrainingControl } from './callbacks';
import { Classifier } from './classification';
import { compileModel, getLearningRate, setLearningRate } from './compileModel';
import { buildModel } from './buildModel';
import { logKeys, ratioMetrics, type Engine, type EngineSelection } from './engines';
import { saveModel } from './modelFiles';
import type { BatchMessage, FromTrainer, RunResult } from '../shared/trainerProtocol';
import { randomSeed } from './random';
import { HealthMonitor, healthEvery, type Diagnoser } from './health';
import type { RunFolder } from './runFolder';
import { scheduleOf } from './schedules';

/** Everything a fit needs from the set-up. */
export interface FitContext {
  spec: ResolvedSpec;
  data: LoadedData;
  run: RunFolder;
  /** Updated as training goes and written to result.json after each epoch. */
  result: RunResult;
  emit(m: FromTrainer): void;
  /** True once the host asked to cancel; checked after every batch. */
  cancelled(): boolean;
  engine: EngineSelection;
  /** Send `batch` messages at most this often. */
  batchIntervalMs?: number;
  /** Diagnoses training health from the samples (core/health/diagnose.ts); without one, samples carry no diagnoses. */
  diagnoser?: Diagnoser;
}

/** A fit in progress: the context, the engine and callbacks, and the loop's parts. */
interface FitRun {
  ctx: FitContext;
  engine: Engine;
  callbacks: CallbackList;
  steps: number;
  order: EpochOrder;
  stepState: StepState;
  means: RunningMeans;
  throttle: BatchThrottle;
  turns: EventLoopTurns;
  cancel: CancelWatch;
  startedAt: number;
  /** Examples trained on, over all epochs. */
  samples: number;
  /** Batches trained, over all epochs. */
  globalStep: number;
  health: HealthMonitor;
}

const round4 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Trains the spec's model as Keras `fit` does, evaluates it on the test split, saves it and reports `done`. */
export async function fit(ctx: FitContext): Promise<void> {
  const model = buildModel(ctx.spec);
  const optimizer = compileModel(model, ctx.spec);
  const engine = ctx.engine.create({ spec: ctx.spec, model, optimizer, data: ctx.data });
  let f: FitRun;
  try {
    f = startFit(ctx, engine, model, optimizer);
    await f.callbacks.onTrainBegin();
    for (let epoch = 0; epoch < ctx.spec.fit.epochs && !f.cancel.requested; epoch++) {
      await runEpoch(f, epoch);
      if (f.callbacks.stopTraining) break;
    }
    await f.callbacks.onTrainEnd();
    ctx.result.stoppedEarly = f.callbacks.stopTraining;
    recordBestEpoch(ctx.spec, ctx.result);
    if (ctx.data.test && !f.cancel.requested) await evaluateTest(f, ctx.data.test);
    engine.storeWeights();
    await saveModel(model, path.join(ctx.run.dir, 'model'));
    const threads = engine.threadUse?.();
    if (threads) ctx.result.engineThreads = threads;
  } finally {
    engine.dispose();
    model.dispose();
  }
  finishRun(f);
}

/** The callbacks (checked against the schedule) and the loop's parts for a fit. */
function startFit(ctx: FitContext, engine: Engine, model: tfl.LayersModel, optimizer: tf.Optimizer): FitRun {
  const { spec, data, run } = ctx;
  const ctl = trainingControl(ctx, engine, model, optimizer);
  const callbacks = callbackList(spec.fit.callbacks, ctl, {
    spec,
    inside: (p) => run.inside(p),
    onInvalidLoss: (epoch, batch) => ctx.emit({ type: 'invalidLoss', epoch, batch }),
  });
  const schedule = scheduleOf(spec.compile.optimizer.learning_rate);
  const steps = Math.ceil(data.train.count / spec.fit.batch_size);
  if (schedule && callbacks.callbacks.some((c) => c instanceof ReduceLROnPlateau)) {
    throw new Error('ReduceLROnPlateau cannot change a learning rate that follows a schedule (Keras refuses this too). Use a number for "learning_rate", or remove ReduceLROnPlateau.');
  }
  return {
    ctx, engine, callbacks,
    steps,
    order: new EpochOrder(data.train.count, spec.fit.shuffle, spec.seed ?? randomSeed()),
    stepState: new StepState(model, spec, optimizer, schedule),
    means: new RunningMeans(logKeys(spec), ratioMetrics(spec)),
    throttle: new BatchThrottle(ctx.batchIntervalMs),
    turns: new EventLoopTurns(),
    cancel: new CancelWatch(ctx.cancelled),
    startedAt: Date.now(),
    samples: 0,
    globalStep: 0,
    health: new HealthMonitor(spec, healthEvery(spec, steps, ctx.engine.healthSamplesPerEpoch), ctx.emit, ctx.diagnoser),
  };
}

/** What callbacks may do to the run; weights move between engine and model only when read or written. */
function trainingControl(ctx: FitContext, engine: Engine, model: tfl.LayersModel, optimizer: tf.Optimizer): TrainingControl {
  return {
    stopTraining: false,
    snapshotWeights: () => {
      engine.storeWeights();
      return model.getWeights().map((w) => ({ shape: w.shape, data: w.dataSync().slice() }));
    },
    restoreWeights: (s) => {
      const ws = (s as { shape: number[]; data: Float32Array }[]).map((w) => tf.tensor(w.data, w.shape));
      model.setWeights(ws);
      ws.forEach((w) => w.dispose());
      engine.loadWeights();
    },
    getLearningRate: () => getLearningRate(optimizer),
    setLearningRate: (lr) => setLearningRate(optimizer, lr),
    save: async (p, weightsOnly) => {
      engine.storeWeights();
      const format = checkpointFormat(p, weightsOnly);
      await saveModelAs(model, ctx.spec, format, ctx.run.inside(format === 'tfjs' ? tfjsCheckpointFolder(p) : p), weightsOnly);
    },
    event: ctx.emit,
  };
}

/** One epoch: its batches, validation, the callbacks' epoch end, and the records. */
async function runEpoch(f: FitRun, epoch: number): Promise<void> {
  const { ctx } = f;
  ctx.emit({ type: 'epochBegin', epoch, epochs: ctx.spec.fit.epochs });
  await f.callbacks.onEpochBegin(epoch);
  const epochStart = Date.now();
  const stepsDone = await runBatches(f, epoch, epochStart);
  const logs: Logs = { ...f.means.logs };
  if (ctx.data.validation && !f.cancel.requested) {
    for (const [k, v] of Object.entries(await f.engine.evaluate(ctx.data.validation))) logs[`val_${k}`] = v;
  }
  const seconds = (Date.now() - epochStart) / 1000;
  if (!f.cancel.requested) await f.callbacks.onEpochEnd(epoch, logs);
  recordEpoch(f, epoch, logs, seconds, stepsDone);
}

/** The epoch's batches until the end, a stop or a cancel; returns how many ran. */
async function runBatches(f: FitRun, epoch: number, epochStart: number): Promise<number> {
  const { steps, means, callbacks } = f;
  const batchSize = f.ctx.spec.fit.batch_size;
  const order = f.order.forEpoch(epoch);
  means.reset();
  f.throttle.reset();
  f.turns.reset();
  for (let step = 0; step < steps; step++) {
    const rows = order.subarray(step * batchSize, Math.min(order.length, (step + 1) * batchSize));
    const trained = trainStep(f, rows, epoch, step);
    const values = trained instanceof Promise ? await trained : trained;
    if (!Number.isFinite(values[0])) await inspectNonFinite(f, rows, epoch, step, values[0]);
    means.add(values, rows.length);
    f.samples += rows.length;
    const now = Date.now();
    if (f.throttle.due(now, step === steps - 1)) f.ctx.emit(batchMessage(f, epoch, step, now - epochStart));
    const pending = callbacks.onBatchEnd(step, means.logs);
    if (pending) await pending;
    if (callbacks.stopTraining) return step + 1;
    if (f.turns.due(now)) await f.turns.take();
    if (f.cancel.check()) return step + 1;
  }
  return steps;
}

/** One batch through the engine: measured for training health when this global step is sampled. */
function trainStep(f: FitRun, rows: Int32Array, epoch: number, step: number): readonly number[] | Promise<readonly number[]> {
  const learningRate = f.stepState.next();
  const globalStep = ++f.globalStep;
  if (!f.health.due(globalStep)) return f.engine.trainBatch(rows, learningRate);
  return f.engine.measureBatch(rows, learningRate).then(({ values, layers }) => {
    f.health.record({ epoch, step: step + 1, globalStep, loss: values[0], learningRate, layers });
    return values;
  });
}

/** The first step whose loss is NaN or infinite gets a health sample of its outputs: which layer went first. */
async function inspectNonFinite(f: FitRun, rows: Int32Array, epoch: number, step: number, loss: number): Promise<void> {
  if (!f.health.every || f.health.sawNonFinite) return;
  const layers = await f.engine.inspectBatch(rows);
  f.health.record({ epoch, step: step + 1, globalStep: f.globalStep, loss, learningRate: f.stepState.learningRate, layers });
}

/** Progress after `step` (0-based): the running means and the time left at this pace. */
function batchMessage(f: FitRun, epoch: number, step: number, elapsedMs: number): BatchMessage {
  const elapsed = elapsedMs / 1000;
  const steps = f.steps;
  return {
    type: 'batch', epoch, step: step + 1, steps, elapsedSeconds: elapsed, etaSeconds: (elapsed / (step + 1)) * (steps - step - 1),
    metrics: { ...f.means.logs },
  };
}

/** The epoch into the history, history.csv, an `epoch` message and result.json. */
function recordEpoch(f: FitRun, epoch: number, logs: Logs, seconds: number, stepsDone: number): void {
  const { result, run, spec } = f.ctx;
  const metrics = { ...logs };
  for (const [k, v] of Object.entries(metrics)) (result.history[k] ??= []).push(v);
  result.epochsRun = epoch + 1;
  run.epoch(epoch, metrics);
  f.ctx.emit({
    type: 'epoch', epoch, epochs: spec.fit.epochs, metrics, seconds,
    samplesPerSecond: round4(f.means.seen / Math.max(seconds, 1e-9)), steps: f.steps, stepsDone,
  });
  result.durationSeconds = (Date.now() - f.startedAt) / 1000;
  result.samplesPerSecond = round4(f.samples / Math.max(result.durationSeconds, 1e-9));
  recordHealth(f);
  run.result(result);
}

/** The health summary into the result, once there is one. */
function recordHealth(f: FitRun): void {
  const health = f.health.summary();
  if (health) f.ctx.result.health = health;
}

/** Records the best epoch in the result: under the first callback monitor in the history, else val_loss, else loss. */
function recordBestEpoch(spec: ResolvedSpec, result: RunResult): void {
  const monitor = spec.fit.callbacks.map((c) => c.monitor).find((m): m is string => typeof m === 'string' && m in result.history);
  const best = bestEpoch(result.history, monitor);
  if (!best) return;
  result.bestEpoch = best.epoch;
  result.bestMonitor = best.monitor;
}

/** The test split's metrics and, for classifiers, the classification report. */
async function evaluateTest(f: FitRun, test: Split): Promise<void> {
  const { result, spec, emit } = f.ctx;
  const classifier = Classifier.for(spec, test);
  result.test = await f.engine.evaluate(test, classifier && ((out, first) => classifier.add(out, first)));
  f.engine.storeWeights();
  const classification = classifier?.result();
  if (classification) result.classification = classification;
  emit({ type: 'evaluation', metrics: result.test, ...(classification ? { classification } : {}) });
}

/** The run's end in result.json and the `done` message. */
function finishRun(f: FitRun): void {
  const { result, run } = f.ctx;
  const status = f.cancel.requested ? 'cancelled' : 'completed';
  result.status = status;
  recordHealth(f);
  result.finishedAt = new Date().toISOString();
  result.durationSeconds = (Date.now() - f.startedAt) / 1000;
  run.result(result);
  f.ctx.emit({ type: 'done', status, runDir: run.dir, result });
}
