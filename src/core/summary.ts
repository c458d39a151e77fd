/** Keras's `model.summary()` text, in the Keras 2 layout the reference notebook shows. */
import { formatCount, formatShape } from './registry';
import type { ResolvedSpec } from './resolve';

/** Keras 2 `print_summary` for Sequential models: line length 65, columns at 45% and 85%. */
const LINE = 65;
const POSITIONS = [29, 55, 65];

function row(fields: string[]): string {
  let line = '';
  fields.forEach((f, i) => {
    if (i > 0) line = line.slice(0, POSITIONS[i - 1]) + ' '.repeat(Math.max(0, POSITIONS[i - 1] - line.length));
    line += f;
  });
  line = line.slice(0, POSITIONS[POSITIONS.length - 1]);
  return line + ' '.repeat(Math.max(0, LINE - line.length));
}

/** The summary table, line by line, exactly as Keras 2 prints it (trailing spaces included). */
export function summaryText(spec: Pick<ResolvedSpec, 'name' | 'layers' | 'totalParams' | 'trainableParams' | 'nonTrainableParams'>, modelName = 'sequential'): string {
  const lines: string[] = [];
  lines.push(`Model: "${modelName}"`);
  lines.push('_'.repeat(LINE));
  lines.push(row(['Layer (type)', 'Output Shape', 'Param #']));
  lines.push('='.repeat(LINE));
  const shown = spec.layers.filter((l) => l.inSummary);
  shown.forEach((l, i) => {
    lines.push(row([`${l.name} (${l.type})`, formatShape(l.outputShape), String(l.params.trainable + l.params.nonTrainable)]));
    lines.push((i === shown.length - 1 ? '=' : '_').repeat(LINE));
  });
  if (!shown.length) lines.push('='.repeat(LINE));
  lines.push(`Total params: ${formatCount(spec.totalParams)}`);
  lines.push(`Trainable params: ${formatCount(spec.trainableParams)}`);
  lines.push(`Non-trainable params: ${formatCount(spec.nonTrainableParams)}`);
  lines.push('_'.repeat(LINE));
  return lines.join('\n') + '\n';
}

/** The machine-readable summary the CLI's `--json` prints. */
export function summaryJson(spec: ResolvedSpec): object {
  return {
    name: spec.name,
    ...(spec.variant === undefined ? {} : { variant: spec.variant }),
    layers: spec.layers.filter((l) => l.inSummary).map((l) => ({
      name: l.name, type: l.type, outputShape: l.outputShape, params: l.params.trainable + l.params.nonTrainable, trainableParams: l.params.trainable,
    })),
    totalParams: spec.totalParams,
    trainableParams: spec.trainableParams,
    nonTrainableParams: spec.nonTrainableParams,
  };
}
