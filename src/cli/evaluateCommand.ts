/** `modelspec evaluate <run dir>`: a trained run's model on its spec's test split. */
import * as path from 'path';
import { BACKENDS, choiceNames } from '../core/registry/training';
import type { Classification } from '../shared/trainerProtocol';
import { UsageError } from './args';
import type { Command } from './command';
import { backendFlag } from './trainCommand';

/** The confusion matrix as a text table (rows: true class, columns: predicted), as sklearn prints it. */
export function formatConfusion(c: Classification): string {
  const width = Math.max(4, ...c.matrix.flat().map((n) => String(n).length), ...c.classNames.map((n) => n.length)) + 1;
  const label = Math.max(...c.classNames.map((n) => n.length)) + 2;
  const pad = (s: string, w: number): string => s.padStart(w);
  const lines = [
    'Confusion matrix (rows: true class, columns: predicted class)',
    ' '.repeat(label) + c.classNames.map((n) => pad(n, width)).join(''),
    ...c.matrix.map((row, i) => pad(c.classNames[i], label - 1) + ' ' + row.map((n) => pad(String(n), width)).join('')),
  ];
  return lines.join('\n') + '\n';
}

export const evaluate: Command = {
  usage: `modelspec evaluate <run dir> [--backend ${choiceNames(BACKENDS).join('|')}] [--json]`,
  help: [
    'Evaluates a trained run\'s final model (<run dir>/model) on its spec\'s test split: loss, metrics,',
    'and for classifiers the confusion matrix and the most confident mistakes.',
    '--json prints {"type":"evaluation", runDir, status, backend, backendReason, testCount, metrics, classification};',
    'status is "interrupted" for a run still marked running whose trainer process is gone.',
    'The run\'s result.json and spec.json are checked first; data files are read only as the spec file the run',
    'came from (its specPath) names them, so that spec file must still name the same data.',
  ].join('\n'),
  flags: { values: ['backend'], booleans: ['json'] },
  async run(a, io) {
    const runDir = a.positionals[0];
    if (!runDir) throw new UsageError('Missing the run folder, e.g. runs/my-model/20260101-120000-base.');
    const backend = backendFlag(a);
    // TensorFlow.js loads only for commands that need it.
    const { evaluateRun } = await import('../trainer/evaluateRun');
    const ev = await evaluateRun(path.resolve(runDir), { backend });
    if (a.booleans.has('json')) {
      io.out(JSON.stringify({ type: 'evaluation', ...ev }) + '\n');
      return 0;
    }
    // A run that did not complete (stopped, or interrupted with a checkpointed model) says so.
    io.out(`Run: ${runDir}${ev.status === 'completed' ? '' : ` (${ev.status})`}\nBackend: ${ev.backend} - ${ev.backendReason}\n`);
    io.out(`Test (${ev.testCount.toLocaleString('en-US')} examples): ${Object.entries(ev.metrics).map(([k, v]) => `${k}: ${v.toFixed(4)}`).join(' - ')}\n`);
    const c = ev.classification;
    if (c) {
      io.out('\n' + formatConfusion(c));
      const worst = c.misclassified.slice(0, 5).map((m) => `#${m.index} is ${c.classNames[m.label]}, predicted ${c.classNames[m.predicted]} (${(m.confidence * 100).toFixed(1)}%)`);
      if (worst.length) io.out(`\nMost confident mistakes: ${worst.join('; ')}\n`);
    }
    return 0;
  },
};
