// What the two halves of the training kernel share: dense.c (the Dense stack, the loss, the
// optimizers, the worker threads) and front.c (the convolutional front before the Dense stack).
// Both compile into one module (scripts/buildKernel.js), so these are plain C calls.
#ifndef KERNEL_H
#define KERNEL_H
#include <wasm_simd128.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))
/** Threads that may compute one step: the caller's and up to 7 workers. */
// a * b + c, 4 lanes: one fused multiply-add where the build has relaxed SIMD (RELAXED_SIMD,
// kernel-relaxed.wasm), else a multiply and an add. The fused form rounds once, so sums may
// differ from the plain build's in the last bit.
#ifdef RELAXED_SIMD
#define MADD(a, b, c) wasm_f32x4_relaxed_madd((a), (b), (c))
#else
#define MADD(a, b, c) wasm_f32x4_add((c), wasm_f32x4_mul((a), (b)))
#endif

#define MAX_THREADS 8
/** Rows of A that gemm_forward takes together: each tile of W is read once per panel of them (+4% to +8% measured). */
#define PANEL_ROWS 32
/** Below this percentage of nonzero inputs in a panel, gemm_forward takes its rows in pairs over their nonzeros (MNIST's pixels: 19%). */
#define SPARSE_PERCENT 40

typedef struct {
  int in, out, ld, act, bias;
  int frozen;      // trainable: false: no update and no optimizer slots; gradients still flow
  float alpha;
  float kl1, kl2, bl1, bl2;  // kernel and bias regularizer factors (l1 |w| + l2 w^2)
  float *cols;     // 1 per real column, 0 per padding column [ld]; only when regularized
  float al1, al2;  // activity regularizer factors on this layer's output a (l1 |a| + l2 a^2)
  float rate;      // a Dropout layer after this one: its rate and seed, this step's mask
  uint32_t seed;   // (0 or 1 / (1 - rate)) and the dropped output the next layer reads
  float *mask, *drop;
  int alpha_drop;  // the Dropout is an AlphaDropout: dropped values become alpha', all then a x + b
  float *w, *b;    // weights [in][ld], bias [ld]
  float *s1, *s2;  // optimizer slots shaped like w (momentum / Adam m / RMSprop mean square)
  float *t1, *t2;  // ... and like b
  float *s3, *t3;  // RMSprop's momentum accumulators
  float *a;        // this layer's output for the batch [batch][ld]
  float *z;        // its pre-activation, for activations whose gradient needs it (else 0)
  float *d;        // gradient w.r.t. this layer's pre-activation [batch][ld]
  // The last measured step's squared L2 norms: of the kernel's loss gradient, of its update, and
  // of the kernel before the update (training health's gradient norm and update ratio).
  double grad_sq, delta_sq, weight_sq;
  // A BatchNormalization layer after this one (axis -1; Dense layers only): BN_BEFORE normalizes
  // the pre-activation in place (Dense -> BatchNormalization -> Activation), BN_AFTER the
  // activation's output into `norm`, which the next layer reads (Dense(act) -> BatchNormalization),
  // BN_LAST the dropped output into `norm` (Dense(act) -> Dropout -> BatchNormalization).
  int bn;
  int bn_frozen;             // its trainable: false: gamma and beta stay, batch statistics still used
  float bn_eps, bn_momentum;
  float *gamma, *beta;       // [ld], 0 with scale / center off
  float *mmean, *mvar;       // moving statistics [ld]
  float *g1, *g2, *g3;       // optimizer slots of gamma
  float *e1, *e2, *e3;       // ... and of beta
  float *xhat;               // the batch normalized by its own statistics [batch][ld]
  float *rstd;               // 1 / sqrt(variance + epsilon) of the last batch [ld]
  float *norm;               // BN_AFTER, BN_LAST: the normalized output [batch][ld]
} Layer;

/** Where a Layer's BatchNormalization sits: none, before its activation, after it, after its dropout. */
enum { BN_NONE, BN_BEFORE, BN_AFTER, BN_LAST };

/** A measured step's sums of squares: the loss gradient, the update, the weights before it. */
typedef struct { double g, d, w; } Measure;

// ---- dense.c, for the front ----
void *k_alloc(int bytes);
float *zalloc(int floats);
/** murmur3's 32-bit finalizer: a well-mixed hash of a counter. Inline: the dropout loops draw one per value, and as a call it kept them from vectorizing. */
static inline uint32_t mix32(uint32_t h) {
  h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13; h *= 0xc2b2ae35u; h ^= h >> 16;
  return h;
}
void gemm_forward(int m, int k, const float *a, int lda, const float *w, int ld, const float *bias, float *c, int j0, int j1, int *nz);
/** Activation of rows [0, m) of l->a (l->z keeps the pre-activation where needed), and its gradient into l->d. */
void activate(Layer *l, int m);
void activation_backward(Layer *l, int m);
/** Whether activation `act`'s gradient reads the pre-activation, which Layer.z then keeps. */
int keeps_preactivation(int act);
/** Whether activation `act` works on each value alone (all but softmax). */
int elementwise_activation(int act);
/** AlphaDropout's constants at `rate` (Keras's formula): dropped values become alpha_p, then all a x + shift. */
void alpha_dropout_affine(float rate, float *a, float *shift, float *alpha_p);
/**
 * Kernel rows [p0, p1) of l's dW = X^T dZ over m rows (at most the batch) of x, applied at once
 * (the Dense layers' fused pass, which skips blank input rows), on thread t.
 */
void grad_update(Layer *l, int m, int p0, int p1, const float *x, int ldx, int t, Measure *ms);
void update_rows(float *w, const float *g, int n, int ld, float *s1, float *s2, float *s3, float l1, float l2, const float *cols, Measure *ms);
/** l's optimizer slots for the optimizer set by k_set_optimizer (none when frozen); 0 without memory. */
int alloc_slots(Layer *l);
double penalty(const Layer *l);
/** The activity regularizer's penalty on rows [r0, r1) of l->a, and its gradient into those rows of l->d. */
double activity_penalty_rows(const Layer *l, int r0, int r1);
void activity_backward_rows(Layer *l, int r0, int r1);
/** BatchNormalization of l's output over `rows` rows (see dense.c), its set-up and parameters. */
int norm_init(Layer *l, int rows, int position, float momentum, float eps, int center, int scale, int frozen);
void bn_forward(Layer *l, const float *x, float *y, int rows);
void bn_backward(Layer *l, int rows);
float *norm_param(Layer *l, int which);
/** Runs front_job on up to `threads` threads (fewer when fewer workers run); returns when all are done. */
void run_front_job(int threads);

// ---- front.c, for dense.c ----
/** Floats per example of the front's input (the resident data's width), or 0 without a front. */
int front_input_dim(void);
/** The front's input batch [batch][front_input_dim()], where the step gathers the examples. */
float *front_input(void);
/**
 * The front's forward pass on m examples; returns its output [m][first Dense layer's inputs] and
 * adds its convolutions' activity penalty to *activity. Dropout draws its masks from `step` in
 * training, and passes values through otherwise.
 */
const float *front_forward(int m, uint32_t step, int training, double *activity);
/**
 * The front's output as a linear layer for the loss of a model without Dense layers: its output
 * and gradient buffers, [batch][size] (ld = size, no padding).
 */
void front_output_view(Layer *v);
/** Where the first Dense layer puts the gradient w.r.t. its input, or 0 when the front has nothing to train. */
float *front_grad(void);
/** The front's backward pass and optimizer update, after the Dense stack's. */
void front_backward(int m, int measuring);
/** Thread t's share of the front's current job. */
void front_job(int t, int threads);
/** The front's regularization penalty, as tfjs adds it to the loss. */
double front_penalty(void);
/** Per-thread scratch for `threads` threads; 0 without memory. */
int front_set_threads(int threads);
#endif
