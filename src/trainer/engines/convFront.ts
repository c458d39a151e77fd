/**
 * The kernel's convolutional front (src/kernel/front.c) from the TypeScript side: set up from the
 * plan's ops, Conv2D (and front Dense) weights copied to and from the tfjs model, and each conv's buffers as
 * training health reads them. DenseKernel (denseKernel.ts) owns the instance and calls these.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { frontInputSize, frontOutputSize, type ConvOp, type FrontOp, type KernelNorm } from '../../core/kernelFront';
import type { Block } from '../../core/health/stats';

/** front.c's exports. */
export interface FrontExports {
  k_alloc(bytes: number): number;
  k_front_init(n: number, size: number, batch: number): number;
  k_front_conv(i: number, shape: number, window: number, act: number, alpha: number, bias: number): number;
  k_front_pool(i: number, max: number, shape: number, window: number): number;
  k_front_gap(i: number, h: number, w: number, c: number): number;
  k_front_dropout(i: number, size: number, rate: number, seed: number): number;
  k_front_alpha_dropout(i: number): void;
  k_front_freeze(i: number): void;
  k_front_norm(i: number, position: number, momentum: number, epsilon: number, center: number, scale: number, frozen: number): number;
  k_front_norm_param(i: number, which: number): number;
  k_front_act(i: number, size: number, channels: number, act: number, alpha: number): number;
  k_front_bn(i: number, size: number, channels: number, inner: number, momentum: number, epsilon: number, center: number, scale: number, frozen: number): number;
  k_front_regularizers(i: number, kl1: number, kl2: number, bl1: number, bl2: number): number;
  k_front_activity(i: number, l1: number, l2: number): void;
  k_front_slots(): number;
  k_front_weights(i: number): number;
  k_front_bias(i: number): number;
  k_front_ld(i: number): number;
  k_front_activations(i: number): number;
  k_front_deltas(i: number): number;
  k_front_grad_sq(i: number): number;
  k_front_delta_sq(i: number): number;
  k_front_weight_sq(i: number): number;
  k_front_dropout_mask(i: number): number;
}

/** A weighted layer's buffers in the kernel's memory, as training health reads them. */
export interface KernelLayerView {
  frozen: boolean;
  /** The kernel as it is now. */
  weights(): Block;
  /** The last batch's outputs (after the activation) of m examples. */
  outputs(m: number): Block;
  /** The last batch's loss gradient w.r.t. the pre-activation. */
  deltas(m: number): Block;
  /** The last measured step's squared norms (summed inside the fused update): of the kernel's loss gradient, of its update, of the kernel before it. */
  gradSq(): number;
  deltaSq(): number;
  weightSq(): number;
}

const OUT_OF_MEMORY = 'The training kernel ran out of memory for the model.';

/** A BatchNormalization the kernel holds: its settings, its features, and where each parameter lives (k_norm_param's `which`). */
export interface HeldNorm {
  norm: KernelNorm;
  units: number;
  param(which: number): number;
}

/**
 * Copies each held BatchNormalization's weights between the kernel and the tfjs model, in tfjs's
 * order (gamma, beta, moving mean, moving variance; gamma and beta only with scale and center).
 */
export function syncNorms(held: readonly HeldNorm[], model: tfl.LayersModel, memory: { buffer: ArrayBuffer }, into: 'kernel' | 'model'): void {
  for (const { norm, units, param } of held) {
    const layer = model.getLayer(norm.name);
    const weights = layer.getWeights();
    const which = [...(norm.scale ? [0] : []), ...(norm.center ? [1] : []), 2, 3];
    const arrays = which.map((w) => new Float32Array(memory.buffer, param(w), units));
    if (into === 'kernel') {
      arrays.forEach((a, j) => a.set(weights[j].dataSync() as Float32Array));
      continue;
    }
    const ts = arrays.map((a, j) => tf.tensor(a.slice(), weights[j].shape));
    layer.setWeights(ts);
    tf.dispose(ts);
  }
}

/** The front's conv ops with their op index. */
function convOps(front: readonly FrontOp[]): { op: ConvOp; i: number }[] {
  return front.flatMap((op, i) => (op.kind === 'conv' ? [{ op, i }] : []));
}

export class ConvFront {
  constructor(private readonly k: FrontExports, private readonly memory: { buffer: ArrayBuffer }, private readonly front: readonly FrontOp[]) {}

  /** Allocates the front in the kernel (after k_init, before k_set_optimizer) for a Dense stack of `denseInputs` inputs; throws without memory. */
  init(batch: number, denseInputs: number): void {
    const { k, front } = this;
    if (!front.length) return;
    if (frontOutputSize(front) !== denseInputs) throw new Error(`The convolutional layers give ${frontOutputSize(front)} values per example; the first Dense layer takes ${denseInputs}.`);
    const ints = (v: number[]): number => { const p = k.k_alloc(v.length * 4); new Int32Array(this.memory.buffer, p, v.length).set(v); return p; };
    let ok = k.k_front_init(front.length, frontInputSize(front), batch);
    front.forEach((op, i) => {
      if (!ok) return;
      switch (op.kind) {
        case 'conv':
          ok = k.k_front_conv(i, ints(op.shape), ints(op.window), op.activation, op.alpha, op.bias ? 1 : 0);
          if (ok && op.frozen) k.k_front_freeze(i);
          if (ok && op.regularizers.some((f) => f > 0)) ok = k.k_front_regularizers(i, ...op.regularizers);
          if (ok) k.k_front_activity(i, ...op.activity);
          if (ok && op.norm) ok = this.initNorm(i, op.norm);
          break;
        case 'maxpool': case 'avgpool': ok = k.k_front_pool(i, op.kind === 'maxpool' ? 1 : 0, ints(op.shape), ints(op.window)); break;
        case 'gap': ok = k.k_front_gap(i, op.shape[0], op.shape[1], op.shape[2]); break;
        case 'dropout':
          ok = k.k_front_dropout(i, op.size, op.rate, op.seed | 0);
          if (ok && op.alpha) k.k_front_alpha_dropout(i);
          break;
        case 'act': ok = k.k_front_act(i, op.size, op.channels, op.activation, op.alpha); break;
        case 'norm': {
          const n = op.norm;
          ok = k.k_front_bn(i, op.size, op.channels, op.inner, n.momentum, n.epsilon, +n.center, +n.scale, +n.frozen);
          break;
        }
      }
    });
    if (!ok) throw new Error(OUT_OF_MEMORY);
  }

  private initNorm(i: number, n: KernelNorm): number {
    return this.k.k_front_norm(i, n.position, n.momentum, n.epsilon, +n.center, +n.scale, +n.frozen);
  }

  /** The front's BatchNormalizations: the convs', and those of their own. */
  norms(): HeldNorm[] {
    const param = (i: number) => (w: number): number => this.k.k_front_norm_param(i, w);
    return this.front.flatMap((op, i) => {
      if (op.kind === 'norm') return [{ norm: op.norm, units: op.channels, param: param(i) }];
      return op.kind === 'conv' && op.norm ? [{ norm: op.norm, units: op.shape[5], param: param(i) }] : [];
    });
  }

  /** The optimizer slots of the convs (after k_set_optimizer); throws without memory, or when the ops' shapes do not chain. */
  slots(): void {
    if (this.front.length && !this.k.k_front_slots()) throw new Error('The training kernel could not set up the convolutional layers: out of memory, or shapes that do not chain.');
  }

  /** Conv op i's kernel [kh * kw * cin][filters] (stride ld), or a buffer of `rows` rows at `ptr`. */
  private block(i: number, ptr: number, rows: number): Block {
    const ld = this.k.k_front_ld(i);
    return { data: new Float32Array(this.memory.buffer, ptr, rows * ld), rows, cols: (this.front[i] as ConvOp).shape[5], stride: ld };
  }

  /** Copies the tfjs model's Conv2D and Dense weights ([kh, kw, cin, cout] and [cin, cout] kernels: [kh * kw * cin][cout] rows) into the kernel. */
  loadWeights(model: tfl.LayersModel): void {
    convOps(this.front).forEach(({ op, i }) => {
      const [kernel, bias] = model.getLayer(op.name).getWeights();
      const src = kernel.dataSync() as Float32Array;
      const dst = this.block(i, this.k.k_front_weights(i), src.length / op.shape[5]);
      for (let r = 0; r < dst.rows; r++) dst.data.set(src.subarray(r * dst.cols, (r + 1) * dst.cols), r * dst.stride);
      if (bias) new Float32Array(this.memory.buffer, this.k.k_front_bias(i), dst.cols).set(bias.dataSync() as Float32Array);
    });
  }

  /** Copies the kernel's Conv2D and Dense weights into the tfjs model (in the shapes the layers hold them). */
  storeWeights(model: tfl.LayersModel): void {
    convOps(this.front).forEach(({ op, i }) => {
      const layer = model.getLayer(op.name);
      const rows = op.window[0] * op.window[1] * op.shape[2];
      const src = this.block(i, this.k.k_front_weights(i), rows);
      const w = new Float32Array(rows * src.cols);
      for (let r = 0; r < rows; r++) w.set(src.data.subarray(r * src.stride, r * src.stride + src.cols), r * src.cols);
      const ts: tf.Tensor[] = [tf.tensor(w, layer.weights[0].shape as number[])];
      if (op.bias) ts.push(tf.tensor1d(new Float32Array(this.memory.buffer, this.k.k_front_bias(i), src.cols).slice()));
      layer.setWeights(ts);
      tf.dispose(ts);
    });
  }

  /** The last step's masks of the front's Dropout layers, by their index in `spec.layers`: [rows][size]. */
  dropoutMasks(rows: number): Map<number, Float32Array> {
    const masks = new Map<number, Float32Array>();
    this.front.forEach((op, i) => {
      if (op.kind === 'dropout') masks.set(op.layer, new Float32Array(this.memory.buffer, this.k.k_front_dropout_mask(i), rows * op.size).slice());
    });
    return masks;
  }

  /** Conv op i's output of `rows` rows after its activation, or after the Activation op it is measured at. */
  private outputs(op: ConvOp, i: number, rows: number): Block {
    const at = op.measuredAt;
    if (at === undefined) return this.block(i, this.k.k_front_activations(i), rows);
    const stride = this.k.k_front_ld(at);
    return { data: new Float32Array(this.memory.buffer, this.k.k_front_activations(at), rows * stride), rows, cols: op.shape[5], stride };
  }

  /** Each conv's buffers for training health, in model order. */
  views(): KernelLayerView[] {
    return convOps(this.front).map(({ op, i }): KernelLayerView => {
      const rows = op.window[0] * op.window[1] * op.shape[2];
      const pixels = op.shape[3] * op.shape[4];
      return {
        frozen: op.frozen,
        weights: () => this.block(i, this.k.k_front_weights(i), rows),
        outputs: (m) => this.outputs(op, i, m * pixels),
        deltas: (m) => this.block(i, this.k.k_front_deltas(i), m * pixels),
        gradSq: () => this.k.k_front_grad_sq(i),
        deltaSq: () => this.k.k_front_delta_sq(i),
        weightSq: () => this.k.k_front_weight_sq(i),
      };
    });
  }
}
