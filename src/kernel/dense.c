// The fused training step for Sequential stacks of Dense layers (after front.c's convolutional
// front, when the model has one), compiled to WebAssembly SIMD (scripts/buildKernel.js). One call
// per batch: gather the batch from the resident training set, forward, loss and accuracy,
// backward, optimizer update. Weights and optimizer state stay in
// this module's memory; the trainer copies them to and from TensorFlow.js (fastPath.ts).
//
// The maths follows TensorFlow.js's layers and optimizers (not Keras's formulas where they
// differ), so a run matches the stock tfjs path to float32 rounding.
//
// Layout: a Dense kernel is [in, out] row-major like tfjs's, but each row is padded to a
// multiple of 8 floats (`ld`) so the SIMD loops have no column tails. Padded columns hold
// zeros and get zero gradients, so they stay zero. No libc: the module has no imports.
#include "kernel.h"

// ACT_, LOSS_ and OPT_ values are the registry's `fusedKernel` codes (src/core/registry), named after
// its entries; test/registryLists.test.ts compares them. ACC_ are the variants of `accuracy`.
// From ACT_RELU6 on, the backward pass reads the pre-activation (kept in Layer.z), except relu6's.
enum { ACT_LINEAR, ACT_RELU, ACT_ELU, ACT_SELU, ACT_SIGMOID, ACT_TANH, ACT_SOFTMAX, ACT_LEAKY_RELU, ACT_RELU6, ACT_HARD_SIGMOID, ACT_SOFTPLUS, ACT_SOFTSIGN, ACT_SWISH, ACT_MISH, ACT_GELU };
enum {
  LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, LOSS_CATEGORICAL_CROSSENTROPY, LOSS_BINARY_CROSSENTROPY, LOSS_MEAN_SQUARED_ERROR,
  LOSS_MEAN_ABSOLUTE_ERROR, LOSS_MEAN_ABSOLUTE_PERCENTAGE_ERROR, LOSS_MEAN_SQUARED_LOGARITHMIC_ERROR, LOSS_HINGE,
  LOSS_SQUARED_HINGE, LOSS_CATEGORICAL_HINGE, LOSS_LOG_COSH, LOSS_KL_DIVERGENCE, LOSS_POISSON, LOSS_COSINE_SIMILARITY
};
enum { ACC_NONE, ACC_SPARSE, ACC_CATEGORICAL, ACC_BINARY };
// OPT_ADAMW and OPT_NADAM are Keras 3's (TensorFlow.js has neither): the kernel is their only engine.
enum { OPT_SGD, OPT_MOMENTUM, OPT_ADAM, OPT_RMSPROP, OPT_ADAMAX, OPT_ADAGRAD, OPT_ADADELTA, OPT_RMSPROP_CENTERED, OPT_ADAMW, OPT_NADAM };

// Layer (kernel.h): one Dense layer, or the weights of one convolution in front.c.


static Layer *L;  // nlayers of them, allocated by k_init: no fixed depth limit
static int nlayers, in_dim, in_ld, y_dim, max_batch, loss_kind, acc_kind, opt_kind, nesterov;
static float lr, p_beta1, p_beta2, p_eps, p_momentum, beta1_pow, beta2_pow;
static float p_weight_decay;             // AdamW's
static float step_c1, step_c2, step_c3;  // per-step factors of Adamax, AdamW and Nadam (begin_step)
static double decay_pow, u_product;      // Nadam's 0.96^t and product of its momentum schedule
static uint32_t step_count;              // training steps so far: seeds each step's dropout masks
static float *xs, *ys, *xb;  // resident data and the gathered batch
static float *eval_ys;       // the labels of an evaluated batch (k_eval_batch)
static int training = 1;     // 0 while evaluating: no dropout (inference mode)
static const float *dense_in;  // the first Dense layer's input this step: xb, or the front's output
static int measuring;        // k_measure: steps record each kernel's squared gradient norm
static float batch_acc;
static int from_logits;      // k_set_from_logits: the loss applies softmax / sigmoid itself to the output (the logits)

extern unsigned char __heap_base;
static uintptr_t heap_top;

/** Bump allocator over linear memory, 16-byte aligned, growing memory as needed. */
EXPORT void *k_alloc(int bytes) {
  if (!heap_top) heap_top = (uintptr_t)&__heap_base;
  heap_top = (heap_top + 15) & ~(uintptr_t)15;
  uintptr_t p = heap_top;
  heap_top += (uintptr_t)bytes;
  uintptr_t have = __builtin_wasm_memory_size(0) * 65536u;
  if (heap_top > have) {
    if (__builtin_wasm_memory_grow(0, (heap_top - have + 65535) / 65536) == (uintptr_t)-1) return 0;
  }
  return (void *)p;
}

float *zalloc(int floats) {
  float *p = (float *)k_alloc(floats * 4);
  if (p) __builtin_memset(p, 0, (unsigned long)floats * 4);
  return p;
}

// ---- math without libc: double-precision cores, exact enough for float32 results ----

static double exp_d(double x) {
  if (x > 88.0) x = 88.0;
  if (x < -104.0) return 0.0;
  const double ln2 = 0.6931471805599453;
  double n = __builtin_nearbyint(x / ln2);
  double r = x - n * ln2;
  // Taylor to r^11/11!: |r| <= 0.347 leaves an error near 1e-13.
  double p = 1.0 + r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880 + r * (1.0 / 3628800 + r / 39916800))))))))));
  union { double d; int64_t i; } u = { .d = 1.0 };
  u.i += (int64_t)n << 52;
  return p * u.d;
}

static double log_d(double x) {
  // NaN and +inf pass through (so an overflowed step reports an invalid loss, never a number
  // made of exponent bits), and log(0) is -inf.
  if (x != x || x > 1.7976931348623157e308) return x;
  if (x <= 0) return -__builtin_inf();
  union { double d; int64_t i; } u = { .d = x };
  int e = (int)((u.i >> 52) & 0x7ff) - 1023;
  u.i = (u.i & 0x000fffffffffffffLL) | 0x3ff0000000000000LL;  // mantissa in [1, 2)
  double m = u.d;
  if (m > 1.4142135623730951) { m *= 0.5; e++; }
  double s = (m - 1) / (m + 1), s2 = s * s;  // log(m) = 2 atanh(s), |s| <= 0.172
  double series = s * (2 + s2 * (2.0 / 3 + s2 * (2.0 / 5 + s2 * (2.0 / 7 + s2 * (2.0 / 9 + s2 * (2.0 / 11 + s2 * 2.0 / 13))))));
  return series + e * 0.6931471805599453;
}

static float expf_(float x) { return (float)exp_d(x); }

static double tanh_d(double d) {
  if (d > -0.01 && d < 0.01) return d - d * d * d / 3 + 2 * d * d * d * d * d / 15;
  return 1.0 - 2.0 / (exp_d(2 * d) + 1.0);
}

static float tanhf_(float x) { return (float)tanh_d(x); }

/** exp of 4 floats (Cephes expf: range reduction by ln 2, degree-5 polynomial; ~1 ulp). */
static v128_t exp4(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(-87.3f)), wasm_f32x4_splat(88.7f));
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201e-1f));
  v128_t y = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), r), wasm_f32x4_splat(1.0f));
  v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(y, scale);
}

static const float SELU_ALPHA = 1.6732632423543772f, SELU_SCALE = 1.0507009873554805f;

// ---- SGEMM micro-kernels ----

/** One k step of the 4x8 forward tile: row q of W (8 columns) times column q of 4 rows of A. */
#define FORWARD_STEP(q, wq) do { \
    v128_t w0 = wasm_v128_load(wq), w1 = wasm_v128_load((wq) + 4), x; \
    x = wasm_v128_load32_splat(a0 + (q)); c00 = MADD(x, w0, c00); c01 = MADD(x, w1, c01); \
    x = wasm_v128_load32_splat(a1 + (q)); c10 = MADD(x, w0, c10); c11 = MADD(x, w1, c11); \
    x = wasm_v128_load32_splat(a2 + (q)); c20 = MADD(x, w0, c20); c21 = MADD(x, w1, c21); \
    x = wasm_v128_load32_splat(a3 + (q)); c30 = MADD(x, w0, c30); c31 = MADD(x, w1, c31); \
  } while (0)

/**
 * Lists in `list` the inputs p < k where any of 4 rows (repeat one for fewer) is nonzero (NaN
 * counts), returns how many. Branch-free: whether a pixel is blank is a coin toss to the branch
 * predictor, and its misses cost the forward pass as much as a third of its multiply-adds.
 */
static int union_nonzeros(int k, const float *a0, const float *a1, const float *a2, const float *a3, int *list) {
  v128_t zero = wasm_f32x4_splat(0);
  int count = 0, p = 0;
  for (; p + 4 <= k; p += 4) {
    v128_t any = wasm_v128_or(wasm_v128_or(wasm_f32x4_ne(wasm_v128_load(a0 + p), zero), wasm_f32x4_ne(wasm_v128_load(a1 + p), zero)),
                              wasm_v128_or(wasm_f32x4_ne(wasm_v128_load(a2 + p), zero), wasm_f32x4_ne(wasm_v128_load(a3 + p), zero)));
    int bits = wasm_i32x4_bitmask(any);
    list[count] = p; count += bits & 1;
    list[count] = p + 1; count += (bits >> 1) & 1;
    list[count] = p + 2; count += (bits >> 2) & 1;
    list[count] = p + 3; count += bits >> 3;
  }
  for (; p < k; p++) { list[count] = p; count += (a0[p] != 0) | (a1[p] != 0) | (a2[p] != 0) | (a3[p] != 0); }
  return count;
}

/**
 * C[rows][j0..j1) of a panel whose A is mostly zeros (MNIST's pixels): 2x16 register tiles over
 * the union of 2 rows' nonzero inputs, fewer than the union of 4 rows' a 4x8 tile pays for
 * (MNIST: 29% of the pixels against 39%), with as many accumulators (8: V8 spills more). The sums
 * are those of the dense tiles bit for bit (ascending inputs from the bias, zeros added +0).
 */
static void forward_panel_sparse(int rows, int k, const float *a, int lda, const float *w, int ld, const float *bias, float *c, int j0, int j1, int *nz) {
  for (int r = 0; r < rows; r += 2) {
    const float *a0 = a + r * lda, *a1 = r + 1 < rows ? a0 + lda : a0;
    int *list = nz + (r / 2) * (k + 1) + 1;
    list[-1] = union_nonzeros(k, a0, a1, a0, a1, list);
  }
  for (int j = j0; j < j1; j += 8) {
    // 16 columns at a time; an 8-column tail (j1 - j0 is a multiple of 8) repeats its first 8 and stores only those.
    int wide = j1 - j >= 16;
    const float *wj = w + j, *bj = bias ? bias + j : 0;
    for (int r = 0; r < rows; r += 2) {
      const float *a0 = a + r * lda, *a1 = r + 1 < rows ? a0 + lda : a0;
      const int *list = nz + (r / 2) * (k + 1) + 1;
      int count = list[-1], h = wide ? 8 : 0;
      v128_t c00 = bj ? wasm_v128_load(bj) : wasm_f32x4_splat(0), c01 = bj ? wasm_v128_load(bj + 4) : wasm_f32x4_splat(0);
      v128_t c02 = bj ? wasm_v128_load(bj + h) : wasm_f32x4_splat(0), c03 = bj ? wasm_v128_load(bj + h + 4) : wasm_f32x4_splat(0);
      v128_t c10 = c00, c11 = c01, c12 = c02, c13 = c03;
#pragma clang loop unroll(disable)
      for (int q = 0; q < count; q++) {
        int p = list[q];
        const float *wq = wj + p * ld;
        v128_t x0 = wasm_v128_load32_splat(a0 + p), x1 = wasm_v128_load32_splat(a1 + p), u;
        u = wasm_v128_load(wq); c00 = MADD(x0, u, c00); c10 = MADD(x1, u, c10);
        u = wasm_v128_load(wq + 4); c01 = MADD(x0, u, c01); c11 = MADD(x1, u, c11);
        u = wasm_v128_load(wq + h); c02 = MADD(x0, u, c02); c12 = MADD(x1, u, c12);
        u = wasm_v128_load(wq + h + 4); c03 = MADD(x0, u, c03); c13 = MADD(x1, u, c13);
      }
      float *cp = c + r * ld + j;
      wasm_v128_store(cp, c00); wasm_v128_store(cp + 4, c01);
      if (wide) { wasm_v128_store(cp + 8, c02); wasm_v128_store(cp + 12, c03); }
      if (r + 1 >= rows) continue;
      cp += ld; wasm_v128_store(cp, c10); wasm_v128_store(cp + 4, c11);
      if (wide) { wasm_v128_store(cp + 8, c12); wasm_v128_store(cp + 12, c13); }
    }
    if (wide) j += 8;
  }
}

/**
 * C[rows][j0..j1) of a panel: 4x8 register tiles, one k step per iteration. Not unrolled: V8
 * does not reorder wasm, and clang's interleaved loads of two k steps need more than x64's 16
 * vector registers, so the accumulators spilled (1.3x to 1.5x slower measured).
 */
static void forward_panel_dense(int m, int k, const float *a, int lda, const float *w, int ld, const float *bias, float *c, int j0, int j1, int *nz) {
  int blocks = (m + 3) / 4;
  // Inputs that are zero in all 4 rows of a block add nothing (relu's zeros): skipping them keeps
  // the sums bit for bit. When few are zero, the plain loop is faster than the indirection.
  for (int bl = 0; bl < blocks; bl++) {
    int i = 4 * bl, rows = m - i < 4 ? m - i : 4;
    const float *a0 = a + i * lda, *a1 = rows > 1 ? a0 + lda : a0, *a2 = rows > 2 ? a0 + 2 * lda : a0, *a3 = rows > 3 ? a0 + 3 * lda : a0;
    int *list = nz + bl * (k + 1), count = union_nonzeros(k, a0, a1, a2, a3, list + 1);
    list[0] = count * 8 >= k * 7 ? -1 : count;
  }
  for (int j = j0; j < j1; j += 8) {
    v128_t b0 = bias ? wasm_v128_load(bias + j) : wasm_f32x4_splat(0), b1 = bias ? wasm_v128_load(bias + j + 4) : wasm_f32x4_splat(0);
    const float *wj = w + j;
    for (int bl = 0; bl < blocks; bl++) {
      // A last block of 1 to 3 rows (a conv's 121 pixels) repeats its first row in the tile and
      // stores only its own: 4 independent sums stay faster than one row's chain of dependent ones.
      int i = 4 * bl, rows = m - i < 4 ? m - i : 4;
      const float *a0 = a + i * lda, *a1 = rows > 1 ? a0 + lda : a0, *a2 = rows > 2 ? a0 + 2 * lda : a0, *a3 = rows > 3 ? a0 + 3 * lda : a0;
      const int *list = nz + bl * (k + 1) + 1;
      int count = list[-1];
      v128_t c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
      if (count < 0) {
#pragma clang loop unroll(disable)
        for (int p = 0; p < k; p++) FORWARD_STEP(p, wj + p * ld);
      } else {
#pragma clang loop unroll(disable)
        for (int q = 0; q < count; q++) FORWARD_STEP(list[q], wj + list[q] * ld);
      }
      float *cp = c + i * ld + j;
      wasm_v128_store(cp, c00); wasm_v128_store(cp + 4, c01);
      if (rows < 2) continue;
      cp += ld; wasm_v128_store(cp, c10); wasm_v128_store(cp + 4, c11);
      if (rows < 3) continue;
      cp += ld; wasm_v128_store(cp, c20); wasm_v128_store(cp + 4, c21);
      if (rows < 4) continue;
      cp += ld; wasm_v128_store(cp, c30); wasm_v128_store(cp + 4, c31);
    }
  }
}

/** Whether fewer than SPARSE_PERCENT of a panel's inputs are nonzero. */
static int mostly_zero(int rows, int k, const float *a, int lda) {
  int nonzero = 0;
  for (int r = 0; r < rows; r++) for (int p = 0; p < k; p++) nonzero += a[r * lda + p] != 0;
  return nonzero * 100 < rows * k * SPARSE_PERCENT;
}

/**
 * C[m][j0..j1) = A[m][0..k) * W[k][j0..j1) + bias, in panels of PANEL_ROWS rows of A; `scratch`:
 * PANEL_ROWS * (k + 1) ints per thread (the panels' lists of nonzero inputs).
 */
void gemm_forward(int m, int k, const float *a, int lda, const float *w, int ld, const float *bias, float *c, int j0, int j1, int *scratch) {
  for (int i = 0; i < m; i += PANEL_ROWS) {
    int rows = m - i < PANEL_ROWS ? m - i : PANEL_ROWS;
    const float *ai = a + i * lda;
    float *ci = c + i * ld;
    if (mostly_zero(rows, k, ai, lda)) forward_panel_sparse(rows, k, ai, lda, w, ld, bias, ci, j0, j1, scratch);
    else forward_panel_dense(rows, k, ai, lda, w, ld, bias, ci, j0, j1, scratch);
  }
}

static float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

/** dX[m][p0..k) = dZ[m][0..ld) * W[p0..k)^T (W is [k][ld]): dot products over the padded rows, 4x2 tiles. */
static void gemm_backward_input(int m, int p0, int k, const float *dz, int ld, const float *w, float *dx, int ldx) {
  int i = 0;
  for (; i + 4 <= m; i += 4) {
    const float *d0 = dz + i * ld, *d1 = d0 + ld, *d2 = d1 + ld, *d3 = d2 + ld;
    int p = p0;
    for (; p + 2 <= k; p += 2) {
      const float *w0 = w + p * ld, *w1 = w0 + ld;
      v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
#pragma clang loop unroll(disable)
      for (int j = 0; j < ld; j += 4) {
        v128_t u = wasm_v128_load(w0 + j), v = wasm_v128_load(w1 + j), x;
        x = wasm_v128_load(d0 + j); c00 = MADD(x, u, c00); c01 = MADD(x, v, c01);
        x = wasm_v128_load(d1 + j); c10 = MADD(x, u, c10); c11 = MADD(x, v, c11);
        x = wasm_v128_load(d2 + j); c20 = MADD(x, u, c20); c21 = MADD(x, v, c21);
        x = wasm_v128_load(d3 + j); c30 = MADD(x, u, c30); c31 = MADD(x, v, c31);
      }
      float *o = dx + i * ldx + p;
      o[0] = hsum(c00); o[1] = hsum(c01); o += ldx;
      o[0] = hsum(c10); o[1] = hsum(c11); o += ldx;
      o[0] = hsum(c20); o[1] = hsum(c21); o += ldx;
      o[0] = hsum(c30); o[1] = hsum(c31);
    }
    for (; p < k; p++) {
      const float *w0 = w + p * ld;
      for (int r = 0; r < 4; r++) {
        v128_t c0 = wasm_f32x4_splat(0);
        for (int j = 0; j < ld; j += 4) c0 = MADD(wasm_v128_load(dz + (i + r) * ld + j), wasm_v128_load(w0 + j), c0);
        dx[(i + r) * ldx + p] = hsum(c0);
      }
    }
  }
  for (; i < m; i++) {
    for (int p = p0; p < k; p++) {
      v128_t c0 = wasm_f32x4_splat(0);
      for (int j = 0; j < ld; j += 4) c0 = MADD(wasm_v128_load(dz + i * ld + j), wasm_v128_load(w + p * ld + j), c0);
      dx[i * ldx + p] = hsum(c0);
    }
  }
}

/**
 * One optimizer step on 4 parameters given their gradient `g` (tfjs's update rules). Always
 * inlined: called once per 4 weights, and as a call (clang left it one) it cost the notebook MLP
 * a sixth of its batch-32 step.
 */
static inline __attribute__((always_inline)) v128_t update4(v128_t w, v128_t g, float *s1, float *s2, float *s3) {
  switch (opt_kind) {
    case OPT_SGD:
      return wasm_f32x4_sub(w, wasm_f32x4_mul(wasm_f32x4_splat(lr), g));
    case OPT_MOMENTUM: {
      // accumulation = momentum * accumulation + g; w -= lr * (nesterov ? g + momentum * acc : acc)
      v128_t m = wasm_f32x4_splat(p_momentum);
      v128_t acc = wasm_f32x4_add(wasm_f32x4_mul(m, wasm_v128_load(s1)), g);
      wasm_v128_store(s1, acc);
      v128_t step = nesterov ? wasm_f32x4_add(g, wasm_f32x4_mul(m, acc)) : acc;
      return wasm_f32x4_sub(w, wasm_f32x4_mul(wasm_f32x4_splat(lr), step));
    }
    case OPT_ADAM: {
      v128_t m = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(p_beta1), wasm_v128_load(s1)), wasm_f32x4_mul(wasm_f32x4_splat(1 - p_beta1), g));
      v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(p_beta2), wasm_v128_load(s2)), wasm_f32x4_mul(wasm_f32x4_splat(1 - p_beta2), wasm_f32x4_mul(g, g)));
      wasm_v128_store(s1, m);
      wasm_v128_store(s2, v);
      v128_t mh = wasm_f32x4_div(m, wasm_f32x4_splat(1 - beta1_pow));
      v128_t vh = wasm_f32x4_div(v, wasm_f32x4_splat(1 - beta2_pow));
      v128_t q = wasm_f32x4_div(mh, wasm_f32x4_add(wasm_f32x4_sqrt(vh), wasm_f32x4_splat(p_eps)));
      return wasm_f32x4_sub(w, wasm_f32x4_mul(wasm_f32x4_splat(lr), q));
    }
    case OPT_ADAMAX: {
      // m = b1 m + (1 - b1) g; u = max(b2 u, |g|); w += -lr / (1 - b1^t) * m / (u + eps)
      v128_t m = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(s1), wasm_f32x4_splat(p_beta1)), wasm_f32x4_mul(g, wasm_f32x4_splat(1 - p_beta1)));
      v128_t u = wasm_f32x4_max(wasm_f32x4_mul(wasm_v128_load(s2), wasm_f32x4_splat(p_beta2)), wasm_f32x4_abs(g));
      wasm_v128_store(s1, m);
      wasm_v128_store(s2, u);
      return wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(step_c1), wasm_f32x4_div(m, wasm_f32x4_add(u, wasm_f32x4_splat(p_eps)))), w);
    }
    case OPT_ADAGRAD: {
      // acc += g^2 (acc starts at initial_accumulator_value); w += g / sqrt(acc + eps) * -lr
      v128_t acc = wasm_f32x4_add(wasm_v128_load(s1), wasm_f32x4_mul(g, g));
      wasm_v128_store(s1, acc);
      return wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_div(g, wasm_f32x4_sqrt(wasm_f32x4_add(acc, wasm_f32x4_splat(p_eps)))), wasm_f32x4_splat(-lr)), w);
    }
    case OPT_ADADELTA: {
      // As tfjs: the step scales g by the accumulated gradient from *before* this step (Keras uses
      // the updated one): u = sqrt(accU + eps) / sqrt(accG + eps) g, then both accumulators move.
      v128_t rho = wasm_f32x4_splat(p_beta1), rest = wasm_f32x4_splat(1 - p_beta1), e = wasm_f32x4_splat(p_eps);
      v128_t ag = wasm_v128_load(s1), au = wasm_v128_load(s2);
      v128_t u = wasm_f32x4_mul(wasm_f32x4_div(wasm_f32x4_sqrt(wasm_f32x4_add(au, e)), wasm_f32x4_sqrt(wasm_f32x4_add(ag, e))), g);
      wasm_v128_store(s1, wasm_f32x4_add(wasm_f32x4_mul(ag, rho), wasm_f32x4_mul(wasm_f32x4_mul(g, g), rest)));
      wasm_v128_store(s2, wasm_f32x4_add(wasm_f32x4_mul(au, rho), wasm_f32x4_mul(wasm_f32x4_mul(u, u), rest)));
      return wasm_f32x4_add(wasm_f32x4_mul(u, wasm_f32x4_splat(-lr)), w);
    }
    case OPT_RMSPROP_CENTERED: {
      // Keras's denominator sqrt(ms - mg^2 + eps). tfjs subtracts eps instead, so a weight whose
      // gradient is 0 becomes NaN there; with a tiny epsilon the two agree.
      v128_t rho = wasm_f32x4_splat(p_beta1), rest = wasm_f32x4_splat(1 - p_beta1);
      v128_t ms = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(s2), rho), wasm_f32x4_mul(wasm_f32x4_mul(g, g), rest));
      v128_t mg = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(s1), rho), wasm_f32x4_mul(g, rest));
      wasm_v128_store(s2, ms);
      wasm_v128_store(s1, mg);
      v128_t den = wasm_f32x4_sqrt(wasm_f32x4_add(wasm_f32x4_sub(ms, wasm_f32x4_mul(mg, mg)), wasm_f32x4_splat(p_eps)));
      v128_t mom = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(s3), wasm_f32x4_splat(p_momentum)), wasm_f32x4_div(wasm_f32x4_mul(g, wasm_f32x4_splat(lr)), den));
      wasm_v128_store(s3, mom);
      return wasm_f32x4_sub(w, mom);
    }
    case OPT_ADAMW: case OPT_NADAM: {
      // Keras 3: m += (g - m)(1 - b1), v += (g^2 - v)(1 - b2). AdamW first decays w by lr * wd,
      // then w -= alpha m / (sqrt(v) + eps), alpha = lr sqrt(1 - b2^t) / (1 - b1^t). Nadam:
      // w -= lr (c1 m + c2 g) / (sqrt(c3 v) + eps) with its momentum-schedule factors c1, c2, c3.
      v128_t m = wasm_v128_load(s1), v = wasm_v128_load(s2);
      m = wasm_f32x4_add(m, wasm_f32x4_mul(wasm_f32x4_sub(g, m), wasm_f32x4_splat(1 - p_beta1)));
      v = wasm_f32x4_add(v, wasm_f32x4_mul(wasm_f32x4_sub(wasm_f32x4_mul(g, g), v), wasm_f32x4_splat(1 - p_beta2)));
      wasm_v128_store(s1, m);
      wasm_v128_store(s2, v);
      v128_t e = wasm_f32x4_splat(p_eps);
      if (opt_kind == OPT_ADAMW) {
        w = wasm_f32x4_sub(w, wasm_f32x4_mul(w, wasm_f32x4_splat(step_c2)));
        return wasm_f32x4_sub(w, wasm_f32x4_div(wasm_f32x4_mul(m, wasm_f32x4_splat(step_c1)), wasm_f32x4_add(wasm_f32x4_sqrt(v), e)));
      }
      v128_t mh = wasm_f32x4_add(wasm_f32x4_mul(m, wasm_f32x4_splat(step_c1)), wasm_f32x4_mul(g, wasm_f32x4_splat(step_c2)));
      v128_t vh = wasm_f32x4_mul(v, wasm_f32x4_splat(step_c3));
      return wasm_f32x4_sub(w, wasm_f32x4_div(wasm_f32x4_mul(mh, wasm_f32x4_splat(lr)), wasm_f32x4_add(wasm_f32x4_sqrt(vh), e)));
    }
    default: {  // RMSprop, not centered
      v128_t ms = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(p_beta1), wasm_v128_load(s2)), wasm_f32x4_mul(wasm_f32x4_splat(1 - p_beta1), wasm_f32x4_mul(g, g)));
      wasm_v128_store(s2, ms);
      v128_t step = wasm_f32x4_div(wasm_f32x4_mul(g, wasm_f32x4_splat(lr)), wasm_f32x4_sqrt(wasm_f32x4_add(ms, wasm_f32x4_splat(p_eps))));
      v128_t mom = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(p_momentum), wasm_v128_load(s3)), step);
      wasm_v128_store(s3, mom);
      return wasm_f32x4_sub(w, mom);
    }
  }
}

/**
 * The gradient g plus that of the penalty l1 |w| + l2 w^2, as tfjs's autodiff takes it (|w|'s slope
 * is -1 at 0), times `cols` (1 for a real column, 0 for padding, which must stay zero).
 */
static inline v128_t reg_grad(v128_t g, v128_t w, float l1, float l2, const float *cols) {
  v128_t sign = wasm_v128_bitselect(wasm_f32x4_splat(1), wasm_f32x4_splat(-1), wasm_f32x4_gt(w, wasm_f32x4_splat(0)));
  v128_t r = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(l1), sign), wasm_f32x4_mul(wasm_f32x4_splat(2 * l2), w));
  return wasm_f32x4_add(g, wasm_f32x4_mul(r, wasm_v128_load(cols)));
}

/**
 * Updates the 4 parameters at wr + off from their gradient; `cm` (the column mask at wr's column)
 * only when regularized; `ms` (a measured step) sums the squares training health reports.
 */
#define UPD(off, acc) do { \
    v128_t w_ = wasm_v128_load(wr + (off)); \
    if (ms) { v128_t a_ = (acc); ms->g += hsum(wasm_f32x4_mul(a_, a_)); } \
    v128_t g_ = cm ? reg_grad(acc, w_, l1, l2, cm + (off) % ld) : (acc); \
    v128_t n_ = update4(w_, g_, s1 ? s1r + (off) : 0, s2 ? s2r + (off) : 0, s3 ? s3r + (off) : 0); \
    if (ms) { v128_t e_ = wasm_f32x4_sub(n_, w_); ms->d += hsum(wasm_f32x4_mul(e_, e_)); ms->w += hsum(wasm_f32x4_mul(w_, w_)); } \
    wasm_v128_store(wr + (off), n_); \
  } while (0)

/**
 * dW = X^T * dZ over the batch, applied to W at once: 2x16 tiles of dW (2 inputs, 16 outputs)
 * live in registers for the whole batch loop and go straight into the optimizer update, so no
 * gradient buffer is written. Rows of the batch whose 2 inputs are both zero add nothing to a
 * tile and are skipped (listed in `rows`, room for 3 m: their offsets into dZ, then their 2
 * inputs): most of MNIST's pixels in the first layer's dW, and relu's zeros after it (fewer rows
 * than 4x8 tiles keep, at the same loads per multiply-add: 3% to 5% faster). The sums stay bit for bit.
 */
static void gemm_grad_update(int m, int p0, int k, const float *x, int ldx, const float *dz, int ld, float *w, float *s1, float *s2, float *s3, float l1, float l2, const float *cols, Measure *ms, int *rows) {
  float *xg = (float *)(rows + m);
  int p = p0;
  for (; p + 2 <= k; p += 2) {
    int count = 0;
    // Branch-free, as union_nonzeros: which rows of a pixel pair are blank is not predictable.
    // The listed rows' 2 inputs are gathered in xg, and their offsets into dZ in rows.
    for (int b = 0; b < m; b++) {
      const float *xr = x + b * ldx + p;
      float x0 = xr[0], x1 = xr[1];
      xg[2 * count] = x0; xg[2 * count + 1] = x1;
      rows[count] = b * ld;
      count += (x0 != 0) | (x1 != 0);
    }
    // A zero gradient leaves plain SGD's weights as they are (not in a measured step, whose
    // weight norm counts those rows too).
    if (!count && opt_kind == OPT_SGD && !cols && !ms) continue;
    int j = 0;
    for (; j + 16 <= ld; j += 16) {
      v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
#pragma clang loop unroll(disable)
      for (int q = 0; q < count; q++) {
        const float *dp = dz + rows[q] + j;
        v128_t x0 = wasm_v128_load32_splat(xg + 2 * q), x1 = wasm_v128_load32_splat(xg + 2 * q + 1), d;
        d = wasm_v128_load(dp); c00 = MADD(x0, d, c00); c10 = MADD(x1, d, c10);
        d = wasm_v128_load(dp + 4); c01 = MADD(x0, d, c01); c11 = MADD(x1, d, c11);
        d = wasm_v128_load(dp + 8); c02 = MADD(x0, d, c02); c12 = MADD(x1, d, c12);
        d = wasm_v128_load(dp + 12); c03 = MADD(x0, d, c03); c13 = MADD(x1, d, c13);
      }
      int o = p * ld + j;
      float *wr = w + o, *s1r = s1 + o, *s2r = s2 + o, *s3r = s3 + o;
      const float *cm = cols ? cols + j : 0;
      UPD(0, c00); UPD(4, c01); UPD(8, c02); UPD(12, c03); UPD(ld, c10); UPD(ld + 4, c11); UPD(ld + 8, c12); UPD(ld + 12, c13);
    }
    for (; j < ld; j += 8) {  // an 8-column tail
      v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00;
      for (int q = 0; q < count; q++) {
        const float *dp = dz + rows[q] + j;
        v128_t x0 = wasm_v128_load32_splat(xg + 2 * q), x1 = wasm_v128_load32_splat(xg + 2 * q + 1), d;
        d = wasm_v128_load(dp); c00 = MADD(x0, d, c00); c10 = MADD(x1, d, c10);
        d = wasm_v128_load(dp + 4); c01 = MADD(x0, d, c01); c11 = MADD(x1, d, c11);
      }
      int o = p * ld + j;
      float *wr = w + o, *s1r = s1 + o, *s2r = s2 + o, *s3r = s3 + o;
      const float *cm = cols ? cols + j : 0;
      UPD(0, c00); UPD(4, c01); UPD(ld, c10); UPD(ld + 4, c11);
    }
  }
  for (; p < k; p++) {
    for (int j = 0; j < ld; j += 4) {
      v128_t c0 = wasm_f32x4_splat(0);
      for (int b = 0; b < m; b++) c0 = MADD(wasm_v128_load32_splat(x + b * ldx + p), wasm_v128_load(dz + b * ld + j), c0);
      int o = p * ld + j;
      float *wr = w + o, *s1r = s1 + o, *s2r = s2 + o, *s3r = s3 + o;
      const float *cm = cols ? cols + j : 0;
      UPD(0, c0);
    }
  }
}

/** Bias gradient (column sums of dZ) and its update. */
static void bias_update(int m, const float *dz, int ld, float *bias, float *s1, float *s2, float *s3, float l1, float l2, const float *cols) {
  Measure *ms = 0;  // the health statistics measure the kernel only
  for (int j = 0; j < ld; j += 4) {
    v128_t c0 = wasm_f32x4_splat(0);
    for (int b = 0; b < m; b++) c0 = wasm_f32x4_add(c0, wasm_v128_load(dz + b * ld + j));
    float *wr = bias + j, *s1r = s1 + j, *s2r = s2 + j, *s3r = s3 + j;
    const float *cm = cols ? cols + j : 0;
    UPD(0, c0);
  }
}

/**
 * The optimizer step on n parameters (n a multiple of 4, in rows `ld` wide) from their loss
 * gradient g: the same update as the Dense layers', for weights whose gradient is computed apart
 * (front.c's convolutions). `cols`: the column mask when regularized; `ms`: a measured step's sums of squares.
 */
void update_rows(float *w, const float *g, int n, int ld, float *s1, float *s2, float *s3, float l1, float l2, const float *cols, Measure *ms) {
  for (int o = 0; o < n; o += 4) {
    float *wr = w + o, *s1r = s1 + o, *s2r = s2 + o, *s3r = s3 + o;
    const float *cm = cols ? cols + o % ld : 0;
    UPD(0, wasm_v128_load(g + o));
  }
}

// ---- activations ----

static double sigmoid_d(double x) { return 1.0 / (1.0 + exp_d(-x)); }

/** tfjs's softplus: exp(x) below log(2^-23) + 2, x above its negation, log(1 + exp(x)) between. */
static double softplus_d(double x) {
  const double threshold = -13.942385152878742;
  if (x < threshold) return exp_d(x);
  if (x > -threshold) return x;
  return log_d(1.0 + exp_d(x));
}

/** tfjs's erf (Abramowitz and Stegun 7.1.26, absolute error below 1.5e-7). */
static double erf_d(double x) {
  if (x == 0) return 0;
  double v = x < 0 ? -x : x, t = 1.0 / (1.0 + 0.3275911 * v);
  double y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp_d(-v * v);
  return x < 0 ? -y : y;
}

/**
 * One row of the activations past the first eight, as tfjs composes them (activations.js), with
 * the pre-activation saved to `keep` for the backward pass. Rare enough to run scalar.
 */
static void activate_row(int act, float *z, float *keep, int n) {
  for (int j = 0; j < n; j++) {
    float x = z[j];
    if (keep) keep[j] = x;
    switch (act) {
      case ACT_RELU6: z[j] = x < 0 ? 0 : x > 6 ? 6 : x; break;
      case ACT_HARD_SIGMOID: { float y = 0.5f + 0.2f * x; z[j] = y < 0 ? 0 : y > 1 ? 1 : y; break; }
      case ACT_SOFTPLUS: z[j] = (float)softplus_d(x); break;
      case ACT_SOFTSIGN: z[j] = x / (__builtin_fabsf(x) + 1); break;
      case ACT_SWISH: z[j] = (float)sigmoid_d(x) * x; break;
      case ACT_MISH: z[j] = x * (float)tanh_d((float)softplus_d(x)); break;
      case ACT_GELU: z[j] = x * (0.5f * (1 + (float)erf_d(x / 1.41421356f))); break;
    }
  }
}

/** The gradient of activate_row's functions, as tfjs's autodiff takes it (a: output, z: pre-activation). */
static void backward_row(int act, const float *a, const float *z, float *d, int n) {
  for (int j = 0; j < n; j++) {
    double x = z ? z[j] : 0;
    switch (act) {
      case ACT_RELU6: d[j] = a[j] > 0 && a[j] < 6 ? d[j] : 0; break;
      case ACT_HARD_SIGMOID: { float y = 0.5f + 0.2f * z[j]; d[j] = y >= 0 && y <= 1 ? 0.2f * d[j] : 0; break; }
      case ACT_SOFTPLUS: d[j] = (float)(d[j] * sigmoid_d(x)); break;
      case ACT_SOFTSIGN: { float q = __builtin_fabsf(z[j]) + 1; d[j] = d[j] / (q * q); break; }
      case ACT_SWISH: { double s = sigmoid_d(x); d[j] = (float)(d[j] * (s + x * s * (1 - s))); break; }
      case ACT_MISH: {
        double t = tanh_d((float)softplus_d(x));
        d[j] = (float)(d[j] * (t + x * (1 - t * t) * sigmoid_d(x)));
        break;
      }
      case ACT_GELU: {
        // d/dx x Phi(x) = Phi(x) + x exp(-x^2 / 2) / sqrt(2 pi); exp underflows to 0 for large |x|.
        double cdf = 0.5 * (1 + erf_d(x * 0.7071067811865476));
        d[j] = (float)(d[j] * (cdf + x * exp_d(-0.5 * x * x) * 0.3989422804014327));
        break;
      }
    }
  }
}

/**
 * Activation of columns [j0, j1) of rows [0, m) of l->a (j0 and j1 multiples of 4, or j1 = ld):
 * a worker's share of a forward job, or every column. l->z keeps the pre-activation where needed.
 * Softmax works on whole rows: only with j0 = 0 and j1 = ld.
 */
static void activate_cols(Layer *l, int m, int j0, int j1) {
  int n1 = j1 < l->out ? j1 : l->out;  // the real columns in range; the scalar cases skip padding
  v128_t zero = wasm_f32x4_splat(0), one = wasm_f32x4_splat(1);
  for (int b = 0; b < m; b++) {
    float *z = l->a + b * l->ld;
    switch (l->act) {
      case ACT_LINEAR: break;
      // NaN stays NaN, as in tfjs: a network that overflowed must say so, not go quietly dead.
      case ACT_RELU:
        for (int j = j0; j < j1; j += 4) {
          v128_t v = wasm_v128_load(z + j);
          wasm_v128_store(z + j, wasm_v128_and(v, wasm_v128_or(wasm_f32x4_gt(v, zero), wasm_f32x4_ne(v, v))));
        }
        break;
      case ACT_LEAKY_RELU: {
        v128_t alpha = wasm_f32x4_splat(l->alpha);
        for (int j = j0; j < j1; j += 4) {
          v128_t v = wasm_v128_load(z + j);
          wasm_v128_store(z + j, wasm_v128_bitselect(v, wasm_f32x4_mul(alpha, v), wasm_f32x4_gt(v, zero)));
        }
        break;
      }
      // The exponential activations run 4 columns at a time (padding columns included: they
      // are never read as inputs). Scalar exp in double would cost a third of an elu step.
      case ACT_ELU: case ACT_SELU: {
        v128_t pos = wasm_f32x4_splat(l->act == ACT_SELU ? SELU_SCALE : 1), neg = wasm_f32x4_splat(l->act == ACT_SELU ? SELU_SCALE * SELU_ALPHA : 1);
        for (int j = j0; j < j1; j += 4) {
          v128_t v = wasm_v128_load(z + j);
          v128_t e = wasm_f32x4_mul(neg, wasm_f32x4_sub(exp4(wasm_f32x4_min(v, zero)), one));
          wasm_v128_store(z + j, wasm_v128_bitselect(wasm_f32x4_mul(pos, v), e, wasm_f32x4_gt(v, zero)));
        }
        break;
      }
      case ACT_SIGMOID:
        for (int j = j0; j < j1; j += 4) wasm_v128_store(z + j, wasm_f32x4_div(one, wasm_f32x4_add(one, exp4(wasm_f32x4_neg(wasm_v128_load(z + j))))));
        break;
      case ACT_TANH: for (int j = j0; j < n1; j++) z[j] = tanhf_(z[j]); break;
      case ACT_SOFTMAX: {
        int n = l->out;
        float mx = z[0];
        for (int j = 1; j < n; j++) mx = z[j] > mx ? z[j] : mx;
        double s = 0;
        for (int j = 0; j < n; j++) { z[j] = expf_(z[j] - mx); s += z[j]; }
        for (int j = 0; j < n; j++) z[j] = (float)(z[j] / s);
        break;
      }
      default: if (j0 < n1) activate_row(l->act, z + j0, l->z ? l->z + b * l->ld + j0 : 0, n1 - j0); break;
    }
  }
}

void activate(Layer *l, int m) { activate_cols(l, m, 0, l->ld); }

/**
 * Columns [j0, j1) of d (in: the gradient w.r.t. the output a) become the gradient w.r.t. the
 * pre-activation, from a; padding columns become 0. Softmax: whole rows only (j0 = 0, j1 = ld).
 */
static void activation_backward_cols(Layer *l, int m, int j0, int j1) {
  int n1 = j1 < l->out ? j1 : l->out;
  v128_t zero = wasm_f32x4_splat(0);
  for (int b = 0; b < m; b++) {
    const float *a = l->a + b * l->ld;
    float *d = l->d + b * l->ld;
    switch (l->act) {
      case ACT_LINEAR: break;
      // Padding columns hold 0 in a, so their d becomes 0 here too.
      case ACT_RELU:
        for (int j = j0; j < j1; j += 4) wasm_v128_store(d + j, wasm_v128_and(wasm_v128_load(d + j), wasm_f32x4_gt(wasm_v128_load(a + j), zero)));
        break;
      case ACT_LEAKY_RELU: for (int j = j0; j < n1; j++) d[j] = a[j] > 0 ? d[j] : l->alpha * d[j]; break;
      case ACT_ELU: for (int j = j0; j < n1; j++) d[j] = a[j] > 0 ? d[j] : d[j] * (a[j] + 1); break;
      case ACT_SELU: for (int j = j0; j < n1; j++) d[j] = a[j] > 0 ? SELU_SCALE * d[j] : d[j] * (a[j] + SELU_SCALE * SELU_ALPHA); break;
      case ACT_SIGMOID: for (int j = j0; j < n1; j++) d[j] = d[j] * a[j] * (1 - a[j]); break;
      case ACT_TANH: for (int j = j0; j < n1; j++) d[j] = d[j] * (1 - a[j] * a[j]); break;
      case ACT_SOFTMAX: {
        double s = 0;
        for (int j = 0; j < l->out; j++) s += (double)d[j] * a[j];
        for (int j = 0; j < l->out; j++) d[j] = (float)(a[j] * (d[j] - s));
        break;
      }
      default: if (j0 < n1) backward_row(l->act, a + j0, l->z ? l->z + b * l->ld + j0 : 0, d + j0, n1 - j0); break;
    }
    for (int j = n1 > j0 ? n1 : j0; j < j1; j++) d[j] = 0;  // keeps padded columns' weights at zero
  }
}

/** d (in: gradient w.r.t. the output a) becomes the gradient w.r.t. the pre-activation, from a. */
void activation_backward(Layer *l, int m) { activation_backward_cols(l, m, 0, l->ld); }

// ---- set-up ----

int keeps_preactivation(int act) { return act >= ACT_HARD_SIGMOID; }
int elementwise_activation(int act) { return act != ACT_SOFTMAX; }

/**
 * Allocates the network: `dims` holds nl+1 layer widths (input first), `acts`/`alphas`/`biases`
 * one entry per Dense layer. Returns 0 when memory runs out.
 */
EXPORT int k_init(int nl, const int *dims, const int *acts, const float *alphas, const int *biases, int batch, int loss, int acc, int ydim) {
  nlayers = nl; in_dim = dims[0]; in_ld = dims[0]; max_batch = batch; loss_kind = loss; acc_kind = acc; y_dim = ydim;
  xb = zalloc(batch * in_ld);
  eval_ys = zalloc(batch * ydim);
  L = (Layer *)k_alloc(nl * (int)sizeof(Layer));
  if (!L) return 0;
  __builtin_memset(L, 0, (unsigned long)nl * sizeof(Layer));
  for (int i = 0; i < nl; i++) {
    Layer *l = &L[i];
    l->in = dims[i]; l->out = dims[i + 1]; l->ld = (dims[i + 1] + 7) & ~7;
    l->act = acts[i]; l->alpha = alphas[i]; l->bias = biases[i];
    l->w = zalloc(l->in * l->ld); l->b = zalloc(l->ld);
    l->a = zalloc(batch * l->ld); l->d = zalloc(batch * l->ld);
    if (!l->w || !l->b || !l->a || !l->d) return 0;
    if (keeps_preactivation(l->act) && !(l->z = zalloc(batch * l->ld))) return 0;
  }
  return xb && eval_ys ? 1 : 0;
}

static int norm_slots(Layer *l, int slots, float init);

/**
 * Optimizer and its slots (zeroed; Adagrad's start at p1). p1/p2: the betas of Adam, Adamax,
 * AdamW and Nadam, RMSprop's and Adadelta's rho, or Adagrad's initial accumulator value; p3: epsilon.
 */
EXPORT int k_set_optimizer(int kind, float momentum, int nest, float p1, float p2, float p3) {
  opt_kind = kind; p_momentum = momentum; nesterov = nest; p_beta1 = p1; p_beta2 = p2; p_eps = p3;
  beta1_pow = 1; beta2_pow = 1; decay_pow = 1; u_product = 1;
  for (int i = 0; i < nlayers; i++) if (!alloc_slots(&L[i])) return 0;
  return 1;
}

int alloc_slots(Layer *l) {
  int kind = opt_kind;
  int slots = kind == OPT_SGD ? 0 : kind == OPT_MOMENTUM ? 1 : kind == OPT_ADAGRAD ? 1 : 3;
  int nw = l->in * l->ld;
  l->s1 = l->s2 = l->s3 = l->t1 = l->t2 = l->t3 = 0;
  if (!norm_slots(l, slots, kind == OPT_ADAGRAD ? p_beta1 : 0)) return 0;
  if (l->frozen) return 1;
  if (slots >= 1) { l->s1 = zalloc(nw); l->t1 = zalloc(l->ld); if (!l->s1 || !l->t1) return 0; }
  if (kind == OPT_ADAGRAD) {
    for (int j = 0; j < nw; j++) l->s1[j] = p_beta1;
    for (int j = 0; j < l->ld; j++) l->t1[j] = p_beta1;
  }
  if (slots >= 3) {
    l->s2 = zalloc(nw); l->t2 = zalloc(l->ld); l->s3 = zalloc(nw); l->t3 = zalloc(l->ld);
    if (!l->s2 || !l->t2 || !l->s3 || !l->t3) return 0;
  }
  return 1;
}

/** Freezes layer i (trainable: false). Call before k_set_optimizer, which then gives it no slots. */
EXPORT void k_freeze(int i) { L[i].frozen = 1; }

/** Layer i's kernel and bias regularizers: penalties l1 sum |w| + l2 sum w^2. Returns 0 without memory. */
EXPORT int k_set_regularizers(int i, float kl1, float kl2, float bl1, float bl2) {
  Layer *l = &L[i];
  l->kl1 = kl1; l->kl2 = kl2; l->bl1 = bl1; l->bl2 = bl2;
  if (!(l->cols = zalloc(l->ld))) return 0;
  for (int j = 0; j < l->out; j++) l->cols[j] = 1;
  return 1;
}

/** The regularizers' penalty on the current weights, as tfjs adds it to the loss. */
double penalty(const Layer *l) {
  double s = 0;
  for (int r = 0; r < l->in && (l->kl1 || l->kl2); r++) {
    const float *w = l->w + r * l->ld;
    for (int j = 0; j < l->out; j++) s += l->kl1 * (double)__builtin_fabsf(w[j]) + l->kl2 * (double)w[j] * w[j];
  }
  for (int j = 0; j < l->out && l->bias && (l->bl1 || l->bl2); j++) s += l->bl1 * (double)__builtin_fabsf(l->b[j]) + l->bl2 * (double)l->b[j] * l->b[j];
  return s;
}

/**
 * Layer i's activity regularizer: the penalty l1 sum |a| + l2 sum a^2 over the batch's outputs
 * (after the activation), added to the loss of each batch as Keras 3 adds it (summed over the
 * batch, not divided by its size).
 */
EXPORT void k_set_activity(int i, float l1, float l2) { L[i].al1 = l1; L[i].al2 = l2; }

/** The activity penalty of rows [r0, r1) of layer l's outputs a (its l->out real columns). */
double activity_penalty_rows(const Layer *l, int r0, int r1) {
  double s = 0;
  for (int b = r0; b < r1; b++) {
    const float *a = l->a + b * l->ld;
    for (int j = 0; j < l->out; j++) s += l->al1 * (double)__builtin_fabsf(a[j]) + l->al2 * (double)a[j] * a[j];
  }
  return s;
}

/** Adds the activity penalty's gradient to rows [r0, r1) of d (the gradient w.r.t. a); front.c's convolutions. */
void activity_backward_rows(Layer *l, int r0, int r1) {
  for (int b = r0; b < r1; b++) {
    const float *a = l->a + b * l->ld;
    float *d = l->d + b * l->ld;
    for (int j = 0; j < l->out; j++) d[j] += l->al1 * (float)((a[j] > 0) - (a[j] < 0)) + 2 * l->al2 * a[j];
  }
}

/** Adds the activity penalty's gradient to columns [j0, j1) of d (the gradient w.r.t. a), before the activation's backward pass. */
static void activity_backward_cols(Layer *l, int m, int j0, int j1) {
  int n1 = j1 < l->out ? j1 : l->out;
  for (int b = 0; b < m; b++) {
    const float *a = l->a + b * l->ld;
    float *d = l->d + b * l->ld;
    for (int j = j0; j < n1; j++) d[j] += l->al1 * (float)((a[j] > 0) - (a[j] < 0)) + 2 * l->al2 * a[j];
  }
}

static void activity_backward(Layer *l, int m) { activity_backward_cols(l, m, 0, l->ld); }

/** A Dropout layer after layer i, with masks seeded from `seed` and the step. Returns 0 without memory. */
EXPORT int k_set_dropout(int i, float rate, int seed) {
  Layer *l = &L[i];
  l->rate = rate; l->seed = (uint32_t)seed;
  l->mask = zalloc(max_batch * l->ld); l->drop = zalloc(max_batch * l->ld);
  return l->mask && l->drop ? 1 : 0;
}

/** Layer i's dropout mask of the last step, [batch][ld]. */
EXPORT float *k_dropout_mask(int i) { return L[i].mask; }
/** Makes layer i's Dropout (set by k_set_dropout) an AlphaDropout. */
EXPORT void k_set_alpha_dropout(int i) { L[i].alpha_drop = 1; }

/** AdamW's weight decay (call after k_set_optimizer). */
EXPORT void k_set_weight_decay(float v) { p_weight_decay = v; }
/** The loss takes logits (from_logits: true): the loss applies softmax / sigmoid to the output layer's output. */
EXPORT void k_set_from_logits(int on) { from_logits = on; }

EXPORT void k_set_lr(float v) { lr = v; }
EXPORT float *k_weights(int i) { return L[i].w; }
EXPORT float *k_bias(int i) { return L[i].b; }
EXPORT int k_ld(int i) { return L[i].ld; }

/** Space for the resident training set: x [n][in], y [n][ydim]; the caller fills both. */
EXPORT float *k_alloc_data(int n) {
  int width = front_input_dim() ? front_input_dim() : in_dim;
  xs = (float *)k_alloc(n * width * 4);
  ys = (float *)k_alloc(n * y_dim * 4);
  return xs && ys ? xs : 0;
}
EXPORT float *k_labels(void) { return ys; }
EXPORT int *k_alloc_indices(int n) { return (int *)k_alloc(n * 4); }

// ---- the step ----

/** AlphaDropout's affine map, as tfjs computes it: a = ((1 - rate)(1 + rate alpha'^2))^-1/2, b = -a alpha' rate. */
void alpha_dropout_affine(float rate, float *a, float *shift, float *alpha_p) {
  *alpha_p = -SELU_ALPHA * SELU_SCALE;
  *a = (float)(1.0 / __builtin_sqrt((1.0 - rate) * (1.0 + rate * (double)*alpha_p * *alpha_p)));
  *shift = -*a * *alpha_p * rate;
}

/**
 * Inverted dropout of columns [j0, j1) of layer l's output: keep each value with probability
 * 1 - rate, scaled by 1 / (1 - rate). The uniform draw of value e is a hash of (layer seed, step,
 * e), so a seeded run repeats its masks exactly, on any number of threads.
 */
static void dropout_forward_cols(Layer *l, int m, int j0, int j1) {
  uint32_t base = mix32(l->seed ^ mix32(step_count * 0x9e3779b9u + 0x7f4a7c15u));
  float scale = 1.0f / (1.0f - l->rate);
  float a, shift, alpha_p;
  alpha_dropout_affine(l->rate, &a, &shift, &alpha_p);
  const float *out = l->bn == BN_AFTER ? l->norm : l->a;
  for (int b = 0; b < m; b++) {
    for (int j = j0; j < j1; j++) {
      int e = b * l->ld + j;
      float u = (float)(mix32(base + (uint32_t)e * 0x9e3779b9u) >> 8) * (1.0f / 16777216.0f);
      int keep = j < l->out && u >= l->rate;
      if (l->alpha_drop) {
        l->mask[e] = keep ? a : 0;
        l->drop[e] = j >= l->out ? 0 : keep ? out[e] * a + shift : alpha_p * a + shift;
      } else {
        l->mask[e] = keep ? scale : 0;
        l->drop[e] = out[e] * l->mask[e];
      }
    }
  }
}

/** Columns [j0, j1) of d (the gradient w.r.t. the dropped output) become the gradient w.r.t. the layer's output. */
static void dropout_backward_cols(Layer *l, int m, int j0, int j1) {
  for (int b = 0; b < m; b++) {
    float *d = l->d + b * l->ld;
    const float *mask = l->mask + b * l->ld;
    for (int j = j0; j < j1; j += 4) wasm_v128_store(d + j, wasm_f32x4_mul(wasm_v128_load(d + j), wasm_v128_load(mask + j)));
  }
}

static void dropout_backward(Layer *l, int m) { dropout_backward_cols(l, m, 0, l->ld); }

// ---- batch normalization (axis -1), as tfjs's BatchNormalization layer computes it ----

/**
 * y = (x - mean) / sqrt(var + eps) * gamma + beta per column of x [m][ld] (y may be x): the
 * batch's own mean and biased variance in training, which also move the moving statistics
 * (v -= (v - batch) * (1 - momentum), as tfjs writes it); the moving statistics in inference.
 * Padding columns are 0 in x and stay 0 (gamma and beta are 0 there).
 */
void bn_forward(Layer *l, const float *x, float *y, int m) {
  int ld = l->ld;
  v128_t inv_m = wasm_f32x4_splat(1.0f / (float)m), rest = wasm_f32x4_splat(1 - l->bn_momentum), eps = wasm_f32x4_splat(l->bn_eps);
  for (int j = 0; j < ld; j += 4) {
    v128_t mean, var;
    if (training) {
      v128_t sum = wasm_f32x4_splat(0), sq = sum;
      for (int b = 0; b < m; b++) sum = wasm_f32x4_add(sum, wasm_v128_load(x + b * ld + j));
      mean = wasm_f32x4_mul(sum, inv_m);
      for (int b = 0; b < m; b++) { v128_t d = wasm_f32x4_sub(wasm_v128_load(x + b * ld + j), mean); sq = wasm_f32x4_add(sq, wasm_f32x4_mul(d, d)); }
      var = wasm_f32x4_mul(sq, inv_m);
      v128_t mm = wasm_v128_load(l->mmean + j), mv = wasm_v128_load(l->mvar + j);
      wasm_v128_store(l->mmean + j, wasm_f32x4_sub(mm, wasm_f32x4_mul(wasm_f32x4_sub(mm, mean), rest)));
      wasm_v128_store(l->mvar + j, wasm_f32x4_sub(mv, wasm_f32x4_mul(wasm_f32x4_sub(mv, var), rest)));
    } else {
      mean = wasm_v128_load(l->mmean + j);
      var = wasm_v128_load(l->mvar + j);
    }
    v128_t r = wasm_f32x4_div(wasm_f32x4_splat(1), wasm_f32x4_sqrt(wasm_f32x4_add(var, eps)));
    v128_t g = l->gamma ? wasm_v128_load(l->gamma + j) : wasm_f32x4_splat(1), bt = l->beta ? wasm_v128_load(l->beta + j) : wasm_f32x4_splat(0);
    if (training) wasm_v128_store(l->rstd + j, r);
    for (int b = 0; b < m; b++) {
      v128_t h = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + b * ld + j), mean), r);
      if (training) wasm_v128_store(l->xhat + b * ld + j, h);
      wasm_v128_store(y + b * ld + j, wasm_f32x4_add(wasm_f32x4_mul(h, g), bt));
    }
  }
  if (!l->gamma) for (int b = 0; b < m; b++) for (int j = l->out; j < ld; j++) y[b * ld + j] = 0;  // gamma 1 on padding
}

/** One optimizer step of the 4 parameters at w + j given their gradient (slots may be 0). */
static void update_at(float *w, int j, v128_t g, float *s1, float *s2, float *s3) {
  wasm_v128_store(w + j, update4(wasm_v128_load(w + j), g, s1 ? s1 + j : 0, s2 ? s2 + j : 0, s3 ? s3 + j : 0));
}

/**
 * d (the gradient w.r.t. the normalized output) becomes the gradient w.r.t. its input, through
 * the batch statistics: dx = gamma r (d - mean(d) - xhat mean(d xhat)); then gamma (gradient
 * sum(d xhat)) and beta (sum(d)) take their optimizer step.
 */
void bn_backward(Layer *l, int m) {
  int ld = l->ld;
  v128_t inv_m = wasm_f32x4_splat(1.0f / (float)m);
  for (int j = 0; j < ld; j += 4) {
    v128_t sd = wasm_f32x4_splat(0), sdx = sd;
    for (int b = 0; b < m; b++) {
      v128_t d = wasm_v128_load(l->d + b * ld + j);
      sd = wasm_f32x4_add(sd, d);
      sdx = wasm_f32x4_add(sdx, wasm_f32x4_mul(d, wasm_v128_load(l->xhat + b * ld + j)));
    }
    v128_t g = l->gamma ? wasm_v128_load(l->gamma + j) : wasm_f32x4_splat(1);
    v128_t gr = wasm_f32x4_mul(g, wasm_v128_load(l->rstd + j)), md = wasm_f32x4_mul(sd, inv_m), mdx = wasm_f32x4_mul(sdx, inv_m);
    for (int b = 0; b < m; b++) {
      float *dp = l->d + b * ld + j;
      v128_t t = wasm_f32x4_sub(wasm_f32x4_sub(wasm_v128_load(dp), md), wasm_f32x4_mul(wasm_v128_load(l->xhat + b * ld + j), mdx));
      wasm_v128_store(dp, wasm_f32x4_mul(gr, t));
    }
    if (l->bn_frozen) continue;
    if (l->gamma) update_at(l->gamma, j, sdx, l->g1, l->g2, l->g3);
    if (l->beta) update_at(l->beta, j, sd, l->e1, l->e2, l->e3);
  }
}

/**
 * A BatchNormalization on l's output, over `rows` rows at most (the batch, or its pixels for a
 * convolution), at `position` BN_BEFORE or BN_AFTER its activation (or BN_LAST, after its
 * dropout: Dense layers only); gamma starts at 1 and the
 * moving variance at 1 (the weights are loaded after). Call before the optimizer's slots are
 * made (alloc_slots gives gamma and beta theirs). Returns 0 without memory.
 */
int norm_init(Layer *l, int rows, int position, float momentum, float eps, int center, int scale, int frozen) {
  l->bn = position; l->bn_momentum = momentum; l->bn_eps = eps; l->bn_frozen = frozen;
  if (!(l->mmean = zalloc(l->ld)) || !(l->mvar = zalloc(l->ld)) || !(l->rstd = zalloc(l->ld)) || !(l->xhat = zalloc(rows * l->ld))) return 0;
  if (scale && !(l->gamma = zalloc(l->ld))) return 0;
  if (center && !(l->beta = zalloc(l->ld))) return 0;
  if ((position == BN_AFTER || position == BN_LAST) && !(l->norm = zalloc(rows * l->ld))) return 0;
  for (int j = 0; j < l->out; j++) { l->mvar[j] = 1; if (l->gamma) l->gamma[j] = 1; }
  return 1;
}

/** A BatchNormalization after Dense layer i (norm_init). Call before k_set_optimizer. */
EXPORT int k_set_norm(int i, int position, float momentum, float eps, int center, int scale, int frozen) {
  return norm_init(&L[i], max_batch, position, momentum, eps, center, scale, frozen);
}
/** l's BatchNormalization parameters: 0 gamma, 1 beta, 2 moving mean, 3 moving variance ([ld]; 0 when absent). */
float *norm_param(Layer *l, int which) {
  return which == 0 ? l->gamma : which == 1 ? l->beta : which == 2 ? l->mmean : l->mvar;
}
EXPORT float *k_norm_param(int i, int which) { return norm_param(&L[i], which); }

/** The optimizer slots of a BatchNormalization's gamma and beta (as k_set_optimizer gives a bias). */
static int norm_slots(Layer *l, int slots, float init) {
  if (!l->bn || l->bn_frozen) return 1;
  float **vs[6] = { &l->g1, &l->e1, &l->g2, &l->e2, &l->g3, &l->e3 };
  for (int s = 0; s < 2 * (slots >= 3 ? 3 : slots); s++) {
    if (!(*vs[s] = zalloc(l->ld))) return 0;
    if (s < 2) for (int j = 0; j < l->ld; j++) (*vs[s])[j] = init;
  }
  return 1;
}

/** The per-step factors of the optimizers that have them, for step t = 1, 2, ... */
static void begin_step(void) {
  switch (opt_kind) {
    case OPT_ADAM: beta1_pow *= p_beta1; beta2_pow *= p_beta2; break;
    case OPT_ADAMAX: beta1_pow *= p_beta1; step_c1 = -lr / (1 - beta1_pow); break;
    case OPT_ADAMW:
      beta1_pow *= p_beta1; beta2_pow *= p_beta2;
      step_c1 = (float)(lr * __builtin_sqrt(1.0 - beta2_pow) / (1.0 - beta1_pow));
      step_c2 = lr * p_weight_decay;
      break;
    case OPT_NADAM: {
      // u_t = b1 (1 - 0.5 * 0.96^t); the product of u_1..u_t, and of u_1..u_t+1 for m.
      decay_pow *= 0.96;
      double u_t = p_beta1 * (1 - 0.5 * decay_pow), u_next = p_beta1 * (1 - 0.5 * decay_pow * 0.96);
      u_product *= u_t;
      beta2_pow *= p_beta2;
      step_c1 = (float)(u_next / (1 - u_product * u_next));
      step_c2 = (float)((1 - u_t) / (1 - u_product));
      step_c3 = (float)(1.0 / (1.0 - beta2_pow));
      break;
    }
    default: break;
  }
}

static int argmax(const float *v, int n) {
  int best = 0;
  for (int j = 1; j < n; j++) if (v[j] > v[best]) best = j;
  return best;
}

/**
 * dL/dz of softmax + clipped cross-entropy for one example when some labelled class's p is
 * clipped: g_j = -t_j / p_j where p_j is inside [eps, 1 - eps] (else 0), dz = p (g - <g, p>) / m.
 */
static void ce_clipped_grad(const float *a, const float *y, float *d, int n, float inv_m) {
  const float eps = 1e-7f;
  double dot = 0;
  for (int j = 0; j < n; j++) {
    float t = loss_kind == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY ? (j == (int)y[0] ? 1.0f : 0.0f) : y[j];
    d[j] = t != 0 && a[j] >= eps && a[j] <= 1 - eps ? -t / a[j] : 0;
    dot += (double)d[j] * a[j];
  }
  for (int j = 0; j < n; j++) d[j] = (float)(a[j] * (d[j] - dot)) * inv_m;
}

/**
 * Cross-entropy of one example's logits z (tfjs's softmaxCrossEntropy, no clipping):
 * log(sum exp(z - max)) - (z_t - max) summed over the labels t; dL/dz = (softmax(z) - t) / m.
 */
static double ce_logits(const float *z, const float *y, float *d, int n, float inv_m) {
  float mx = z[0];
  for (int j = 1; j < n; j++) mx = z[j] > mx ? z[j] : mx;
  double s = 0;
  for (int j = 0; j < n; j++) s += exp_d((double)z[j] - mx);
  double lse = log_d(s), l = 0;
  for (int j = 0; j < n; j++) {
    float t = loss_kind == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY ? (j == (int)y[0] ? 1.0f : 0.0f) : y[j];
    double p = exp_d((double)z[j] - mx) / s;
    if (t != 0) l -= t * ((double)z[j] - mx - lse);
    d[j] = (float)(p - t) * inv_m;
  }
  return l;
}

/**
 * Binary cross-entropy of one example's logits, the mean over its n outputs (tfjs's
 * sigmoidCrossEntropy: max(z, 0) - z y + log(1 + exp(-|z|))); dL/dz = (sigmoid(z) - y) / (m n).
 */
static double bce_logits(const float *z, const float *y, float *d, int n, float inv_m) {
  double l = 0;
  for (int j = 0; j < n; j++) {
    double x = z[j], ax = x < 0 ? -x : x;
    l += (x > 0 ? x : 0) - x * y[j] + log_d(1 + exp_d(-ax));
    d[j] = (float)(sigmoid_d(x) - y[j]) * inv_m / (float)n;
  }
  return l / n;
}

/**
 * Cross-entropy of one example's outputs a that no softmax made (a sigmoid, relu or linear
 * output), as TensorFlow.js takes it: divided by their sum and clipped to [eps, 1 - eps]; the
 * sparse loss first clips the outputs too (tfjs-layers' sparseCategoricalCrossentropy; Keras's
 * neither clips first nor divides). dL/da = (g - <g, q>) / (S m) with q = c / S, c the outputs as
 * the sum takes them, g_j = -t_j / q_j inside the clip (else 0), and 0 where c clipped a.
 */
static double ce_normalized(const float *a, const float *y, float *d, int n, float inv_m) {
  const float eps = 1e-7f;
  int sparse = loss_kind == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
  float s = 0;
  for (int j = 0; j < n; j++) s += sparse ? (a[j] < eps ? eps : a[j] > 1 - eps ? 1 - eps : a[j]) : a[j];
  double l = 0, dot = 0;
  for (int j = 0; j < n; j++) {
    float t = sparse ? (j == (int)y[0] ? 1.0f : 0.0f) : y[j];
    float c = sparse ? (a[j] < eps ? eps : a[j] > 1 - eps ? 1 - eps : a[j]) : a[j];
    float q = c / s, p = q < eps ? eps : q > 1 - eps ? 1 - eps : q;
    if (t != 0) l -= t * log_d(p);
    d[j] = t != 0 && q >= eps && q <= 1 - eps ? -t / q : 0;
    dot += (double)d[j] * q;
  }
  for (int j = 0; j < n; j++) {
    float c = sparse ? (a[j] < eps ? eps : a[j] > 1 - eps ? 1 - eps : a[j]) : a[j];
    d[j] = c == a[j] ? (float)((d[j] - dot) / s) * inv_m : 0;
  }
  return l;
}

/**
 * Binary cross-entropy of one example's outputs a that no sigmoid made, clipped to [eps, 1 - eps]:
 * the mean over its n outputs; dL/da = (a - y) / (a (1 - a) m n) inside the clip, else 0.
 */
static double bce_probs(const float *a, const float *y, float *d, int n, float inv_m) {
  const float eps = 1e-7f;
  double l = 0;
  for (int j = 0; j < n; j++) {
    float p = a[j] < eps ? eps : a[j] > 1 - eps ? 1 - eps : a[j];
    l -= y[j] * log_d(p) + (1 - y[j]) * log_d(1 - p);
    d[j] = p == a[j] ? (float)((a[j] - y[j]) / ((double)a[j] * (1 - a[j]))) * inv_m / (float)n : 0;
  }
  return l / n;
}

static float sign_(float x) { return x > 0 ? 1.0f : x < 0 ? -1.0f : 0.0f; }

/** Whether the batch's labels are all 0 or 1: Keras's hinge losses then take them as -1 and 1. */
static int binary_labels(const float *labels, const int *idx, int m) {
  for (int b = 0; b < m; b++) {
    const float *y = labels + (idx ? idx[b] : b) * y_dim;
    for (int j = 0; j < y_dim; j++) if (y[j] != 0 && y[j] != 1) return 0;
  }
  return 1;
}

/**
 * Categorical hinge of one example (tfjs-layers' categoricalHinge): max(0, 1 + neg - pos) with
 * pos = <y, a> and neg = max_j (1 - y_j) a_j; the gradient goes to every j at that max, as
 * tfjs's max does.
 */
static double categorical_hinge(const float *a, const float *y, float *d, int n, float inv_m) {
  float pos = 0, neg = -__builtin_inff();
  for (int j = 0; j < n; j++) {
    float v = (1 - y[j]) * a[j];
    pos += y[j] * a[j];
    neg = v > neg ? v : neg;
  }
  float r = 1 + (neg - pos);
  for (int j = 0; j < n; j++) d[j] = r > 0 ? (((1 - y[j]) * a[j] == neg ? 1 - y[j] : 0) - y[j]) * inv_m : 0;
  return r > 0 ? r : 0;
}

/**
 * Cosine similarity loss of one example (tfjs-layers' cosineProximity): -<y / |y|, a / |a|>,
 * each norm at least sqrt(eps); dL/da = -(u - <u, v> v) / |a| with u = y / |y| and v = a / |a|
 * (only -u / |a| where |a|'s floor holds it constant).
 */
static double cosine_similarity(const float *a, const float *y, float *d, int n, float inv_m) {
  const double eps = 1e-7;
  double aa = 0, yy = 0, ay = 0;
  for (int j = 0; j < n; j++) { aa += (double)a[j] * a[j]; yy += (double)y[j] * y[j]; ay += (double)a[j] * y[j]; }
  double na = __builtin_sqrt(aa > eps ? aa : eps), ny = __builtin_sqrt(yy > eps ? yy : eps);
  double cos = ay / (na * ny);
  for (int j = 0; j < n; j++) {
    double u = y[j] / ny, v = a[j] / na;
    d[j] = (float)(-(u - (aa >= eps ? cos * v : 0)) / na) * inv_m;
  }
  return -cos;
}

/**
 * The losses besides the cross-entropies, as tfjs-layers' losses.js computes them (Keras's
 * formulas): one example's loss, and dL/da in d. The element-wise ones are means over the n
 * outputs. `binary`: hinge and squared hinge take 0/1 labels as -1/1, as Keras does.
 */
static double other_loss(const float *a, const float *y, float *d, int n, float inv_m, int binary) {
  const float eps = 1e-7f;
  if (loss_kind == LOSS_CATEGORICAL_HINGE) return categorical_hinge(a, y, d, n, inv_m);
  if (loss_kind == LOSS_COSINE_SIMILARITY) return cosine_similarity(a, y, d, n, inv_m);
  double l = 0;
  for (int j = 0; j < n; j++) {
    float e = a[j] - y[j], g = 0;
    switch (loss_kind) {
      case LOSS_MEAN_ABSOLUTE_ERROR: l += e < 0 ? -e : e; g = sign_(e); break;
      case LOSS_MEAN_ABSOLUTE_PERCENTAGE_ERROR: {
        float t = y[j] < 0 ? -y[j] : y[j], s = t > eps ? t : eps;
        l += 100.0 * (e < 0 ? -e : e) / s;
        g = 100 * sign_(e) / s;
        break;
      }
      case LOSS_MEAN_SQUARED_LOGARITHMIC_ERROR: {
        // Predictions and labels clipped below at eps; no gradient through a clipped prediction.
        float cp = a[j] >= eps ? a[j] : eps, ct = y[j] >= eps ? y[j] : eps;
        double q = log_d(1.0 + cp) - log_d(1.0 + ct);
        l += q * q;
        g = a[j] >= eps ? (float)(2 * q / (1.0 + cp)) : 0;
        break;
      }
      case LOSS_HINGE: case LOSS_SQUARED_HINGE: {
        float t = binary ? 2 * y[j] - 1 : y[j], r = 1 - t * a[j];
        if (r > 0) {
          l += loss_kind == LOSS_HINGE ? r : (double)r * r;
          g = loss_kind == LOSS_HINGE ? -t : -2 * r * t;
        }
        break;
      }
      case LOSS_LOG_COSH: {  // log(cosh(e)) = |e| + log(1 + exp(-2 |e|)) - log 2, overflow-free
        double ae = e < 0 ? -e : e;
        l += ae + log_d(1 + exp_d(-2 * ae)) - 0.6931471805599453;
        g = tanhf_(e);
        break;
      }
      case LOSS_KL_DIVERGENCE: {  // a sum: y log(clip(y) / clip(a)), clipped to [eps, 1]
        float ct = y[j] < eps ? eps : y[j] > 1 ? 1 : y[j], cp = a[j] < eps ? eps : a[j] > 1 ? 1 : a[j];
        l += y[j] * (log_d(ct) - log_d(cp));
        g = a[j] >= eps && a[j] <= 1 ? -y[j] / cp : 0;
        break;
      }
      case LOSS_POISSON: l += a[j] - y[j] * log_d((double)a[j] + eps); g = 1 - y[j] / (a[j] + eps); break;
      default: l += (double)e * e; g = 2 * e; break;  // mean squared error
    }
    d[j] = loss_kind == LOSS_KL_DIVERGENCE ? g * inv_m : g * inv_m / (float)n;
  }
  return loss_kind == LOSS_KL_DIVERGENCE ? l : l / n;
}

static const float *output_of(const Layer *p);
static const float *last_output;  // what loss_and_grad last read: the model's output (k_last_output)
static Layer front_out;           // the front's output as the loss's layer, without a Dense stack

/** The layer the loss reads: the last Dense layer, or without one the front's last op (front_output_view). */
static Layer *output_layer(void) {
  if (nlayers) return &L[nlayers - 1];
  front_output_view(&front_out);
  return &front_out;
}

/**
 * Whether the loss takes the output layer's pre-activation gradient itself (softmax with a
 * cross-entropy, sigmoid with binary cross-entropy); else loss_and_grad gives dL/da and the
 * output activation's backward follows.
 */
static int fused_output(const Layer *o) {
  if (from_logits || loss_kind > LOSS_BINARY_CROSSENTROPY || o->drop || o->bn == BN_AFTER || o->bn == BN_LAST) return 0;
  return loss_kind == LOSS_BINARY_CROSSENTROPY ? o->act == ACT_SIGMOID : o->act == ACT_SOFTMAX;
}

/**
 * Loss (mean over the batch) and dL/da of the output layer, as tfjs's losses compute them.
 * Example b's labels are labels[idx[b]] (labels[b] without idx), y_dim floats each.
 */
static float loss_and_grad(Layer *o, const float *labels, const int *idx, int m) {
  const float eps = 1e-7f, inv_m = 1.0f / (float)m;
  int n = o->out, fused = fused_output(o);
  const float *out = last_output = output_of(o);
  int binary = (loss_kind == LOSS_HINGE || loss_kind == LOSS_SQUARED_HINGE) && binary_labels(labels, idx, m);
  double total = 0;
  int correct = 0;
  double bin_correct = 0;
  for (int b = 0; b < m; b++) {
    const float *a = out + b * o->ld, *y = labels + (idx ? idx[b] : b) * y_dim;
    float *d = o->d + b * o->ld;
    switch (loss_kind) {
      case LOSS_SPARSE_CATEGORICAL_CROSSENTROPY: case LOSS_CATEGORICAL_CROSSENTROPY: {
        if (from_logits) { total += ce_logits(a, y, d, n, inv_m); break; }
        if (!fused) { total += ce_normalized(a, y, d, n, inv_m); break; }
        // The softmax output is fused: dL/dz = (p - y) / m; d holds dz already (see k_train_batch).
        // The loss clips p to [eps, 1 - eps] as Keras and tfjs do, and as in tfjs no gradient
        // flows through a clipped probability: an example whose labelled class is clipped
        // contributes none (without this, an exploding network overflows where tfjs saturates).
        double l = 0;
        int clipped = 0;
        for (int j = 0; j < n; j++) {
          float t = loss_kind == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY ? (j == (int)y[0] ? 1.0f : 0.0f) : y[j];
          float p = a[j] < eps ? eps : a[j] > 1 - eps ? 1 - eps : a[j];
          if (t != 0) { l -= t * log_d(p); clipped |= p != a[j]; }
          d[j] = (a[j] - t) * inv_m;
        }
        if (clipped) ce_clipped_grad(a, y, d, n, inv_m);
        total += l;
        break;
      }
      case LOSS_BINARY_CROSSENTROPY: {
        if (from_logits) { total += bce_logits(a, y, d, n, inv_m); break; }
        if (!fused) { total += bce_probs(a, y, d, n, inv_m); break; }
        // Sigmoid output fused: dL/dz = (p - y) / (m n), zero where p is clipped (as in tfjs).
        double l = 0;
        for (int j = 0; j < n; j++) {
          float p = a[j] < eps ? eps : a[j] > 1 - eps ? 1 - eps : a[j];
          l -= y[j] * log_d(p) + (1 - y[j]) * log_d(1 - p);
          d[j] = p == a[j] ? (a[j] - y[j]) * inv_m / (float)n : 0;
        }
        total += l / n;
        break;
      }
      default: total += other_loss(a, y, d, n, inv_m, binary); break;
    }
    for (int j = n; j < o->ld; j++) d[j] = 0;
    switch (acc_kind) {
      case ACC_SPARSE: correct += argmax(a, n) == (int)y[0]; break;
      case ACC_CATEGORICAL: correct += argmax(a, n) == argmax(y, n); break;
      case ACC_BINARY: {
        int c = 0;
        for (int j = 0; j < n; j++) c += (a[j] > 0.5f ? 1.0f : 0.0f) == y[j];
        bin_correct += (double)c / n;
        break;
      }
      default: break;
    }
  }
  batch_acc = acc_kind == ACC_BINARY ? (float)(bin_correct / m) : (float)correct / (float)m;
  return (float)(total / m);
}

// ---- worker threads ----
// Each GEMM is split between the calling thread (0) and `nworkers` workers that run k_worker()
// on the same shared memory: the forward pass by output columns, the backward pass by rows of W
// (each thread computes dX's columns for its rows before it updates those rows, so no thread
// reads a row another one has changed). Elementwise work stays on thread 0.
// A job's share t (t >= 1) is computed by whichever claims it first for the job's generation:
// worker t when it wakes, or thread 0 once its own share is done. A worker whose core another
// process holds is not waited for: thread 0 does its share, and a step costs about a 1-thread
// step instead of a scheduler time slice per job.

enum { JOB_FORWARD, JOB_BACKWARD, JOB_FRONT };
static struct { int kind, layer, m, threads; } job;
static int job_gen, nworkers;
/** Per share: the generation of the last job that claimed it, and of the last job whose share is done. */
static int owner[MAX_THREADS], finished[MAX_THREADS];
static int active_threads = 1 << 30;  // k_set_active: how many of the threads share a job (all by default)
/** Per-thread lists of nonzero inputs for gemm_forward, one input row long, and of batch rows (with their inputs) for gemm_grad_update. */
static int *scratch[MAX_THREADS], *batch_rows[MAX_THREADS];
/** Per-thread sums of squares while measuring (each thread updates its own rows of a kernel). */
static Measure measured[MAX_THREADS];
/**
 * Polls before a thread sleeps: a few milliseconds, longer than any gap between the jobs of a
 * training run, since a sleeping worker takes tens of microseconds to wake (shorter polls cost
 * ~20% of a 2-thread batch-32 epoch). Between epochs the workers do sleep.
 */
#define SPINS 2000000

/** [lo, hi) of thread t's share of n items in units of `unit` (n a multiple of unit, except a tail). */
static void share(int n, int unit, int t, int *lo, int *hi) {
  int units = (n + unit - 1) / unit, nt = job.threads;
  int u0 = units * t / nt, u1 = units * (t + 1) / nt;
  *lo = u0 * unit;
  *hi = u1 * unit < n ? u1 * unit : n;
}

/** Layer p's output after its dropout and BatchNormalization (dropped, in training): what the next layer or the loss reads. */
static const float *output_of(const Layer *p) {
  if (p->bn == BN_LAST) return p->norm;
  return training && p->drop ? p->drop : p->norm ? p->norm : p->a;
}

/** What layer i reads: the batch, or the layer before's output. */
static const float *layer_input(int i) { return i ? output_of(&L[i - 1]) : dense_in; }

/**
 * Whether layer l's activation runs inside its forward job, on each thread's columns (not after a
 * BatchNormalization, nor softmax, which needs whole rows).
 */
static int fused_activation(const Layer *l) { return l->bn != BN_BEFORE && elementwise_activation(l->act); }
/**
 * Whether layer l's dropout (in training) runs inside its forward job, on each thread's columns,
 * after the activation there: not after a BatchNormalization, which needs the whole batch first.
 * The masks are the same on any number of threads (each value's draw is a hash of its index).
 */
static int fused_dropout(const Layer *l) { return training && l->drop && fused_activation(l) && l->bn != BN_AFTER; }
/** Whether layer p's whole backward pass below the next layer (below_backward) works on each value alone, so it runs inside the next layer's backward job. */
static int fused_below(const Layer *p) { return p->bn == BN_NONE && elementwise_activation(p->act); }

/** below_backward for columns [j0, j1) of a layer without BatchNormalization. */
static void below_cols(Layer *p, int m, int j0, int j1) {
  if (p->drop) dropout_backward_cols(p, m, j0, j1);
  if (p->al1 || p->al2) activity_backward_cols(p, m, j0, j1);
  activation_backward_cols(p, m, j0, j1);
}

static void run_job(int t) {
  if (job.kind == JOB_FRONT) { front_job(t, job.threads); return; }
  Layer *l = &L[job.layer];
  int m = job.m, lo, hi;
  const float *in = layer_input(job.layer);
  int ldin = job.layer ? L[job.layer - 1].ld : in_ld;
  if (job.kind == JOB_FORWARD) {
    share(l->ld, 8, t, &lo, &hi);
    if (lo < hi) gemm_forward(m, l->in, in, ldin, l->w, l->ld, l->bias ? l->b : 0, l->a, lo, hi, scratch[t]);
    if (lo < hi && fused_activation(l)) activate_cols(l, m, lo, hi);
    if (lo < hi && fused_dropout(l)) dropout_forward_cols(l, m, lo, hi);
  } else {
    share(l->in, 4, t, &lo, &hi);
    if (lo >= hi) return;
    if (job.layer) {
      Layer *p = &L[job.layer - 1];
      gemm_backward_input(m, lo, hi, l->d, l->ld, l->w, p->d, p->ld);
      // This thread's columns of dX are done: their elementwise backward ops too (the last share takes the padding).
      if (fused_below(p)) below_cols(p, m, lo, hi == p->out ? p->ld : hi);
    } else if (front_grad()) gemm_backward_input(m, lo, hi, l->d, l->ld, l->w, front_grad(), in_ld);
    if (!l->frozen) gemm_grad_update(m, lo, hi, in, ldin, l->d, l->ld, l->w, l->s1, l->s2, l->s3, l->kl1, l->kl2, l->kl1 || l->kl2 ? l->cols : 0, measuring ? &measured[t] : 0, batch_rows[t]);
  }
}

static void dispatch(void);

/** Runs the job on every thread and returns when all are done. */
static void run_everywhere(int kind, int layer, int m) {
  job.kind = kind; job.layer = layer; job.m = m;
  // A small layer (the 10-unit output) costs less than waking the workers.
  int threads = nworkers + 1 < active_threads ? nworkers + 1 : active_threads;
  job.threads = m * L[layer].in * L[layer].ld < 65536 ? 1 : threads;
  if (measuring) for (int t = 0; t < MAX_THREADS; t++) measured[t] = (Measure){ 0, 0, 0 };
  dispatch();
  if (measuring && kind == JOB_BACKWARD) {
    Layer *l = &L[layer];
    l->grad_sq = l->delta_sq = l->weight_sq = 0;
    for (int t = 0; t < job.threads; t++) { l->grad_sq += measured[t].g; l->delta_sq += measured[t].d; l->weight_sq += measured[t].w; }
  }
}

void run_front_job(int threads) {
  job.kind = JOB_FRONT;
  int most = nworkers + 1 < active_threads ? nworkers + 1 : active_threads;
  job.threads = threads < most ? threads : most;
  dispatch();
}

/** Claims share t of job generation g, unless someone did (generations only grow, so a stale worker's claim fails). */
static int claim(int t, int g) {
  int cur = __atomic_load_n(&owner[t], __ATOMIC_ACQUIRE);
  while ((int)((unsigned)g - (unsigned)cur) > 0) {
    if (__atomic_compare_exchange_n(&owner[t], &cur, g, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return 1;
  }
  return 0;
}

/** Computes share t of job g and says so. */
static void run_share(int t, int g) {
  run_job(t);
  __atomic_store_n(&finished[t], g, __ATOMIC_RELEASE);
  __builtin_wasm_memory_atomic_notify(&finished[t], 1);
}

/** Runs `job` on job.threads threads and returns when all are done. */
static void dispatch(void) {
  if (job.threads <= 1) {
    run_job(0);
    return;
  }
  int g = __atomic_add_fetch(&job_gen, 1, __ATOMIC_SEQ_CST);
  __builtin_wasm_memory_atomic_notify(&job_gen, (unsigned)nworkers);
  run_job(0);
  for (int t = 1; t < job.threads; t++) if (claim(t, g)) run_share(t, g);
  for (int t = 1; t < job.threads; t++) {
    int spins = 0, done;
    while ((done = __atomic_load_n(&finished[t], __ATOMIC_ACQUIRE)) != g) {
      // A worker descheduled mid-share: sleep rather than spin on its core.
      if (++spins > SPINS) __builtin_wasm_memory_atomic_wait32(&finished[t], done, 1000000);
    }
  }
}

/** How many workers will run k_worker() (at most MAX_THREADS - 1; returns that number, or -1 without memory). Call once, before they start. */
void grad_update(Layer *l, int m, int p0, int p1, const float *x, int ldx, int t, Measure *ms) {
  gemm_grad_update(m, p0, p1, x, ldx, l->d, l->ld, l->w, l->s1, l->s2, l->s3, l->kl1, l->kl2, l->kl1 || l->kl2 ? l->cols : 0, ms, batch_rows[t]);
}

EXPORT int k_set_workers(int n) {
  if (n > MAX_THREADS - 1) n = MAX_THREADS - 1;
  int widest = in_dim;
  for (int i = 0; i < nlayers; i++) widest = L[i].in > widest ? L[i].in : widest;
  for (int t = 0; t <= n; t++) {
    if (!scratch[t] && !(scratch[t] = (int *)k_alloc(PANEL_ROWS * (widest + 1) * 4))) return -1;
    if (!batch_rows[t] && !(batch_rows[t] = (int *)k_alloc(max_batch * 3 * 4))) return -1;
  }
  if (!front_set_threads(n + 1)) return -1;
  nworkers = n;
  return n;
}

/**
 * How many threads (the caller's and up to n - 1 workers) share the next jobs: the trainer lowers
 * it when another process is busy and a worker's core is not there when a job needs it.
 */
EXPORT void k_set_active(int n) { __atomic_store_n(&active_threads, n < 1 ? 1 : n, __ATOMIC_RELAXED); }

/** A worker's loop: never returns. Polls for the next job, then sleeps. */
EXPORT void k_worker(int t) {
  int seen = 0;  // not job_gen: a worker that starts late still runs the first job
  for (;;) {
    int spins = 0;
    while (__atomic_load_n(&job_gen, __ATOMIC_ACQUIRE) == seen) {
      // A worker the tuner left out sleeps at once: spinning, it would take the core that the
      // 1-thread steps (and the busy process the tuner made room for) need.
      if (++spins > SPINS || t >= __atomic_load_n(&active_threads, __ATOMIC_RELAXED)) __builtin_wasm_memory_atomic_wait32(&job_gen, seen, -1);
    }
    seen = __atomic_load_n(&job_gen, __ATOMIC_ACQUIRE);
    // The job's fields are those of `seen` while its share is unclaimed: thread 0 waits for it.
    if (t < job.threads && claim(t, seen)) run_share(t, seen);
  }
}

/** Layer p's d (the gradient w.r.t. what the next layer read) back to its pre-activation. */
static void below_backward(Layer *p, int m) {
  if (p->bn == BN_LAST) bn_backward(p, m);
  if (p->drop) dropout_backward(p, m);
  if (p->bn == BN_AFTER) bn_backward(p, m);
  if (p->al1 || p->al2) activity_backward(p, m);
  activation_backward(p, m);
  if (p->bn == BN_BEFORE) bn_backward(p, m);
}

/** Where a batch's examples go: the convolutional front's input (front.c), or the Dense stack's. */
static float *batch_input(void) { return front_input_dim() ? front_input() : xb; }
/** Floats per example there. */
static int batch_width(void) { return front_input_dim() ? front_input_dim() : in_dim; }

/**
 * The forward pass of the batch in batch_input() through the front and every layer (with dropout
 * while training); returns the activity regularizers' penalty on its outputs.
 */
static double forward(int m) {
  double activity = 0;
  dense_in = front_input_dim() ? front_forward(m, step_count, training, &activity) : xb;
  for (int i = 0; i < nlayers; i++) {
    Layer *l = &L[i];
    run_everywhere(JOB_FORWARD, i, m);
    if (l->bn == BN_BEFORE) bn_forward(l, l->a, l->a, m);
    if (!fused_activation(l)) activate(l, m);
    if (l->al1 || l->al2) activity += activity_penalty_rows(l, 0, m);
    if (l->bn == BN_AFTER) bn_forward(l, l->a, l->norm, m);
    if (training && l->drop && !fused_dropout(l)) dropout_forward_cols(l, m, 0, l->ld);
    if (l->bn == BN_LAST) bn_forward(l, training && l->drop ? l->drop : l->a, l->norm, m);
  }
  return activity;
}

/** The regularizers' penalty on the current weights, as the reported loss includes it. */
EXPORT float k_penalty(void) {
  double sum = 0;
  for (int i = 0; i < nlayers; i++) if (L[i].cols) sum += penalty(&L[i]);
  return (float)(sum + front_penalty());
}

/** Where k_eval_batch reads its examples ([m][batch width], m up to the training batch size) and their labels. */
EXPORT float *k_eval_input(void) { return batch_input(); }
EXPORT float *k_eval_labels(void) { return eval_ys; }

/**
 * The mean loss of m examples in inference mode, with the activity regularizers' penalty on
 * their outputs (no dropout, no update, no weight penalty: the caller adds k_penalty() once per
 * split); k_batch_accuracy() then gives their mean accuracy.
 */
EXPORT float k_eval_batch(int m) {
  training = 0;
  double activity = forward(m);
  float loss = loss_and_grad(output_layer(), eval_ys, 0, m);
  training = 1;
  return loss + (float)activity;
}

/**
 * One training step on the rows `idx[0..m)` of the resident data. Returns the batch's mean loss;
 * k_batch_accuracy() then gives its mean accuracy.
 */
EXPORT float k_train_batch(const int *idx, int m) {
  int width = batch_width();
  float *gathered = batch_input();
  for (int b = 0; b < m; b++) __builtin_memcpy(gathered + b * width, xs + idx[b] * width, (unsigned long)width * 4);
  double activity = forward(m);
  step_count++;
  begin_step();
  Layer *o = output_layer();
  float loss = loss_and_grad(o, ys, idx, m) + k_penalty() + (float)activity;
  // Cross-entropy after softmax and BCE after sigmoid already gave dL/dz (a BatchNormalization
  // before the softmax still takes its part); the other losses and outputs gave the gradient
  // w.r.t. the layer's final output (from_logits: the output is the logits), which goes back
  // through its dropout, normalization and activation as a hidden layer's does.
  if (!fused_output(o)) below_backward(o, m);
  else if (o->bn == BN_BEFORE) bn_backward(o, m);
  for (int i = nlayers - 1; i >= 0; i--) {
    Layer *l = &L[i];
    if (i || !l->frozen || front_grad()) run_everywhere(JOB_BACKWARD, i, m);  // a frozen first layer has nothing to do, unless for the front
    if (i && !fused_below(&L[i - 1])) below_backward(&L[i - 1], m);
    if (l->bias && !l->frozen) bias_update(m, l->d, l->ld, l->b, l->t1, l->t2, l->t3, l->bl1, l->bl2, l->bl1 || l->bl2 ? l->cols : 0);
  }
  if (front_grad()) front_backward(m, measuring);
  return loss;
}

EXPORT float k_batch_accuracy(void) { return batch_acc; }

// ---- training health ----

/** Whether the next steps measure each kernel's gradient norm (a sampled step; off otherwise). */
EXPORT void k_measure(int on) { measuring = on; }
/** Layer i's squared kernel-gradient norm in the last measured step (0 for a frozen layer). */
EXPORT double k_grad_sq(int i) { return L[i].grad_sq; }
/** Layer i's squared norms in the last measured step: of its kernel's update, and of the kernel before it (0 for a frozen layer). */
EXPORT double k_delta_sq(int i) { return L[i].delta_sq; }
EXPORT double k_weight_sq(int i) { return L[i].weight_sq; }
/** Layer i's output (after its activation) for the last batch, [batch][ld]. */
EXPORT float *k_activations(int i) { return L[i].a; }
/** The model's output [batch][k_output_ld()] for the last batch trained or evaluated, as the loss read it (after any Dropout or BatchNormalization after the output layer). */
EXPORT const float *k_last_output(void) { return last_output; }
EXPORT int k_output_ld(void) { return output_layer()->ld; }
/** The loss gradient w.r.t. layer i's pre-activation for the last batch, [batch][ld]. */
EXPORT float *k_deltas(int i) { return L[i].d; }
