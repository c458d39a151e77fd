// The convolutional front of the fused training kernel: Conv2D, max and average pooling, global
// average pooling, Dropout, and BatchNormalization and activations that no conv right before them
// holds, on NHWC images, run before the Dense stack of dense.c. Flatten and
// Reshape need no op: an example stays one row-major block of floats throughout. A Dense layer
// the stack cannot hold (one followed by an order it does not fold) is a 1x1 convolution here.
//
// A convolution is im2col + GEMM: each output pixel's receptive field becomes one row of `col`
// ([pixels][kh * kw * cin], in the order of tfjs's [kh, kw, cin, cout] kernel), and the output is
// col * W with dense.c's 4x8 SIMD micro-kernel. Backward: dW = col^T * dZ into a gradient buffer,
// then the optimizer's update (dense.c's, so every optimizer behaves as on a Dense layer), and
// dX = col2im(dZ * W^T) except before the first trainable op. The maths follows TensorFlow.js
// (padding, pooling windows, max-pool ties) so a run matches the tfjs engine to float32 rounding.
//
// Buffers are sized from the plan at k_front_init time; a setter returns 0 when memory runs out.
#include "kernel.h"

enum { OP_CONV, OP_MAXPOOL, OP_AVGPOOL, OP_GAP, OP_DROPOUT, OP_NORM, OP_ACT };

typedef struct {
  int kind;
  int h, w, c, oh, ow, oc;          // one example's input and output image (NHWC)
  int kh, kw, sh, sw, dh, dw, pt, pl;  // window, strides, dilation, padding before (top, left)
  int K, K8;                        // conv: im2col row width kh * kw * c, and rounded up to 8
  int group;                        // conv: images per GEMM, so small images (a Dense layer's one pixel) still fill a panel
  Layer l;                          // conv: weights, slots, regularizers; l.a, l.d, l.z are [rows][ld]
                                    // norm, act: the BatchNormalization or activation; l.a, l.d (l.z) [pixels][ld]
  float *col;                       // conv: the batch's im2col rows [batch * oh * ow][K]
  float *g, *gb;                    // conv: the loss gradient of the kernel [K][ld] and of the bias [ld]
  float *wt;                        // conv: W^T [ld][K8], for dX
  float *out, *dout;                // output and the loss gradient w.r.t. it [batch][oh * ow * oc]
  int *arg;                         // max pooling: index of each output's maximum in the input
  float rate, *mask;                // dropout: the rate, this step's mask (0 or 1 / (1 - rate); AlphaDropout: 0 or a) [batch][size]
  int alpha;                        // dropout: an AlphaDropout (dropped values become alpha', then all a x + b)
  uint32_t seed;
  int grad_in;                      // the op before it has weights to train: compute dX
  int inner;                        // norm: floats after its axis in an example (1: the last axis, the channels)
} Op;

static Op *ops;
static int nops, in_size, max_m, trainable;
static float *fx;  // the gathered batch [max_m][in_size]
static int *nz[MAX_THREADS];       // gemm_forward's per-thread lists of nonzero inputs
static float *dcol[MAX_THREADS];   // per-thread dZ * W^T of one group of images [group * oh * ow][K8]
/** Rows of col and dZ summed per block (conv_grad), small enough to stay in cache across the kernel's rows. */
#define GRAD_ROWS 128
static int *glist[MAX_THREADS];    // conv_grad's per-thread list of pixels (GRAD_ROWS ints), then their gradients (4 GRAD_ROWS floats)
static Measure gsq[MAX_THREADS];   // per-thread sums of squares while measuring
static int widest_k, widest_col;   // sizes of that scratch
// fuse: FJ_FORWARD also pools each image (the next op is a pooling), FJ_UNPOOL also takes the
// conv before back through its activation, while the image is in cache.
static struct { int kind, op, m, measuring, fuse; uint32_t step; } fjob;
// Per image: a conv's forward pass, its dZ, its dX, pooling forward and backward, dropout forward
// and backward; FJ_DW: by kernel rows; FJ_BIAS: by columns. A conv with a BatchNormalization (over
// the whole batch, between the per-image jobs) also has FJ_FINISH (the activation after the
// normalization, and compaction) and FJ_ACT_BACK.
enum { FJ_FORWARD, FJ_DZ, FJ_DX, FJ_POOL, FJ_UNPOOL, FJ_DW, FJ_FINISH, FJ_ACT_BACK, FJ_DROPOUT, FJ_UNDROP, FJ_BIAS };

static int size_in(const Op *o) { return o->h * o->w * o->c; }
static int size_out(const Op *o) { return o->oh * o->ow * o->oc; }
static const float *op_input(int i) { return i ? ops[i - 1].out : fx; }

/** [lo, hi) of thread t's share of n items in units of `unit`. */
static void range(int n, int unit, int t, int nt, int *lo, int *hi) {
  int units = (n + unit - 1) / unit;
  *lo = units * t / nt * unit;
  *hi = units * (t + 1) / nt * unit;
  if (*hi > n) *hi = n;
  if (*lo > n) *lo = n;
}

/** Starts a front of `n` ops over examples of `size` floats, for batches of up to `batch`. Returns 0 without memory. */
EXPORT int k_front_init(int n, int size, int batch) {
  nops = n; in_size = size; max_m = batch; trainable = 0;
  ops = (Op *)k_alloc(n * (int)sizeof(Op));
  fx = zalloc(batch * size);
  if (!ops || !fx) return 0;
  __builtin_memset(ops, 0, (unsigned long)n * sizeof(Op));
  return 1;
}

/** Op i, or 0 when there is no such op (a setter then returns 0). */
static Op *op_at(int i) { return i >= 0 && i < nops ? &ops[i] : 0; }

/** Sets op o's kind and shapes; 0 when a dimension is not positive. */
static int set_shape(Op *o, int kind, const int *shape) {
  for (int j = 0; j < 6; j++) if (shape[j] < 1) return 0;
  o->kind = kind;
  o->h = shape[0]; o->w = shape[1]; o->c = shape[2]; o->oh = shape[3]; o->ow = shape[4]; o->oc = shape[5];
  return 1;
}

/** Windows, strides and dilations of at least 1, padding of at least 0. */
static int positive(const int *v, int n, int pads) {
  for (int j = 0; j < n; j++) if (v[j] < (j >= n - pads ? 0 : 1)) return 0;
  return 1;
}

/** The op's output and gradient buffers, unless it shares a conv's; 0 without memory. */
static int alloc_io(Op *o) {
  if (!o->out) o->out = zalloc(max_m * size_out(o));
  if (!o->dout) o->dout = zalloc(max_m * size_out(o));
  return o->out && o->dout;
}

/**
 * Op i is a Conv2D. shape: h, w, c, oh, ow, oc; win: kh, kw, sh, sw, dh, dw, pad top, pad left.
 * Returns 0 without memory.
 */
EXPORT int k_front_conv(int i, const int *shape, const int *win, int act, float alpha, int bias) {
  Op *o = op_at(i);
  if (!o || !positive(win, 8, 2) || !set_shape(o, OP_CONV, shape)) return 0;
  o->kh = win[0]; o->kw = win[1]; o->sh = win[2]; o->sw = win[3]; o->dh = win[4]; o->dw = win[5]; o->pt = win[6]; o->pl = win[7];
  o->K = o->kh * o->kw * o->c; o->K8 = (o->K + 7) & ~7;
  Layer *l = &o->l;
  int rows = max_m * o->oh * o->ow;
  l->in = o->K; l->out = o->oc; l->ld = (o->oc + 7) & ~7; l->act = act; l->alpha = alpha; l->bias = bias;
  l->w = zalloc(o->K * l->ld); l->b = zalloc(l->ld);
  l->a = zalloc(rows * l->ld); l->d = zalloc(rows * l->ld);
  o->col = zalloc(rows * o->K); o->g = zalloc(o->K * l->ld); o->gb = zalloc(l->ld); o->wt = zalloc(l->ld * o->K8);
  if (!l->w || !l->b || !l->a || !l->d || !o->col || !o->g || !o->gb || !o->wt) return 0;
  if (keeps_preactivation(act) && !(l->z = zalloc(rows * l->ld))) return 0;
  // Whole rows of the GEMM's output are the op's output when there is no column padding.
  if (l->ld == o->oc) { o->out = l->a; o->dout = l->d; }
  if (o->K > widest_k) widest_k = o->K;
  if (l->ld > widest_k) widest_k = l->ld;
  int pixels = o->oh * o->ow;
  o->group = pixels >= PANEL_ROWS ? 1 : PANEL_ROWS / pixels;
  if (o->group * pixels * o->K8 > widest_col) widest_col = o->group * pixels * o->K8;
  return alloc_io(o);
}

/** Op i is max pooling (max 1) or average pooling (max 0): shape as k_front_conv's, win: kh, kw, sh, sw, pad top, pad left. */
EXPORT int k_front_pool(int i, int max, const int *shape, const int *win) {
  Op *o = op_at(i);
  if (!o || !positive(win, 6, 2) || !set_shape(o, max ? OP_MAXPOOL : OP_AVGPOOL, shape) || o->c != o->oc) return 0;
  o->kh = win[0]; o->kw = win[1]; o->sh = win[2]; o->sw = win[3]; o->pt = win[4]; o->pl = win[5];
  if (max && !(o->arg = (int *)k_alloc(max_m * size_out(o) * 4))) return 0;
  return alloc_io(o);
}

/** Op i is global average pooling over an h x w x c image. */
EXPORT int k_front_gap(int i, int h, int w, int c) {
  int shape[6] = { h, w, c, 1, 1, c };
  Op *o = op_at(i);
  return o && set_shape(o, OP_GAP, shape) && alloc_io(o);
}

/** Op i is Dropout over `size` floats per example, masks seeded like dense.c's. */
EXPORT int k_front_dropout(int i, int size, float rate, int seed) {
  Op *o = op_at(i);
  int shape[6] = { 1, 1, size, 1, 1, size };
  if (!o || !set_shape(o, OP_DROPOUT, shape) || !(rate >= 0 && rate < 1)) return 0;
  o->rate = rate; o->seed = (uint32_t)seed;
  if (!(o->mask = zalloc(max_m * size))) return 0;
  return alloc_io(o);
}

/**
 * Op i is a BatchNormalization over an axis of `channels` features (of each example's `size`
 * floats, `inner` of them after that axis: 1 for the last axis) that no conv right before it
 * holds: after pooling, dropout, or on the input, or on an axis other than the channels. Settings
 * as k_front_norm's. Its rows, one per feature vector, are padded to 4 floats for bn_forward's
 * SIMD. Returns 0 without memory.
 */
EXPORT int k_front_bn(int i, int size, int channels, int inner, float momentum, float eps, int center, int scale, int frozen) {
  Op *o = op_at(i);
  int shape[6] = { 1, channels > 0 ? size / channels : 0, channels, 1, channels > 0 ? size / channels : 0, channels };
  if (!o || channels < 1 || inner < 1 || size % (channels * inner) || !set_shape(o, OP_NORM, shape)) return 0;
  o->inner = inner;
  Layer *l = &o->l;
  int rows = max_m * o->w;
  l->out = channels; l->ld = (channels + 3) & ~3; l->frozen = 1;  // no kernel: only gamma and beta train
  if (!(l->a = zalloc(rows * l->ld)) || !(l->d = zalloc(rows * l->ld))) return 0;
  return norm_init(l, rows, BN_BEFORE, momentum, eps, center, scale, frozen) && alloc_io(o);
}

/**
 * Op i is an Activation or LeakyReLU layer (dense.c's code `act`, LeakyReLU's `alpha`) over the
 * last axis (`channels` of each example's `size` floats: softmax normalizes them) that no conv
 * right before it holds. Returns 0 without memory.
 */
EXPORT int k_front_act(int i, int size, int channels, int act, float alpha) {
  Op *o = op_at(i);
  int shape[6] = { 1, channels > 0 ? size / channels : 0, channels, 1, channels > 0 ? size / channels : 0, channels };
  if (!o || channels < 1 || size % channels || !set_shape(o, OP_ACT, shape)) return 0;
  Layer *l = &o->l;
  int rows = max_m * o->w;
  l->out = channels; l->ld = (channels + 3) & ~3; l->frozen = 1; l->act = act; l->alpha = alpha;
  if (!(l->a = zalloc(rows * l->ld)) || !(l->d = zalloc(rows * l->ld))) return 0;
  if (keeps_preactivation(act) && !(l->z = zalloc(rows * l->ld))) return 0;
  return alloc_io(o);
}

/** Dropout op i is an AlphaDropout (Keras's formula, dense.c's). */
EXPORT void k_front_alpha_dropout(int i) { if (op_at(i) && ops[i].kind == OP_DROPOUT) ops[i].alpha = 1; }

/**
 * A BatchNormalization (axis -1: per filter, over the batch's pixels) after conv op i, at
 * `position` BN_BEFORE or BN_AFTER its activation. Call before k_front_slots. Returns 0 without
 * memory or for an op that is not a conv.
 */
EXPORT int k_front_norm(int i, int position, float momentum, float eps, int center, int scale, int frozen) {
  Op *o = op_at(i);
  if (!o || o->kind != OP_CONV || (position != BN_BEFORE && position != BN_AFTER)) return 0;
  // After the activation the normalized values are the output, and the activation's own stay in l.a.
  if (position == BN_AFTER && o->out == o->l.a && !(o->out = zalloc(max_m * size_out(o)))) return 0;
  return norm_init(&o->l, max_m * o->oh * o->ow, position, momentum, eps, center, scale, frozen);
}
/** Conv op i's BatchNormalization parameters, as k_norm_param's. */
EXPORT float *k_front_norm_param(int i, int which) { return op_at(i) ? norm_param(&ops[i].l, which) : 0; }

/** Conv op i has trainable: false. Call before k_front_slots. */
EXPORT void k_front_freeze(int i) { if (op_at(i)) ops[i].l.frozen = 1; }

/** Conv op i's activity regularizer on its outputs (after the activation): l1 sum |a| + l2 sum a^2 per batch. */
EXPORT void k_front_activity(int i, float l1, float l2) { if (op_at(i)) { ops[i].l.al1 = l1; ops[i].l.al2 = l2; } }

/** Conv op i's kernel and bias regularizer factors (l1 |w| + l2 w^2). Returns 0 without memory. */
EXPORT int k_front_regularizers(int i, float kl1, float kl2, float bl1, float bl2) {
  if (!op_at(i) || ops[i].kind != OP_CONV) return 0;
  Layer *l = &ops[i].l;
  l->kl1 = kl1; l->kl2 = kl2; l->bl1 = bl1; l->bl2 = bl2;
  if (!(l->cols = zalloc(l->ld))) return 0;
  for (int j = 0; j < l->out; j++) l->cols[j] = 1;
  return 1;
}

/**
 * The optimizer slots of every trainable conv (after k_set_optimizer), and which ops pass
 * gradients back. Returns 0 without memory, or when an op was never set or does not read
 * exactly what the op before it writes.
 */
EXPORT int k_front_slots(void) {
  int below = 0;  // a trainable conv at or before this op
  for (int i = 0; i < nops; i++) {
    Op *o = &ops[i];
    if (!o->out || size_in(o) != (i ? size_out(&ops[i - 1]) : in_size)) return 0;
    o->grad_in = below;
    if (o->kind != OP_CONV && o->kind != OP_NORM) continue;
    if (!alloc_slots(&o->l)) return 0;
    below |= !o->l.frozen || (o->l.bn && !o->l.bn_frozen);
  }
  trainable = below;
  return 1;
}

int front_set_threads(int threads) {
  for (int t = 0; t < threads && t < MAX_THREADS && nops; t++) {
    if (!nz[t] && !(nz[t] = (int *)k_alloc(PANEL_ROWS * (widest_k + 1) * 4))) return 0;
    if (!dcol[t] && widest_col && !(dcol[t] = zalloc(widest_col))) return 0;
    if (!glist[t] && !(glist[t] = (int *)k_alloc(GRAD_ROWS * 5 * 4))) return 0;
  }
  return 1;
}

EXPORT float *k_front_weights(int i) { return op_at(i) ? ops[i].l.w : 0; }
EXPORT float *k_front_bias(int i) { return op_at(i) ? ops[i].l.b : 0; }
EXPORT int k_front_ld(int i) { return op_at(i) ? ops[i].l.ld : 0; }
/** Conv or act op i's output after its activation for the last batch, [batch * oh * ow][ld]. */
EXPORT float *k_front_activations(int i) { return op_at(i) ? ops[i].l.a : 0; }
/** Conv op i's loss gradient w.r.t. its pre-activation for the last batch, [batch * oh * ow][ld]. */
EXPORT float *k_front_deltas(int i) { return op_at(i) ? ops[i].l.d : 0; }
/** Conv op i's squared norms in the last measured step: of its kernel's loss gradient, of the update, and of the kernel before it. */
EXPORT double k_front_grad_sq(int i) { return op_at(i) ? ops[i].l.grad_sq : 0; }
EXPORT double k_front_delta_sq(int i) { return op_at(i) ? ops[i].l.delta_sq : 0; }
EXPORT double k_front_weight_sq(int i) { return op_at(i) ? ops[i].l.weight_sq : 0; }
EXPORT float *k_front_dropout_mask(int i) { return op_at(i) ? ops[i].mask : 0; }

int front_input_dim(void) { return nops ? in_size : 0; }
float *front_input(void) { return fx; }
float *front_grad(void) { return nops && trainable ? ops[nops - 1].dout : 0; }

void front_output_view(Layer *v) {
  __builtin_memset(v, 0, sizeof(Layer));
  const Op *o = &ops[nops - 1];
  v->out = v->ld = size_out(o);
  v->a = o->out; v->d = o->dout;
}

double front_penalty(void) {
  double s = 0;
  for (int i = 0; i < nops; i++) if (ops[i].kind == OP_CONV && ops[i].l.cols) s += penalty(&ops[i].l);
  return s;
}

// ---- convolution ----

static void pool_image(const Op *o, int b);
static void unpool_image(const Op *o, int b);

/**
 * n floats from s to d (or zeros when s is 0). Inline loops, not memory.copy: the runs are a
 * pixel's channels, often 1 to 32 floats, where a bulk-memory call costs more than the copy.
 */
static inline void copy_floats(float *d, const float *s, int n) {
  int j = 0;
  // The tails stay scalar: vectorized, clang makes them masked stores that cost more than the copy.
  if (s) {
    for (; j + 4 <= n; j += 4) wasm_v128_store(d + j, wasm_v128_load(s + j));
#pragma clang loop vectorize(disable) unroll(disable)
    for (; j < n; j++) d[j] = s[j];
  } else {
    for (; j + 4 <= n; j += 4) wasm_v128_store(d + j, wasm_f32x4_splat(0));
#pragma clang loop vectorize(disable) unroll(disable)
    for (; j < n; j++) d[j] = 0;
  }
}

/** One image's im2col rows: for each output pixel, its (ky, kx, ci) receptive field, zeros outside. */
static void im2col(const Op *o, const float *x, float *col) {
  int c = o->c;
  for (int oy = 0; oy < o->oh; oy++) {
    for (int ox = 0; ox < o->ow; ox++) {
      float *row = col + (oy * o->ow + ox) * o->K;
      int ix0 = ox * o->sw - o->pl, inside = ix0 >= 0 && ix0 + (o->kw - 1) * o->dw < o->w;
      for (int ky = 0; ky < o->kh; ky++) {
        int iy = oy * o->sh - o->pt + ky * o->dh;
        if (iy >= 0 && iy < o->h && inside && o->dw == 1) {
          // The kernel row's cells are adjacent in the image as in the col row: one copy.
          copy_floats(row, x + (iy * o->w + ix0) * c, o->kw * c);
          row += o->kw * c;
          continue;
        }
        for (int kx = 0; kx < o->kw; kx++, row += c) {
          int ix = ix0 + kx * o->dw;
          copy_floats(row, iy < 0 || iy >= o->h || ix < 0 || ix >= o->w ? 0 : x + (iy * o->w + ix) * c, c);
        }
      }
    }
  }
}

/** The inverse scatter: sums one image's dcol rows [pixels][K8] into dx (zeroed first). */
static void col2im(const Op *o, const float *dc, float *dx) {
  int c = o->c;
  __builtin_memset(dx, 0, (unsigned long)size_in(o) * 4);
  for (int oy = 0; oy < o->oh; oy++) {
    for (int ox = 0; ox < o->ow; ox++) {
      const float *row = dc + (oy * o->ow + ox) * o->K8;
      for (int ky = 0; ky < o->kh; ky++) {
        int iy = oy * o->sh - o->pt + ky * o->dh;
        for (int kx = 0; kx < o->kw; kx++, row += c) {
          int ix = ox * o->sw - o->pl + kx * o->dw;
          if (iy < 0 || iy >= o->h || ix < 0 || ix >= o->w) continue;
          float *p = dx + (iy * o->w + ix) * c;
          for (int ci = 0; ci < c; ci++) p[ci] += row[ci];
        }
      }
    }
  }
}

/**
 * Rows [r0, r0 + *rows) of layer l as a layer for activate and activation_backward. An
 * elementwise activation sees them as one long row (*rows becomes 1): a conv has many short rows,
 * and dense.c's per-row work would cost more than the activation.
 */
static Layer rows_view(const Layer *l, int r0, int *rows) {
  Layer v = *l;
  v.a += r0 * l->ld; v.d += r0 * l->ld;
  if (v.z) v.z += r0 * l->ld;
  if (elementwise_activation(l->act)) { v.out = v.ld = *rows * l->ld; *rows = 1; }
  return v;
}

/** Image b's output rows from the activation's (or the normalization's) [pixels][ld] to the op's [pixels * oc]. */
static void compact(Op *o, int b) {
  const Layer *l = &o->l;
  const float *src = l->bn == BN_AFTER ? l->norm : l->a;
  if (o->out == src) return;
  for (int r = b * o->oh * o->ow; r < (b + 1) * o->oh * o->ow; r++) copy_floats(o->out + r * o->oc, src + r * l->ld, o->oc);
}

/**
 * Images [b0, b1) of a conv's forward pass on thread t, o->group at a time: im2col, GEMM + bias,
 * the activation (unless a BatchNormalization comes first) and compaction (unless one comes at
 * all: conv_finish).
 */
static void conv_forward(Op *o, int b0, int b1, int t) {
  Layer *l = &o->l;
  int pixels = o->oh * o->ow, ld = l->ld;
  for (int g0 = b0; g0 < b1; g0 += o->group) {
    int g1 = g0 + o->group < b1 ? g0 + o->group : b1;
    float *col = o->col + g0 * pixels * o->K;
    for (int b = g0; b < g1; b++) im2col(o, op_input(o - ops) + b * size_in(o), col + (b - g0) * pixels * o->K);
    gemm_forward((g1 - g0) * pixels, o->K, col, o->K, l->w, ld, l->bias ? l->b : 0, l->a + g0 * pixels * ld, 0, ld, nz[t]);
    int rows = (g1 - g0) * pixels;
    Layer v = rows_view(l, g0 * pixels, &rows);
    if (l->bn != BN_BEFORE) activate(&v, rows);
    for (int b = g0; b < g1; b++) {
      if (!l->bn) compact(o, b);
      if (fjob.fuse) pool_image(o + 1, b);
    }
  }
}

/** After the batch's normalization: images [b0, b1)'s activation (when it comes after) and compaction. */
static void conv_finish(Op *o, int b0, int b1) {
  int pixels = o->oh * o->ow;
  for (int b = b0; b < b1; b++) {
    int rows = pixels;
    Layer v = rows_view(&o->l, b * pixels, &rows);
    if (o->l.bn == BN_BEFORE) activate(&v, rows);
    compact(o, b);
  }
}

/** dX of images [b0, b1), o->group at a time: dZ * W^T (dense.c's GEMM on the transposed kernel), then col2im per image. */
static void conv_dx(Op *o, int b0, int b1, int t) {
  Layer *l = &o->l;
  int pixels = o->oh * o->ow;
  for (int g0 = b0; g0 < b1; g0 += o->group) {
    int g1 = g0 + o->group < b1 ? g0 + o->group : b1;
    gemm_forward((g1 - g0) * pixels, l->ld, l->d + g0 * pixels * l->ld, l->ld, o->wt, o->K8, 0, dcol[t], 0, o->K8, nz[t]);
    for (int b = g0; b < g1; b++) col2im(o, dcol[t] + (b - g0) * pixels * o->K8, ops[o - ops - 1].dout + b * size_in(o));
  }
}

static void act_back(Layer *l, int r0, int rows);

/** dZ of images [b0, b1): the output's gradient through the activation (spread over padded rows first when the output was compacted). */
static void conv_dz(Op *o, int b0, int b1) {
  Layer *l = &o->l;
  int pixels = o->oh * o->ow, ld = l->ld;
  if (o->dout != l->d) {
    for (int r = b0 * pixels; r < b1 * pixels; r++) {
      copy_floats(l->d + r * ld, o->dout + r * o->oc, o->oc);
      copy_floats(l->d + r * ld + o->oc, 0, ld - o->oc);
    }
  }
  // With a BatchNormalization after the activation, its gradient comes first (conv_backward).
  if (l->bn != BN_AFTER) act_back(l, b0 * pixels, (b1 - b0) * pixels);
}

/** The activity regularizer's gradient, then the activation's, of `rows` rows from row r0. */
static void act_back(Layer *l, int r0, int rows) {
  if (l->al1 || l->al2) activity_backward_rows(l, r0, r0 + rows);
  Layer v = rows_view(l, r0, &rows);
  activation_backward(&v, rows);
}


/** Columns [j0, j1) of the bias gradient g[ld]: dZ's column sums over `rows` rows, in row order (bias_update's). */
static void bias_grad(const float *dz, int rows, int ld, float *g, int j0, int j1) {
  copy_floats(g + j0, 0, j1 - j0);
  for (int r = 0; r < rows; r++, dz += ld) {
    for (int j = j0; j < j1; j += 4) wasm_v128_store(g + j, wasm_f32x4_add(wasm_v128_load(g + j), wasm_v128_load(dz + j)));
  }
}

/** One kernel row's products in a tile: c += col[row][p + i] * the row's 4 gradients. */
#define GRAD_STEP(i) c##i = MADD(wasm_v128_load32_splat(xp + (i)), d, c##i)
/** Adds a tile's sums to 4 gradients of kernel row p + i. */
#define GRAD_ADD(i) do { float *gp_ = g + (p + (i)) * ld + j; wasm_v128_store(gp_, wasm_f32x4_add(wasm_v128_load(gp_), c##i)); } while (0)

/**
 * Kernel rows [p0, p1) of dW = col^T * dZ over `rows` pixels, into o->g, 4 output channels at a
 * time. Only the pixels whose dZ is nonzero in those 4 channels count, listed per block of
 * GRAD_ROWS pixels (with their 4 gradients gathered in dg): after max pooling (1 pixel in 4 gets
 * a gradient) and relu, that is about a tenth of the Keras convnet's pixels. The tiles hold 8 kernel
 * rows (8 accumulators); the sums are the full loop's bit for bit (its skipped terms add zeros).
 */
static void conv_grad(const Op *o, int rows, int p0, int p1, int *list, float *dg) {
  const int K = o->K, ld = o->l.ld;
  const float *dz = o->l.d;
  float *g = o->g;
  v128_t zero = wasm_f32x4_splat(0);
  __builtin_memset(g + p0 * ld, 0, (unsigned long)(p1 - p0) * ld * 4);
  for (int r0 = 0; r0 < rows; r0 += GRAD_ROWS) {
    int r1 = r0 + GRAD_ROWS < rows ? r0 + GRAD_ROWS : rows;
    for (int j = 0; j < ld; j += 4) {
      int count = 0;
      // Branch-free: which pixels got a gradient is not predictable.
      for (int r = r0; r < r1; r++) {
        v128_t d = wasm_v128_load(dz + r * ld + j);
        wasm_v128_store(dg + 4 * count, d);
        list[count] = r * K;
        count += wasm_v128_any_true(wasm_f32x4_ne(d, zero));
      }
      if (!count) continue;
      int p = p0;
      for (; p + 8 <= p1; p += 8) {
        v128_t c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
#pragma clang loop unroll(disable)
        for (int q = 0; q < count; q++) {
          const float *xp = o->col + list[q] + p;
          v128_t d = wasm_v128_load(dg + 4 * q);
          GRAD_STEP(0); GRAD_STEP(1); GRAD_STEP(2); GRAD_STEP(3); GRAD_STEP(4); GRAD_STEP(5); GRAD_STEP(6); GRAD_STEP(7);
        }
        GRAD_ADD(0); GRAD_ADD(1); GRAD_ADD(2); GRAD_ADD(3); GRAD_ADD(4); GRAD_ADD(5); GRAD_ADD(6); GRAD_ADD(7);
      }
      for (; p < p1; p++) {  // the last 1 to 7 kernel rows
        v128_t c0 = zero;
        for (int q = 0; q < count; q++) {
          const float *xp = o->col + list[q] + p;
          v128_t d = wasm_v128_load(dg + 4 * q);
          GRAD_STEP(0);
        }
        GRAD_ADD(0);
      }
    }
  }
}

/** Thread t's kernel rows: their gradient, then the optimizer's update of them. */
static void conv_grad_update(Op *o, int m, int t, int nt) {
  Layer *l = &o->l;
  int p0, p1, ld = l->ld;
  range(o->K, 4, t, nt, &p0, &p1);
  if (p0 >= p1) return;
  // One output pixel per image (a Dense layer): as many rows as images, so no blocking is
  // needed, and the Dense layers' pass skips blank inputs and writes no gradient buffer (an MLP
  // whose first layer trains here: 0.48x of the all-stack MLP's speed before, 0.85x with it).
  if (o->oh * o->ow == 1) { grad_update(l, m, p0, p1, o->col, o->K, t, fjob.measuring ? &gsq[t] : 0); return; }
  conv_grad(o, m * o->oh * o->ow, p0, p1, glist[t], (float *)(glist[t] + GRAD_ROWS));
  int off = p0 * ld;
  update_rows(l->w + off, o->g + off, (p1 - p0) * ld, ld, l->s1 ? l->s1 + off : 0, l->s2 ? l->s2 + off : 0, l->s3 ? l->s3 + off : 0,
              l->kl1, l->kl2, l->kl1 || l->kl2 ? l->cols : 0, fjob.measuring ? &gsq[t] : 0);
}

// ---- a BatchNormalization or activation op ----

/** Copies m rows of `c` floats between a packed [m][c] block and one padded to `ld` (pack: into the padded one). */
static void repack(float *packed, float *padded, int m, int c, int ld, int pack) {
  for (int r = 0; r < m; r++) {
    if (pack) copy_floats(padded + r * ld, packed + r * c, c);
    else copy_floats(packed + r * c, padded + r * ld, c);
  }
}

/**
 * Op o's m examples into its padded rows of c features (pack) or back: one row per pixel, or
 * for a BatchNormalization on another axis, [outer][c][inner] blocks as [outer][inner] rows.
 */
static void channel_rows(const Op *o, float *packed, float *padded, int m, int pack) {
  if (o->inner <= 1) { repack(packed, padded, m * o->w, o->c, o->l.ld, pack); return; }
  int inner = o->inner, c = o->c, ld = o->l.ld, outer = m * o->w / inner;
  for (int q = 0; q < outer; q++) {
    float *block = packed + q * c * inner, *rows = padded + q * inner * ld;
    for (int f = 0; f < c; f++) {
      for (int i = 0; i < inner; i++) {
        if (pack) rows[i * ld + f] = block[f * inner + i];
        else block[f * inner + i] = rows[i * ld + f];
      }
    }
  }
}

/** The normalization or activation of m examples' pixels: the input padded into l.a, transformed in place, packed into out. */
static void channel_op_forward(Op *o, int m) {
  Layer *l = &o->l;
  int rows = m * o->w;
  channel_rows(o, (float *)op_input((int)(o - ops)), l->a, m, 1);
  if (o->kind == OP_NORM) bn_forward(l, l->a, l->a, rows);
  else activate(l, rows);
  channel_rows(o, o->out, l->a, m, 0);
}

/**
 * Its gradient: through the batch statistics (gamma and beta take their step) or the
 * activation, to the op before when it needs one.
 */
static void channel_op_backward(Op *o, int m) {
  Layer *l = &o->l;
  int rows = m * o->w;
  channel_rows(o, o->dout, l->d, m, 1);
  if (o->kind == OP_NORM) bn_backward(l, rows);
  else activation_backward(l, rows);
  if (o->grad_in) channel_rows(o, o[-1].dout, l->d, m, 0);
}

// ---- pooling and dropout ----

/**
 * One window cell of max pooling: out = max(out, p) per channel, am = base + channel where p is
 * strictly greater. Scanning rows then columns, the first maximum wins a tie, as in tfjs.
 */
static void max_cell(float *out, int *am, const float *p, int base, int c) {
  int ci = 0;
  v128_t idx = wasm_i32x4_make(base, base + 1, base + 2, base + 3), four = wasm_i32x4_splat(4);
  for (; ci + 4 <= c; ci += 4, idx = wasm_i32x4_add(idx, four)) {
    v128_t v = wasm_v128_load(p + ci), best = wasm_v128_load(out + ci), gt = wasm_f32x4_gt(v, best);
    wasm_v128_store(out + ci, wasm_v128_bitselect(v, best, gt));
    wasm_v128_store(am + ci, wasm_v128_bitselect(idx, wasm_v128_load(am + ci), gt));
  }
  for (; ci < c; ci++) if (p[ci] > out[ci]) { out[ci] = p[ci]; am[ci] = base + ci; }
}

/** Max or average pooling of one image; max pooling keeps each maximum's input index for the backward pass. */
static void pool_forward(const Op *o, const float *x, float *y, int *arg) {
  int c = o->c;
  for (int oy = 0; oy < o->oh; oy++) {
    for (int ox = 0; ox < o->ow; ox++) {
      float *out = y + (oy * o->ow + ox) * c;
      int *am = arg ? arg + (oy * o->ow + ox) * c : 0;
      int count = 0;
      for (int ci = 0; ci < c; ci++) out[ci] = o->kind == OP_MAXPOOL ? -__builtin_inff() : 0;
      for (int ky = 0; ky < o->kh; ky++) {
        int iy = oy * o->sh - o->pt + ky;
        for (int kx = 0; kx < o->kw; kx++) {
          int ix = ox * o->sw - o->pl + kx;
          if (iy < 0 || iy >= o->h || ix < 0 || ix >= o->w) continue;  // padding is never part of a window
          const float *p = x + (iy * o->w + ix) * c;
          if (!count++ && am) for (int ci = 0; ci < c; ci++) am[ci] = (iy * o->w + ix) * c + ci;
          if (am) {
            max_cell(out, am, p, (iy * o->w + ix) * c, c);
          } else {
            for (int ci = 0; ci < c; ci++) out[ci] += p[ci];
          }
        }
      }
      // TF's average pooling with same padding averages over the window's cells inside the image.
      if (!am) for (int ci = 0; ci < c; ci++) out[ci] /= (float)count;
    }
  }
}

/** The gradient of pool_forward for one image: each output's gradient to its maximum, or spread over its window. */
static void pool_backward(const Op *o, const float *dy, float *dx, const int *arg) {
  int c = o->c;
  __builtin_memset(dx, 0, (unsigned long)size_in(o) * 4);
  int n = size_out(o);
  if (arg) {
    for (int e = 0; e < n; e++) dx[arg[e]] += dy[e];
    return;
  }
  for (int oy = 0; oy < o->oh; oy++) {
    for (int ox = 0; ox < o->ow; ox++) {
      const float *g = dy + (oy * o->ow + ox) * c;
      int y0 = oy * o->sh - o->pt, x0 = ox * o->sw - o->pl;
      int ya = y0 < 0 ? 0 : y0, yb = y0 + o->kh > o->h ? o->h : y0 + o->kh;
      int xa = x0 < 0 ? 0 : x0, xe = x0 + o->kw > o->w ? o->w : x0 + o->kw;
      float inv = 1.0f / (float)((yb - ya) * (xe - xa));
      for (int iy = ya; iy < yb; iy++) {
        for (int ix = xa; ix < xe; ix++) {
          float *p = dx + (iy * o->w + ix) * c;
          for (int ci = 0; ci < c; ci++) p[ci] += g[ci] * inv;
        }
      }
    }
  }
}

/** Global average pooling of m images: the mean of each channel over the pixels (summed in double). */
static void gap_forward(const Op *o, const float *x, int m) {
  int pixels = o->h * o->w, c = o->c;
  for (int b = 0; b < m; b++) {
    for (int ci = 0; ci < c; ci++) {
      double s = 0;
      for (int p = 0; p < pixels; p++) s += x[(b * pixels + p) * c + ci];
      o->out[b * c + ci] = (float)(s / pixels);
    }
  }
}

static void gap_backward(const Op *o, float *dx, int m) {
  int pixels = o->h * o->w, c = o->c;
  float inv = 1.0f / (float)pixels;
  for (int b = 0; b < m; b++) {
    for (int p = 0; p < pixels; p++) {
      for (int ci = 0; ci < c; ci++) dx[(b * pixels + p) * c + ci] = o->dout[b * c + ci] * inv;
    }
  }
}

/**
 * Inverted dropout with dense.c's masks: value e of the batch is kept when the hash of (seed,
 * step, e) clears the rate. AlphaDropout: a dropped value becomes alpha', then every value a x + b.
 */
static void front_dropout(Op *o, const float *x, int b0, int b1, uint32_t step) {
  uint32_t base = mix32(o->seed ^ mix32(step * 0x9e3779b9u + 0x7f4a7c15u));
  float rate = o->rate, scale = 1.0f / (1.0f - rate), a, shift, alpha_p;
  alpha_dropout_affine(rate, &a, &shift, &alpha_p);
  for (int e = b0 * o->c; e < b1 * o->c; e++) {
    float u = (float)(mix32(base + (uint32_t)e * 0x9e3779b9u) >> 8) * (1.0f / 16777216.0f);
    int keep = u >= rate;
    if (o->alpha) {
      o->mask[e] = keep ? a : 0;
      o->out[e] = keep ? x[e] * a + shift : alpha_p * a + shift;
    } else {
      o->mask[e] = keep ? scale : 0;
      o->out[e] = x[e] * o->mask[e];
    }
  }
}

// ---- the passes ----

/** Images split between the threads, for the per-image work of one op (`fuse`: with the next op's, or the one before's). */
static void run_images(int kind, int i, int m, int fuse) {
  fjob.kind = kind; fjob.op = i; fjob.m = m; fjob.fuse = fuse;
  run_front_job(m);
}

/** Pooling op o's forward pass of image b. */
static void pool_image(const Op *o, int b) {
  pool_forward(o, op_input((int)(o - ops)) + b * size_in(o), o->out + b * size_out(o), o->arg ? o->arg + b * size_out(o) : 0);
}

/** Pooling op o's backward pass of image b, into the op before's output gradient. */
static void unpool_image(const Op *o, int b) {
  pool_backward(o, o->dout + b * size_out(o), o[-1].dout + b * size_in(o), o->arg ? o->arg + b * size_out(o) : 0);
}

/** Whether conv op o has a backward pass: a gradient to pass back, or weights to train. */
static int conv_trains(const Op *o) { return o->grad_in || !o->l.frozen || (o->l.bn && !o->l.bn_frozen); }

/** Whether op i is a conv without a BatchNormalization (whose per-image work can run with a pooling's) next to pooling op j. */
static int fusable(int i, int j) {
  return i >= 0 && j < nops && ops[i].kind == OP_CONV && !ops[i].l.bn && (ops[j].kind == OP_MAXPOOL || ops[j].kind == OP_AVGPOOL);
}

void front_job(int t, int threads) {
  Op *o = &ops[fjob.op];
  int lo, hi;
  if (fjob.kind == FJ_DW) { conv_grad_update(o, fjob.m, t, threads); return; }
  if (fjob.kind == FJ_BIAS) {
    range(o->l.ld, 4, t, threads, &lo, &hi);
    if (lo < hi) bias_grad(o->l.d, fjob.m * o->oh * o->ow, o->l.ld, o->gb, lo, hi);
    return;
  }
  range(fjob.m, 1, t, threads, &lo, &hi);
  if (lo >= hi) return;
  switch (fjob.kind) {
    case FJ_FORWARD: conv_forward(o, lo, hi, t); break;
    case FJ_DZ: conv_dz(o, lo, hi); break;
    case FJ_DX: conv_dx(o, lo, hi, t); break;
    case FJ_FINISH: conv_finish(o, lo, hi); break;
    case FJ_ACT_BACK: act_back(&o->l, lo * o->oh * o->ow, (hi - lo) * o->oh * o->ow); break;
    case FJ_POOL: for (int b = lo; b < hi; b++) pool_image(o, b); break;
    case FJ_DROPOUT: front_dropout(o, op_input(fjob.op), lo, hi, fjob.step); break;
    case FJ_UNDROP: for (int e = lo * o->c; e < hi * o->c; e++) o[-1].dout[e] = o->dout[e] * o->mask[e]; break;
    default:
      for (int b = lo; b < hi; b++) {
        unpool_image(o, b);
        if (fjob.fuse) conv_dz(o - 1, b, b + 1);
      }
      break;
  }
}

const float *front_forward(int m, uint32_t step, int training, double *activity) {
  for (int i = 0; i < nops; i++) {
    Op *o = &ops[i];
    switch (o->kind) {
      case OP_CONV:
        run_images(FJ_FORWARD, i, m, fusable(i, i + 1));
        if (fusable(i, i + 1)) i++;  // pooled in the same job
        if (o->l.bn) {
          bn_forward(&o->l, o->l.a, o->l.bn == BN_BEFORE ? o->l.a : o->l.norm, m * o->oh * o->ow);
          run_images(FJ_FINISH, i, m, 0);
        }
        // On the activation's output (never BN_BEFORE: the plan refuses it), before any BatchNormalization after it.
        if (o->l.al1 || o->l.al2) *activity += activity_penalty_rows(&o->l, 0, m * o->oh * o->ow);
        break;
      case OP_MAXPOOL: case OP_AVGPOOL: run_images(FJ_POOL, i, m, 0); break;
      case OP_GAP: gap_forward(o, op_input(i), m); break;
      case OP_NORM: case OP_ACT: channel_op_forward(o, m); break;
      default:
        fjob.step = step;
        if (training) run_images(FJ_DROPOUT, i, m, 0);
        else copy_floats(o->out, op_input(i), m * o->c);
        break;
    }
  }
  return ops[nops - 1].out;
}

/**
 * A conv's backward pass: dZ from the output's gradient (unless the pooling after it did it,
 * `dz_done`), dX for the op before (with W before the update), dW and the update.
 */
static void conv_backward(Op *o, int m, int measuring, int dz_done) {
  Layer *l = &o->l;
  int rows = m * o->oh * o->ow, ld = l->ld;
  if (!dz_done) run_images(FJ_DZ, (int)(o - ops), m, 0);
  if (l->bn == BN_AFTER) {
    bn_backward(l, rows);
    run_images(FJ_ACT_BACK, (int)(o - ops), m, 0);
  } else if (l->bn == BN_BEFORE) {
    bn_backward(l, rows);
  }
  if (o->grad_in) {
    for (int j = 0; j < ld; j++) for (int p = 0; p < o->K; p++) o->wt[j * o->K8 + p] = l->w[p * ld + j];
    run_images(FJ_DX, (int)(o - ops), m, 0);
  }
  if (l->frozen) return;
  fjob.kind = FJ_DW; fjob.op = (int)(o - ops); fjob.m = m; fjob.measuring = measuring;
  for (int t = 0; t < MAX_THREADS; t++) gsq[t] = (Measure){ 0, 0, 0 };
  run_front_job(o->K / 4 + 1);
  if (measuring) {
    l->grad_sq = l->delta_sq = l->weight_sq = 0;
    for (int t = 0; t < MAX_THREADS; t++) { l->grad_sq += gsq[t].g; l->delta_sq += gsq[t].d; l->weight_sq += gsq[t].w; }
  }
  if (!l->bias) return;
  fjob.kind = FJ_BIAS;
  run_front_job(ld / 4);
  update_rows(l->b, o->gb, ld, ld, l->t1, l->t2, l->t3, l->bl1, l->bl2, l->bl1 || l->bl2 ? l->cols : 0, 0);
}

void front_backward(int m, int measuring) {
  int dz_done = 0;  // the pooling after the conv at i took it back through its activation
  for (int i = nops - 1; i >= 0; i--) {
    Op *o = &ops[i];
    if (o->kind == OP_CONV) {
      if (conv_trains(o)) conv_backward(o, m, measuring, dz_done);
      dz_done = 0;
      continue;
    }
    if (o->kind == OP_NORM || o->kind == OP_ACT) {
      if (o->grad_in || (o->l.bn && !o->l.bn_frozen)) channel_op_backward(o, m);
      continue;
    }
    if (!o->grad_in) continue;
    switch (o->kind) {
      case OP_MAXPOOL: case OP_AVGPOOL:
        dz_done = fusable(i - 1, i) && conv_trains(&ops[i - 1]);
        run_images(FJ_UNPOOL, i, m, dz_done);
        break;
      case OP_GAP: gap_backward(o, ops[i - 1].dout, m); break;
      default: run_images(FJ_UNDROP, i, m, 0); break;
    }
  }
}
