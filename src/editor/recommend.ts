/**
 * The choice that fits the rest of the spec, for completion to preselect: the initializer made
 * for a layer's activation (the notebook's pairings), the output activation its loss expects,
 * the loss for its output and labels.
 */
import { lookupActivation, lookupLoss, type ActivationFamily, type Json } from '../core/registry';
import { outputActivation, refName, type LayerInfo, type ModelInfo } from '../core/model';

/** A recommended value and, in a few words, why. */
export interface Recommendation {
  value: string;
  why: string;
}

/** The kernel initializer each activation family pairs with (the notebook's pairings). */
const INITIALIZER_FOR: Record<ActivationFamily, string> = { relu: 'he_normal', selu: 'lecun_normal', saturating: 'glorot_uniform', other: 'glorot_uniform' };

/** The kernel initializer made for `activation`. */
export function initializerFor(activation: string | undefined): Recommendation | undefined {
  const family = activation === undefined ? undefined : lookupActivation(activation)?.family;
  return family && { value: INITIALIZER_FOR[family], why: `pairs with ${activation}` };
}

/** The last layer that applies an activation, when nothing after it changes the values. */
export function outputLayer(model: ModelInfo): LayerInfo | undefined {
  const out = outputActivation(model);
  return out?.layer.entry?.activationArg ? out.layer : undefined;
}

/** The activation for `layer`: what the loss expects of the output layer; else what its initializer was made for. */
export function activationFor(model: ModelInfo, layer: LayerInfo | undefined, loss: Json | undefined, initializer: string | undefined): Recommendation | undefined {
  const lossEntry = lookupLoss(refName('loss', loss) ?? '');
  if (layer && layer === outputLayer(model) && lossEntry) {
    const fromLogits = typeof loss === 'object' && loss !== null && !Array.isArray(loss) && loss.from_logits === true;
    if (fromLogits) return { value: 'linear', why: 'the loss takes logits' };
    if (lossEntry.family === 'sparse' || lossEntry.family === 'categorical') return { value: 'softmax', why: `output for ${lossEntry.name}` };
    if (lossEntry.family === 'binary' && lossEntry.name === 'binary_crossentropy') return { value: 'sigmoid', why: 'output for binary_crossentropy' };
    return undefined;
  }
  if (initializer === 'lecun_normal') return { value: 'selu', why: 'pairs with lecun_normal' };
  if (initializer === 'he_normal' || initializer === 'he_uniform') return { value: 'relu', why: `pairs with ${initializer}` };
  return undefined;
}

/** The loss for the model's output and labels. */
export function lossFor(model: ModelInfo): Recommendation | undefined {
  const out = outputLayer(model);
  if (!out?.entry?.activationArg) return undefined;
  const act = refName('activation', out.args[out.entry.activationArg]);
  const units = out.outputShape?.[out.outputShape.length - 1];
  // Built-in datasets label examples with class ids; local files may hold one-hot rows.
  if (act === 'softmax' && model.dataset) return { value: 'sparse_categorical_crossentropy', why: `softmax output, ${model.dataset.name} class ids` };
  if (act === 'sigmoid' && units === 1) return { value: 'binary_crossentropy', why: 'one sigmoid output' };
  return undefined;
}
