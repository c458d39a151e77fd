/** Which layers of a spec training health measures, and what activation each one's output has. */
import { lookupLayer } from '../registry';
import type { ResolvedSpec } from '../resolve';

/** A weighted layer (one with a kernel) as training health reports it. */
export interface HealthLayer {
  /** Keras name and class. */
  name: string;
  type: string;
  /** Index of the weighted layer in `spec.layers`. */
  index: number;
  /**
   * Index in `spec.layers` of the layer whose output is measured: the weighted layer itself, or
   * the Activation / LeakyReLU layer right after a linear one, or after the BatchNormalization or
   * Dropout that follows it (the fused kernel folds it in).
   */
  outputIndex: number;
  /** The Keras activation of the measured output: `relu`, `sigmoid`, `leaky_relu`, `linear`, ... */
  activation: string;
}

/** The spec's weighted layers in model order. */
export function healthLayers(spec: ResolvedSpec): HealthLayer[] {
  const out: HealthLayer[] = [];
  spec.layers.forEach((layer, index) => {
    if (!lookupLayer(layer.type)?.kernelInitializerArg) return;
    const own = String(layer.args.activation ?? 'linear');
    // Dense -> BatchNormalization or Dropout -> Activation: the activation's output is the one worth watching.
    const skip = ['BatchNormalization', 'Dropout'].includes(spec.layers[index + 1]?.type ?? '') ? 2 : 1;
    const next = spec.layers[index + skip];
    const folded = own === 'linear' && next ? foldedActivation(next.type, next.args) : undefined;
    out.push({ name: layer.name, type: layer.type, index, outputIndex: folded ? index + skip : index, activation: folded ?? own });
  });
  return out;
}

/** The activation an Activation or LeakyReLU layer applies, else undefined. */
function foldedActivation(type: string, args: Record<string, unknown>): string | undefined {
  if (type === 'Activation') return String(args.activation);
  if (type === 'LeakyReLU') return 'leaky_relu';
  return undefined;
}
