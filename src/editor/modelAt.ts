/**
 * Which model a place in the text belongs to: the base spec's, or a variant's when the place
 * is inside that variant's patch (its merged model then reflects the patch).
 */
import type { Node } from 'jsonc-parser';
import type { Analysis, VariantInfo } from '../core/analyze';
import type { LayerInfo, ModelInfo } from '../core/model';

export interface ModelAt {
  model: ModelInfo;
  /** The spec's tree the model was inferred from (a variant's is merged over the base). */
  root?: Node;
  variant?: VariantInfo;
}

/** True when `offset` is within `node`, its ends included (a cursor right after `}` is still on it). */
export const within = (node: Pick<Node, 'offset' | 'length'>, offset: number): boolean =>
  offset >= node.offset && offset <= node.offset + node.length;

/** The model in force at `offset`. */
export function modelAt(a: Analysis, offset: number): ModelAt {
  const variant = a.variants.find((v) => within(v.node, offset));
  return variant ? { model: variant.model, root: variant.root, variant } : { model: a.model, root: a.root };
}

/** The innermost layer whose object holds `offset`. */
export function layerAt(model: ModelInfo, offset: number): LayerInfo | undefined {
  return model.layers.find((l) => within(l.node, offset));
}

/** The layers whose argument `arg` takes its value from `node` (a layer's own or a layer_defaults entry). */
export function layersUsing(model: ModelInfo, arg: string, node: Node): LayerInfo[] {
  return model.layers.filter((l) => l.argNodes[arg] === node);
}

/** The layers a spec or variant writes itself (a variant that patches `layers` writes its own). */
export function layersWrittenIn(model: ModelInfo, container: Node): LayerInfo[] {
  return model.layers.filter((l) => within(container, l.node.offset));
}
