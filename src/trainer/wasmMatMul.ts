/**
 * A faster `BatchMatMul` kernel for the tfjs wasm backend (tfjs-backend-wasm 4.22).
 *
 * Why: the stock wasm kernel (`dist/kernels/BatchMatMul.js` → C++ `batch_mat_mul_impl.cc`)
 * only uses XNNPACK's fully-connected operator when `transposeA` and `transposeB` are both false
 * and the batch size of both operands is 1. Every other call runs `slow_batch_matmul`, a blocked
 * scalar triple loop. Training a Dense layer hits that slow loop twice per layer and step: the
 * backward pass computes `dx = dy·Wᵀ` (transposeB) and `dW = xᵀ·dy` (transposeA).
 *
 * What: for batch-1 float32 calls with a transposed operand we transpose explicitly with the
 * wasm `Transpose` kernel and hand non-transposed operands to the stock kernel, which then takes
 * the XNNPACK path. Everything else (no transpose, real batches, other dtypes) goes to the stock
 * kernel unchanged, so results and error messages stay the stock ones.
 *
 * Cost model: the stock fast path uses its right operand as XNNPACK "weights" and packs them
 * for every new tensor id (it caches the packed operator per weights id, and our temporaries
 * are new ids each call). Packing costs more per element than a transpose. So besides the direct
 * form `C = op(A)·op(B)` we may compute the transposed product `Cᵀ = op(B)ᵀ·op(A)ᵀ` and transpose
 * the (usually small) result: for `dx = dy·Wᵀ` that transposes and packs the small `dy`
 * (batch × units) instead of the large `W`. We pick whichever form moves fewer elements.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Cost of packing one weights element relative to transposing one element. Measured on 784×300
 * float32 weights: creating (packing) and later deleting the XNNPACK operator ≈ 0.7-1.3 ms,
 * a wasm Transpose ≈ 0.12-0.19 ms, so 5-10×.
 */
const PACK_COST = 6;

/** The stock config, captured on first install so it can be restored and delegated to. */
let stockConfig: tf.KernelConfig | undefined;

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Strategy for one call; exported for tests via {@link planFastMatMul}. */
export type FastMatMulPlan = 'stock' | 'direct' | 'swapped';

function batchSize(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length - 2; i++) n *= shape[i];
  return n;
}

/**
 * Decides how {@link installFastWasmMatMul}'s kernel runs a `BatchMatMul` call.
 *
 * - `stock`: no transpose requested, a real batch (the stock fast path needs batch 1 on both
 *   sides, so transposing would not help), or rank < 2. (The kernel also leaves non-float32
 *   inputs to the stock kernel, which rejects them.)
 * - `direct`: transpose the transposed operand(s), then `op(A)·op(B)`.
 * - `swapped`: compute `Cᵀ = op(B)ᵀ·op(A)ᵀ` (transposing whatever is *not* transposed yet),
 *   then transpose the result.
 *
 * Exported so tests can check that their shapes exercise both non-stock plans.
 */
export function planFastMatMul(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): FastMatMulPlan {
  if (!transposeA && !transposeB) return 'stock';
  if (aShape.length < 2 || bShape.length < 2) return 'stock';
  if (batchSize(aShape) !== 1 || batchSize(bShape) !== 1) return 'stock';
  const ra = aShape.length;
  const rb = bShape.length;
  const m = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const k = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const n = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  // Element moves: explicit transposes + weights packing (+ result transpose when swapped).
  const direct = (transposeA ? m * k : 0) + (transposeB ? n * k : 0) + PACK_COST * k * n;
  const swapped = (transposeA ? 0 : m * k) + (transposeB ? 0 : n * k) + PACK_COST * k * m + m * n;
  return swapped < direct ? 'swapped' : 'direct';
}

/** Permutation swapping the last two axes of a rank-`rank` tensor. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

function fastBatchMatMul(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const stock = stockConfig;
  if (stock === undefined) throw new Error('fast wasm BatchMatMul: stock kernel not captured');
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as tf.BatchMatMulAttrs;
  const transposeA = Boolean(attrs.transposeA);
  const transposeB = Boolean(attrs.transposeB);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock.kernelFunc(args);
  const plan = planFastMatMul(a.shape, b.shape, transposeA, transposeB);
  if (plan === 'stock') return stock.kernelFunc(args);

  // Inner sizes must agree; if not, let the stock kernel throw its usual message.
  const innerA = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const innerB = transposeB ? b.shape[b.shape.length - 1] : b.shape[b.shape.length - 2];
  if (innerA !== innerB) return stock.kernelFunc(args);

  const transposeConfig = tf.getKernel(tf.Transpose, 'wasm');
  if (transposeConfig === undefined) return stock.kernelFunc(args);
  const backend = args.backend as tf.KernelBackend;
  const temps: tf.TensorInfo[] = [];
  const transpose = (x: tf.TensorInfo): tf.TensorInfo => {
    const out = transposeConfig.kernelFunc({
      inputs: { x },
      backend,
      attrs: { perm: swapLastTwo(x.shape.length) },
    }) as tf.TensorInfo;
    temps.push(out);
    return out;
  };
  const matMul = (left: tf.TensorInfo, right: tf.TensorInfo): tf.TensorInfo =>
    stock.kernelFunc({
      inputs: { a: left, b: right },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }) as tf.TensorInfo;

  try {
    if (plan === 'direct') {
      return matMul(transposeA ? transpose(a) : a, transposeB ? transpose(b) : b);
    }
    // swapped: Cᵀ = op(B)ᵀ · op(A)ᵀ, where op(X)ᵀ is X itself when X was to be transposed.
    const left = transposeB ? b : transpose(b);
    const right = transposeA ? a : transpose(a);
    const productT = matMul(left, right);
    temps.push(productT);
    // Batch dims are all 1 here, so transposing the last two axes gives exactly the shape
    // the stock kernel would have returned for the original call.
    const out = transposeConfig.kernelFunc({
      inputs: { x: productT },
      backend,
      attrs: { perm: swapLastTwo(productT.shape.length) },
    }) as tf.TensorInfo;
    return out;
  } finally {
    // Temporaries never reach the engine, so they are ours to free.
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

/** True while our kernel is the registered wasm `BatchMatMul`. */
export function isFastWasmMatMulInstalled(): boolean {
  return tf.getKernel(tf.BatchMatMul, 'wasm')?.kernelFunc === fastBatchMatMul;
}

/**
 * Replaces the wasm backend's `BatchMatMul` kernel with one that sends transposed operands
 * through the XNNPACK fast path (see the file comment). Idempotent. Works before or after the
 * wasm backend is initialized: the setup function is the stock one, which has already run if
 * the backend exists and which the engine runs on the next initialization otherwise.
 *
 * @throws if `@tensorflow/tfjs-backend-wasm` has not been imported (no stock kernel to wrap).
 */
export function installFastWasmMatMul(): void {
  if (isFastWasmMatMulInstalled()) return;
  const current = tf.getKernel(tf.BatchMatMul, 'wasm');
  if (current === undefined) {
    throw new Error(
      'installFastWasmMatMul: no wasm BatchMatMul kernel is registered; import ' +
        "'@tensorflow/tfjs-backend-wasm' first.",
    );
  }
  stockConfig = current;
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel({
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    // The stock setup cwraps the C++ entry point into a module-level variable that the stock
    // kernelFunc (our delegate) uses, so it must keep running on backend initialization.
    setupFunc: current.setupFunc,
    disposeFunc: current.disposeFunc,
    kernelFunc: fastBatchMatMul,
  });
}

/**
 * Restores the stock wasm `BatchMatMul` kernel (for comparisons in tests and benchmarks).
 * No-op when the fast kernel is not installed.
 */
export function uninstallFastWasmMatMul(): void {
  if (!isFastWasmMatMulInstalled() || stockConfig === undefined) return;
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel(stockConfig);
}
