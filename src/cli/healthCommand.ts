/**
 * Training health on the terminal: `modelspec health <run dir>` (the per-layer table as of the
 * last sample, and the diagnoses), and the diagnoses `modelspec train` prints after its runs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { num, pct } from '../core/health/fixes';
import { RUN_FILES } from '../core/runFiles';
import { HealthFileError, runHealthRecord, type RunHealthRecord } from '../core/health/runHealth';
import type { HealthDiagnosis } from '../core/health/types';
import { UsageError } from './args';
import type { Command } from './command';

const HEALTH_FILE = RUN_FILES.health;
const RESULT_FILE = RUN_FILES.result;

/** A table with a header line and a rule; the first `leftColumns` columns align left, numbers right. */
function table(head: string[], rows: string[][], leftColumns: number): string {
  const widths = head.map((t, i) => Math.max(t.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

const shown = (x: number | null | undefined, f: (v: number) => string = num): string => (x === null || x === undefined ? '-' : f(x));

/** The per-layer statistics as of the last sample. */
export function layerTable(layers: RunHealthRecord['layers']): string {
  const head = ['Layer', 'Type', 'Activation', 'Gradient norm', 'Weight norm', 'Update ratio', 'Act mean', 'Act std', 'Saturation', 'Dead'];
  const rows = layers.map((l) => [
    l.name, l.type, l.activation, shown(l.gradientNorm), shown(l.weightNorm), shown(l.updateRatio),
    shown(l.activationMean), shown(l.activationStd), shown(l.saturation, pct), shown(l.deadFraction, pct),
  ]);
  return table(head, rows, 3);
}

/** Diagnoses as indented lines: severity, code, layer, epoch, the message, and the fix's title. */
export function diagnosisLines(diagnoses: readonly HealthDiagnosis[], indent = ''): string {
  return diagnoses.map((d) => [
    `${indent}${d.severity} ${d.code}${d.layer ? ` at ${d.layer}` : ''}, epoch ${d.epoch}: ${d.message}`,
    ...(d.fix ? [`${indent}  Fix: ${d.fix.title}`] : []),
  ].join('\n') + '\n').join('');
}

/** What `modelspec train` prints after its runs: each run's diagnoses, or that it had none. */
export function healthReport(runs: readonly { variant: string | null; result: { health?: { diagnoses: HealthDiagnosis[] } } | null }[]): string {
  const measured = runs.filter((r) => r.result?.health);
  if (!measured.length) return '';
  const several = runs.length > 1;
  const parts = measured.map((r) => {
    const list = r.result!.health!.diagnoses;
    const name = several ? `${r.variant ?? '(base)'}: ` : '';
    return list.length ? `${several ? `${r.variant ?? '(base)'}:\n` : ''}${diagnosisLines(list, several ? '  ' : '')}` : `${name}no problems found\n`;
  });
  return `\nTraining health:\n${parts.join('')}`;
}

/** A file's text, or undefined when it does not exist. */
function readIfThere(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HealthFileError(`Cannot read ${file}: ${(e as Error).message}`);
  }
}

export const health: Command = {
  usage: 'modelspec health <run dir> [--json]',
  help: [
    'Prints a run\'s training health: per weighted layer, the gradient and weight norms, the update ratio,',
    'the activations\' mean and std, and the saturated and dead fractions as of the last sample; then the',
    'diagnoses (vanishing or exploding gradients, saturation, dead units, learning rate, initial loss) with their fixes.',
    'Reads <run dir>/result.json and <run dir>/health.jsonl.',
    '--json prints {layers, diagnoses, samples} (samples: every health message of health.jsonl).',
  ].join('\n'),
  flags: { values: [], booleans: ['json'] },
  async run(a, io) {
    const dir = a.positionals[0];
    if (!dir) throw new UsageError('Missing the run folder, e.g. runs/my-model/20260101-120000-base.');
    if (a.positionals.length > 1) throw new UsageError(`One run folder at a time, got ${a.positionals.length}.`);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      io.err(`modelspec health: ${dir} is not a run folder (${fs.existsSync(dir) ? 'it is a file' : 'no such folder'}).\n`);
      return 2;
    }
    let record: RunHealthRecord | undefined;
    try {
      const result = path.join(dir, RESULT_FILE);
      const lines = path.join(dir, HEALTH_FILE);
      record = runHealthRecord(readIfThere(result), readIfThere(lines), { result, health: lines });
    } catch (e) {
      if (!(e instanceof HealthFileError)) throw e;
      io.err(`modelspec health: ${e.message} Train again for fresh files.\n`);
      return 1;
    }
    if (!record) {
      io.err(`modelspec health: ${dir} has no training health: neither ${HEALTH_FILE} nor a "health" entry in ${RESULT_FILE} (health was off with "fit": { "health": false }, or the run is older than training health).\n`);
      return 1;
    }
    if (a.booleans.has('json')) {
      io.out(JSON.stringify(record) + '\n');
      return 0;
    }
    const last = record.samples[record.samples.length - 1];
    io.out(`Run: ${dir}\n${last ? `Last sample: epoch ${last.epoch + 1}, step ${last.step} (${record.samples.length} samples)\n` : ''}\n`);
    io.out(layerTable(record.layers));
    io.out(record.diagnoses.length ? `\nDiagnoses:\n${diagnosisLines(record.diagnoses, '  ')}` : '\nNo problems found.\n');
    return 0;
  },
};
