/**
 * The gradient of Conv2D where TensorFlow.js has none: the wasm backend registers no
 * `Conv2DBackpropFilter` kernel (tensorflow/tfjs#8474: every convnet failed at its first batch),
 * and no backend has gradients for dilated convolutions. Both gradients are written here as
 * sums of matrix products over the kernel's taps, which every backend runs (and the wasm
 * backend runs through XNNPACK). Average pooling's gradient where same padding pads is
 * TensorFlow's too (TensorFlow.js's disagrees with its own forward pass). Elsewhere the stock
 * gradients stay.
 */
import * as tf from '@tensorflow/tfjs-core';

type Pair = [number, number];
interface Conv2DAttrs {
  strides: number | Pair;
  pad: unknown;
  dataFormat: string;
  dilations: number | Pair;
}

const pair = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v);

/** Padding before and after one spatial axis, as TensorFlow computes it for `valid` and `same`. */
export function convPadding(inSize: number, outSize: number, kernel: number, stride: number, dilation: number, pad: 'valid' | 'same'): Pair {
  if (pad === 'valid') return [0, 0];
  const total = Math.max((outSize - 1) * stride + (kernel - 1) * dilation + 1 - inSize, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** The shapes and padding one gradient needs. */
interface Geometry {
  x: number[];
  dy: number[];
  kernel: Pair;
  strides: Pair;
  dilations: Pair;
  top: Pair;
  left: Pair;
}

function geometry(x: number[], dy: number[], filter: number[], a: Conv2DAttrs): Geometry {
  const [strides, dilations] = [pair(a.strides), pair(a.dilations)];
  const pad = a.pad as 'valid' | 'same';
  return {
    x, dy, kernel: [filter[0], filter[1]], strides, dilations,
    top: convPadding(x[1], dy[1], filter[0], strides[0], dilations[0], pad),
    left: convPadding(x[2], dy[2], filter[1], strides[1], dilations[1], pad),
  };
}

/** dL/dfilter: for each tap (kh, kw), the input rows that tap saw, times dy. */
export function conv2dFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], attrs: Conv2DAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const g = geometry(x.shape, dy.shape, filterShape, attrs);
    const [b, , , c] = g.x;
    const [oh, ow, co] = [g.dy[1], g.dy[2], g.dy[3]];
    const xp = tf.pad(x, [[0, 0], g.top, g.left, [0, 0]]);
    const dy2 = tf.reshape(dy, [b * oh * ow, co]);
    const taps: tf.Tensor[] = [];
    for (let kh = 0; kh < g.kernel[0]; kh++) {
      for (let kw = 0; kw < g.kernel[1]; kw++) {
        const [h0, w0] = [kh * g.dilations[0], kw * g.dilations[1]];
        const seen = tf.stridedSlice(xp, [0, h0, w0, 0], [b, h0 + (oh - 1) * g.strides[0] + 1, w0 + (ow - 1) * g.strides[1] + 1, c], [1, g.strides[0], g.strides[1], 1]);
        taps.push(tf.matMul(tf.reshape(seen, [b * oh * ow, c]), dy2, true, false));
      }
    }
    return tf.reshape(tf.stack(taps), [g.kernel[0], g.kernel[1], c, co]) as tf.Tensor4D;
  });
}

/** dL/dx of a dilated convolution with stride 1: each tap's dy times its weights, placed where the tap read. */
export function conv2dDilatedInputGradient(xShape: number[], dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: Conv2DAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const g = geometry(xShape, dy.shape, filter.shape, attrs);
    const [b, h, w, c] = g.x;
    const [oh, ow, co] = [g.dy[1], g.dy[2], g.dy[3]];
    const [hp, wp] = [h + g.top[0] + g.top[1], w + g.left[0] + g.left[1]];
    const dy2 = tf.reshape(dy, [b * oh * ow, co]);
    let sum: tf.Tensor = tf.zeros([b, hp, wp, c]);
    for (let kh = 0; kh < g.kernel[0]; kh++) {
      for (let kw = 0; kw < g.kernel[1]; kw++) {
        const [h0, w0] = [kh * g.dilations[0], kw * g.dilations[1]];
        const weights = tf.reshape(tf.slice(filter, [kh, kw, 0, 0], [1, 1, c, co]), [c, co]);
        const part = tf.reshape(tf.matMul(dy2, weights, false, true), [b, oh, ow, c]);
        sum = tf.add(sum, tf.pad(part, [[0, 0], [h0, hp - h0 - oh], [w0, wp - w0 - ow], [0, 0]]));
      }
    }
    return tf.slice(sum, [0, g.top[0], g.left[0], 0], [b, h, w, c]) as tf.Tensor4D;
  });
}

/** Whether the stock gradient handles this call on the current backend. */
function stockHandles(a: Conv2DAttrs): boolean {
  const dilated = pair(a.dilations).some((d) => d !== 1);
  const ours = a.dataFormat === 'NHWC' && (a.pad === 'valid' || a.pad === 'same');
  return !ours || (!dilated && tf.getBackend() !== 'wasm');
}

let installed = false;

/**
 * A `Conv2DBackpropFilter` kernel for the wasm backend, from the tap-wise products above: the
 * fused conv2d op (tfjs-layers' Conv2D without an activation) calls that kernel directly from its
 * own custom gradient, so re-registering the Conv2D gradient alone does not reach it.
 */
function registerWasmFilterKernel(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.Tensor4D; dy: tf.Tensor4D };
      const a = attrs as unknown as Conv2DAttrs & { filterShape: number[] };
      return conv2dFilterGradient(x, dy, a.filterShape, { ...a, dilations: 1 }) as unknown as tf.TensorInfo;
    },
  });
}

interface AvgPoolAttrs {
  filterSize: number | Pair;
  strides: number | Pair;
  pad: unknown;
}

/**
 * dL/dx of average pooling with same padding that pads: each output's gradient spread over the
 * cells its window averaged, divided by their count as the forward pass divides (TensorFlow's
 * AvgPoolGrad; TensorFlow.js's divides by the whole window, so its border gradients were too
 * small). That is the valid-padding gradient on the padded input, each dy times window / count.
 */
export function avgPoolSameGradient(x: tf.Tensor4D, dy: tf.Tensor4D, attrs: AvgPoolAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [k, s] = [pair(attrs.filterSize), pair(attrs.strides)];
    const [b, h, w, c] = x.shape;
    const [oh, ow] = [dy.shape[1], dy.shape[2]];
    const top = convPadding(h, oh, k[0], s[0], 1, 'same');
    const left = convPadding(w, ow, k[1], s[1], 1, 'same');
    const scale = new Float32Array(oh * ow);
    for (let oy = 0; oy < oh; oy++) {
      const rows = Math.min(oy * s[0] - top[0] + k[0], h) - Math.max(oy * s[0] - top[0], 0);
      for (let ox = 0; ox < ow; ox++) {
        const cols = Math.min(ox * s[1] - left[0] + k[1], w) - Math.max(ox * s[1] - left[0], 0);
        scale[oy * ow + ox] = (k[0] * k[1]) / (rows * cols);
      }
    }
    const g = tf.mul(dy, tf.tensor4d(scale, [1, oh, ow, 1]));
    const padded = tf.zeros([b, h + top[0] + top[1], w + left[0] + left[1], c]);
    const dxp = tf.engine().runKernel('AvgPoolGrad', { dy: g, input: padded }, { filterSize: k, strides: s, pad: 'valid' }) as tf.Tensor4D;
    return tf.slice(dxp, [0, top[0], left[0], 0], [b, h, w, c]);
  });
}

/** Whether average pooling's window reaches past the image (same padding that pads). */
function avgPoolPads(x: number[], dy: number[], a: AvgPoolAttrs): boolean {
  const [k, s] = [pair(a.filterSize), pair(a.strides)];
  return a.pad === 'same' && ((dy[1] - 1) * s[0] + k[0] > x[1] || (dy[2] - 1) * s[1] + k[1] > x[2]);
}

/** Registers the AvgPool gradient above where the window pads; the stock one serves elsewhere. */
function registerAvgPoolGradient(): void {
  const stock = tf.getGradient('AvgPool');
  tf.registerGradient({
    kernelName: 'AvgPool',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x, d, a] = [saved[0] as tf.Tensor4D, dy as tf.Tensor4D, attrs as unknown as AvgPoolAttrs];
      if (stock && !avgPoolPads(x.shape, d.shape, a)) return stock.gradFunc(dy, saved, attrs);
      return { x: () => avgPoolSameGradient(x, d, a) };
    },
  });
}

/** Registers the Conv2D and AvgPool gradients above (once per process; the stock ones serve where they can). */
export function installConvGradients(): void {
  if (installed) return;
  installed = true;
  registerWasmFilterKernel();
  registerAvgPoolGradient();
  const stock = tf.getGradient('Conv2D');
  tf.registerGradient({
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const a = attrs as unknown as Conv2DAttrs;
      if (stock && stockHandles(a)) return stock.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const d = dy as tf.Tensor4D;
      const dilated = pair(a.dilations).some((v) => v !== 1);
      return {
        x: () => (dilated ? conv2dDilatedInputGradient(x.shape, d, filter, a) : tf.conv2dTranspose(d, filter, x.shape, a.strides, a.pad as 'valid')),
        filter: () => conv2dFilterGradient(x, d, filter.shape, a),
      };
    },
  });
}
