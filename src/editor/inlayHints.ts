/**
 * Inlay hints: after each layer, its output shape and parameter count, as a column of
 * `model.summary()` next to the code. Layers written inside a variant get their own.
 */
import { formatCount, formatShape } from '../core/registry';
import type { LayerInfo } from '../core/model';
import { analysisOf } from './analysisCache';
import { layersWrittenIn } from './modelAt';
import type { InlayHint } from './types';
import { escapeMarkdown } from './markdown';

/** One hint after each layer: output shape and parameter count. */
export function inlayHints(text: string): InlayHint[] {
  const a = analysisOf(text);
  const layers = [...a.model.layers, ...a.variants.flatMap((v) => layersWrittenIn(v.model, v.node))];
  return layers.filter((l) => l.outputShape).map((l) => hint(text, l)).sort((x, y) => x.offset - y.offset);
}

function hint(text: string, l: LayerInfo): InlayHint {
  const end = l.node.offset + l.node.length;
  // After the comma that follows the layer, if any, so the hint does not split `},`.
  const offset = text[end] === ',' ? end + 1 : end;
  const total = l.params ? l.params.trainable + l.params.nonTrainable : 0;
  const label = `→ ${formatShape(l.outputShape ?? [])}${total ? ` · ${formatCount(total)} params` : ''}`;
  const nonTrainable = l.params?.nonTrainable ? ` (${formatCount(l.params.nonTrainable)} non-trainable)` : '';
  // The tooltip is Markdown: the name is escaped, whatever it holds.
  const tooltip = `${escapeMarkdown(l.name)} (${l.type}): ${l.inputShape ? formatShape(l.inputShape) : '?'} → ${formatShape(l.outputShape ?? [])}\n` +
    `Params: ${l.params?.formula ?? formatCount(total)}${nonTrainable}`;
  return { offset, label, tooltip };
}
