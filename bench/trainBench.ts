/**
 * The notebook's experiment, as the product runs it: the five variants of
 * examples/mnist-initializers.model.json on full MNIST (55,000 training images, 5,000 validation,
 * 10,000 test; 10 epochs, batch 32, SGD 0.01), each in its own trainer child process.
 * Prints test accuracy per variant, samples/s, and the trainer's peak memory (VmHWM), then
 * samples/s of one epoch per backend (wasm with 1 and 2 threads; cpu on a slice).
 *
 * Quick runs: MODELSPEC_BENCH_EPOCHS=1 MODELSPEC_BENCH_LIMIT=5000 npm run bench -- train
 */
import { fork, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FromTrainer, RunResult, StartMessage } from '../src/shared/trainerProtocol';
import type { BackendChoice } from '../src/trainer/backend';

const ROOT = path.resolve(__dirname, '..', '..');
const SPEC = path.join(ROOT, 'examples', 'mnist-initializers.model.json');
const TRAINER = path.join(__dirname, '..', 'src', 'trainer', 'main.js');
const VARIANTS = ['glorot_normal', 'glorot_uniform', 'he_normal', 'he_normal + elu', 'LecunNormal + selu'];

/** One trained run as the benches see it. */
export interface Trained {
  result: RunResult;
  backendReason: string;
  /** Seconds of the last epoch's training loop alone (its last batch message; no validation). */
  loopSeconds: number;
  /** Training examples per epoch. */
  trainCount: number;
  /** Peak resident memory of the trainer process (VmHWM), MB. */
  peakMB: number;
}

/** A busy loop on one core for as long as a bench needs a loaded machine (a user's VS Code or build beside the trainer). */
export function busyProcess(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
}

/**
 * The machine a bench ran on: its cores and CPU, with the x86 family and model where Linux says
 * (AMD's family 25 with AVX-512 is Zen 4, which runs it at half width; 26 is Zen 5, at full width:
 * the PyTorch peer's speed moves with it).
 */
export function machineLine(): string {
  let id = '';
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const family = /^cpu family\s*:\s*(\d+)/m.exec(info)?.[1];
    const model = /^model\s*:\s*(\d+)/m.exec(info)?.[1];
    if (family && model) id = ` (family ${family}, model ${model})`;
  } catch {
    // not Linux: the model name alone
  }
  return `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}${id}`;
}

/** What a PyTorch peer script prints last (../shared/bench). */
export interface TorchResult { system: string; threads: number; blas_coretype?: string | null; samples_per_second: number; val_accuracy: number; test_accuracy: number }

/**
 * The peer's row name, with the OpenBLAS kernels it ran: they set its speed (SkylakeX's AVX-512
 * kernels use vectors 4 times as wide as WebAssembly's 128-bit SIMD; Haswell's AVX2, twice).
 */
export function torchLabel(r: TorchResult): string {
  return `${r.system} (${r.threads} threads${r.blas_coretype ? `, OpenBLAS ${r.blas_coretype} kernels` : ''})`;
}

/** The machine loads a bench measures: MODELSPEC_BENCH_LOAD=idle, =busy or both (the default). */
export function benchLoads(): { idle: boolean; busy: boolean } {
  const loads = (process.env.MODELSPEC_BENCH_LOAD ?? 'idle,busy').split(',');
  return { idle: loads.includes('idle'), busy: loads.includes('busy') };
}

/** Peak resident set size of a live process, from /proc (Linux), in MB. */
function peakRssMB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Trains one variant of `spec` (default: the notebook's; `undefined` for a spec without variants) in a trainer child process, like `modelspec train` does. */
export function trainOne(runsDir: string, variant: string | undefined, backend: BackendChoice, over: Partial<StartMessage>, spec = { path: SPEC, text: fs.readFileSync(SPEC, 'utf8') }): Promise<Trained> {
  const label = variant ?? path.basename(spec.path, '.model.json');
  return new Promise((resolve, reject) => {
    const child = fork(TRAINER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let reason = '';
    let peakMB = NaN;
    let loopSeconds = NaN;
    let trainCount = 0;
    child.on('message', (m: FromTrainer) => {
      switch (m.type) {
        case 'ready':
          child.send({ type: 'start', specPath: spec.path, specText: spec.text, ...(variant === undefined ? {} : { variant }), runsDir, backend, ...over } satisfies StartMessage);
          break;
        case 'started':
          reason = m.backendReason;
          trainCount = m.trainCount;
          break;
        case 'batch':
          if (m.step === m.steps) loopSeconds = m.elapsedSeconds;
          break;
        case 'epoch':
          peakMB = peakRssMB(child.pid as number);
          process.stdout.write(`  ${label}: epoch ${m.epoch + 1}/${m.epochs} ${Object.entries(m.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ')} (${Math.round(m.samplesPerSecond)} samples/s)\n`);
          break;
        case 'done':
          peakMB = Math.max(peakMB || 0, peakRssMB(child.pid as number));
          resolve({ result: m.result, backendReason: reason, loopSeconds, trainCount, peakMB });
          break;
        case 'error':
          reject(new Error(`${label}: ${m.message}`));
          break;
        default:
          break;
      }
    });
    child.on('exit', (code) => reject(new Error(`${label}: trainer exited with code ${code} before finishing`)));
  });
}

const pct = (x: number | undefined): string => (x === undefined ? '-' : (x * 100).toFixed(2) + '%');
const int = (x: number): string => Math.round(x).toLocaleString('en-US');

export async function run(): Promise<object> {
  const epochs = Number(process.env.MODELSPEC_BENCH_EPOCHS ?? 10);
  const limit = process.env.MODELSPEC_BENCH_LIMIT ? Number(process.env.MODELSPEC_BENCH_LIMIT) : undefined;
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-bench-'));
  console.log(`Notebook variants: ${epochs} epochs, batch 32, SGD 0.01, ${limit ? `first ${limit} of ` : ''}55,000 training images; ${machineLine()}`);
  const rows: { variant: string; t: Trained }[] = [];
  for (const variant of VARIANTS) {
    const t = await trainOne(runsDir, variant, 'auto', { epochs, ...(limit ? { limit } : {}) });
    rows.push({ variant, t });
  }
  console.log(`\nBackend: ${rows[0].t.result.backend} (${rows[0].t.backendReason}); engine: ${rows[0].t.result.engine} (${rows[0].t.result.engineReason})\n`);
  console.log('| variant | test accuracy | best val accuracy (epoch) | final val accuracy | samples/s | time | trainer peak RSS |');
  console.log('|---|---|---|---|---|---|---|');
  for (const { variant, t } of rows) {
    const va = t.result.history.val_accuracy ?? [];
    const best = va.reduce((b, v, i) => (v > va[b] ? i : b), 0);
    console.log(`| ${variant} | ${pct(t.result.test?.accuracy)} | ${pct(va[best])} (${best + 1}) | ${pct(va[va.length - 1])} | ${int(t.result.samplesPerSecond)} | ${Math.round(t.result.durationSeconds)} s | ${int(t.peakMB)} MB |`);
  }

  // Throughput per backend: one epoch each (cpu on a slice: it is ~15x slower).
  console.log('\nOne epoch of glorot_normal per backend:\n');
  console.log('| backend | samples/s | images |');
  console.log('|---|---|---|');
  const backends: { label: string; backend: BackendChoice; threads?: number; limit?: number }[] = [
    { label: 'tfjs-node', backend: 'tensorflow' },
    { label: 'wasm, 1 thread (default on 2 cores)', backend: 'wasm', threads: 1 },
    { label: 'wasm, 2 threads', backend: 'wasm', threads: 2 },
    { label: 'cpu', backend: 'cpu', limit: 3000 },
  ];
  const perBackend: Record<string, number | string> = {};
  for (const b of backends) {
    try {
      const lim = b.limit ?? limit;
      const t = await trainOne(runsDir, 'glorot_normal', b.backend, { epochs: 1, ...(b.threads ? { threads: b.threads } : {}), ...(lim ? { limit: lim } : {}) });
      perBackend[b.label] = t.result.samplesPerSecond;
      console.log(`| ${b.label} | ${int(t.result.samplesPerSecond)} | ${int(lim ?? 55000)} |`);
    } catch (e) {
      perBackend[b.label] = (e as Error).message;
      console.log(`| ${b.label} | not available: ${(e as Error).message.replace(/^[^:]+: /, '').split('. ')[0]} | - |`);
    }
  }
  fs.rmSync(runsDir, { recursive: true, force: true });
  return { variants: rows.map(({ variant, t }) => ({ variant, test: t.result.test, samplesPerSecond: t.result.samplesPerSecond, peakMB: t.peakMB })), perBackend };
}

if (require.main === module) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
