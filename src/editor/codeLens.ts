/**
 * Code lenses: above the spec, `316,810 params · Train · Summary · Compare variants`; above each
 * variant, its parameter count and a Train lens for that variant alone.
 */
import { formatCount } from '../core/registry';
import type { ModelInfo } from '../core/model';
import { analysisOf } from './analysisCache';
import type { CodeLensInfo } from './types';
import { plainTitle } from './markdown';

/** Lenses above the spec: `316,810 params · Train · Summary · Compare variants`. */
export function codeLenses(text: string): CodeLensInfo[] {
  const a = analysisOf(text);
  if (a.root?.type !== 'object') return [];
  const at = { offset: a.root.offset, length: a.root.length };
  const lenses: CodeLensInfo[] = [];
  const count = paramsLens(a.model, at);
  if (count) lenses.push(count);
  lenses.push(
    { ...at, title: 'Train', command: 'modelSpec.trainModel', tooltip: a.variants.length ? `Train all ${a.variants.length} variants` : 'Train the model' },
    { ...at, title: 'Summary', command: 'modelSpec.showSummary', tooltip: 'Show the Keras model summary' },
  );
  if (a.variants.length) lenses.push({ ...at, title: 'Compare variants', command: 'modelSpec.compareVariants', tooltip: 'Compare the trained variants\' metrics' });
  for (const v of a.variants) {
    const vat = { offset: v.node.offset, length: v.node.length };
    const vcount = paramsLens(v.model, vat, v.name);
    if (vcount) lenses.push(vcount);
    lenses.push({ ...vat, title: 'Train variant', command: 'modelSpec.trainModel', tooltip: plainTitle(`Train variant "${v.name}" only`), variant: v.name });
  }
  return lenses;
}

/** `316,810 params`, opening the summary; none while some layer's shape is unknown (the count would be short). */
function paramsLens(model: ModelInfo, at: { offset: number; length: number }, variant?: string): CodeLensInfo | undefined {
  if (!model.complete) return undefined;
  return {
    ...at,
    title: `${formatCount(model.totalParams)} params`,
    command: 'modelSpec.showSummary',
    tooltip: `Total ${formatCount(model.totalParams)} · trainable ${formatCount(model.trainableParams)} · non-trainable ${formatCount(model.nonTrainableParams)}`,
    ...(variant === undefined ? {} : { variant }),
  };
}
