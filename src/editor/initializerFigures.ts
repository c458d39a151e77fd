/**
 * What a variance-scaling initializer draws for one layer: its fans and the resulting standard
 * deviation or uniform limit, written out (`std = sqrt(2 / 784) = 0.0505`) for hovers.
 */
import type { LayerInfo } from '../core/model';
import type { Json } from '../core/registry';

interface VarianceScaling {
  scale: number;
  mode: 'fan_in' | 'fan_out' | 'fan_avg';
  distribution: 'truncated_normal' | 'untruncated_normal' | 'uniform';
}

/** Keras's presets, by canonical name. */
const PRESETS: Record<string, VarianceScaling> = {
  glorot_uniform: { scale: 1, mode: 'fan_avg', distribution: 'uniform' },
  glorot_normal: { scale: 1, mode: 'fan_avg', distribution: 'truncated_normal' },
  he_normal: { scale: 2, mode: 'fan_in', distribution: 'truncated_normal' },
  he_uniform: { scale: 2, mode: 'fan_in', distribution: 'uniform' },
  lecun_normal: { scale: 1, mode: 'fan_in', distribution: 'truncated_normal' },
  lecun_uniform: { scale: 1, mode: 'fan_in', distribution: 'uniform' },
};

/** The variance scaling of a canonical initializer name with its arguments, if it is one. */
function varianceScaling(name: string, args: Readonly<Record<string, Json>>): VarianceScaling | undefined {
  if (PRESETS[name]) return PRESETS[name];
  if (name !== 'variance_scaling') return undefined;
  const scale = typeof args.scale === 'number' ? args.scale : 1;
  const mode = args.mode === 'fan_out' || args.mode === 'fan_avg' ? args.mode : 'fan_in';
  const distribution = args.distribution === 'uniform' ? 'uniform' : args.distribution === 'untruncated_normal' ? 'untruncated_normal' : 'truncated_normal';
  return { scale, mode, distribution };
}

/** Keras's fans of a layer's kernel: Dense (in, units); Conv2D (kh·kw·in channels, kh·kw·filters). */
function fansOf(layer: LayerInfo): { fanIn: number; fanOut: number } | undefined {
  const input = layer.inputShape;
  const output = layer.outputShape;
  if (!input || !output) return undefined;
  const inDim = input[input.length - 1];
  const outDim = output[output.length - 1];
  if (inDim === null || outDim === null) return undefined;
  if (layer.type === 'Dense') return { fanIn: inDim, fanOut: outDim };
  if (layer.type === 'Conv2D') {
    const k = layer.args.kernel_size;
    const [kh, kw] = typeof k === 'number' ? [k, k] : Array.isArray(k) ? [Number(k[0]), Number(k[1])] : [1, 1];
    return { fanIn: kh * kw * inDim, fanOut: kh * kw * outDim };
  }
  return undefined;
}

const round = (x: number): string => (x >= 0.01 ? x.toFixed(4) : x.toPrecision(3));

/**
 * One line for a layer: `fan_in 784 → std = sqrt(2 / 784) = 0.0505`, or undefined when the
 * initializer is not a variance scaling or the layer's fans are unknown.
 */
export function initializerLine(name: string, args: Readonly<Record<string, Json>>, layer: LayerInfo): string | undefined {
  const vs = varianceScaling(name, args);
  const fans = fansOf(layer);
  if (!vs || !fans) return undefined;
  const { fanIn, fanOut } = fans;
  const uniform = vs.distribution === 'uniform';
  // Normal: std = sqrt(scale / n); uniform: limit = sqrt(3 scale / n); fan_avg halves the sum.
  const c = (uniform ? 3 : 1) * vs.scale * (vs.mode === 'fan_avg' ? 2 : 1);
  const [n, nText, fansText] = vs.mode === 'fan_in'
    ? [fanIn, String(fanIn), `fan_in ${fanIn}`]
    : vs.mode === 'fan_out'
      ? [fanOut, String(fanOut), `fan_out ${fanOut}`]
      : [fanIn + fanOut, `(${fanIn} + ${fanOut})`, `fan_in ${fanIn}, fan_out ${fanOut}`];
  const value = Math.sqrt(c / n);
  const what = uniform ? 'limit' : 'std';
  const draw = uniform ? `U(-${round(value)}, ${round(value)})` : vs.distribution === 'truncated_normal' ? 'truncated normal (cut at 2 std)' : 'normal';
  return `${fansText}: ${what} = sqrt(${Number(c.toPrecision(6))} / ${nText}) = ${round(value)}, drawn from ${draw}`;
}
