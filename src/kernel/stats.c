// Training health's statistics of a block of the kernel's outputs, computed where they are: a
// convolution's outputs are millions of values per sampled step, 10x too many for a JavaScript
// loop within the health budget. The same arithmetic as core/health/stats.ts's outputStats
// (thresholds and histogram bins in double), which the tfjs path uses; the sums are in double
// too, in another order. A test keeps the two equal.
#include "kernel.h"

#define MAX_BINS 64

/** Thresholds and bins, as f64x2 splats. */
typedef struct { v128_t low, high, hmin, scale, top; int inclusive; } Bounds;

/** Whether the 2 doubles in v are saturated: outside [low, high], or on it when inclusive. */
static inline v128_t flat2(v128_t v, const Bounds *b) {
  return b->inclusive ? wasm_v128_or(wasm_f64x2_le(v, b->low), wasm_f64x2_ge(v, b->high))
                      : wasm_v128_or(wasm_f64x2_lt(v, b->low), wasm_f64x2_gt(v, b->high));
}

/** The histogram bins of 2 doubles: floor((v - hmin) * scale) within [0, bins - 1], as 2 i32 lanes. */
static inline v128_t bins2(v128_t v, const Bounds *b) {
  v128_t f = wasm_f64x2_floor(wasm_f64x2_mul(wasm_f64x2_sub(v, b->hmin), b->scale));
  f = wasm_f64x2_pmin(b->top, wasm_f64x2_pmax(wasm_f64x2_splat(0), f));
  return wasm_i32x4_trunc_sat_f64x2_zero(f);
}

/** Row r's values c..c+3, the lanes past `cols` zero, and which lanes are finite (and inside the row). */
static inline v128_t load4(const float *row, int c, int cols, v128_t *fin) {
  v128_t x;
  if (c + 4 <= cols) {
    x = wasm_v128_load(row + c);
    *fin = wasm_f32x4_eq(wasm_f32x4_sub(x, x), wasm_f32x4_splat(0));
    return x;
  }
  float t[4] = { 0, 0, 0, 0 };
  for (int j = c; j < cols; j++) t[j - c] = row[j];
  x = wasm_v128_load(t);
  *fin = wasm_v128_and(wasm_f32x4_eq(wasm_f32x4_sub(x, x), wasm_f32x4_splat(0)), wasm_i32x4_gt(wasm_i32x4_splat(cols - c), wasm_i32x4_make(0, 1, 2, 3)));
  return x;
}

/**
 * Over the finite values of a [rows][cols] block (`stride` floats per row): out[0] their count,
 * out[1] their sum, out[2] their sum of squares, out[3] how many lie outside [low, high] (or on
 * it, when `inclusive`), out[4] the count of non-finite values; then `bins` (at most 64)
 * histogram counts over [hmin, hmax) from out[5] (values outside go to the end bins). alive
 * (when not 0, room for cols rounded up to 4 ints) gets 1 for each column with a value above 0.
 * 4 values at a time; the histogram has one copy per lane so that runs of equal values (relu's
 * zeros) do not wait on each other's increments.
 */
EXPORT void k_output_stats(const float *x, int rows, int cols, int stride, double low, double high, int inclusive,
                           double hmin, double hmax, int bins, double *out, int32_t *alive) {
  if (bins > MAX_BINS) bins = MAX_BINS;
  Bounds b = { wasm_f64x2_splat(low), wasm_f64x2_splat(high), wasm_f64x2_splat(hmin), wasm_f64x2_splat(bins / (hmax - hmin)), wasm_f64x2_splat(bins - 1), inclusive };
  int32_t counts[4][MAX_BINS + 1];  // bin MAX_BINS: lanes not counted
  __builtin_memset(counts, 0, sizeof counts);
  if (alive) __builtin_memset(alive, 0, (unsigned long)((cols + 3) & ~3) * 4);
  v128_t sum = wasm_f64x2_splat(0), sq = sum, finite = sum, flat = sum, zero = wasm_f32x4_splat(0), skip = wasm_i32x4_splat(MAX_BINS);
  for (int r = 0; r < rows; r++) {
    const float *row = x + (long)r * stride;
    for (int c = 0; c < cols; c += 4) {
      v128_t fin, v = load4(row, c, cols, &fin);
      if (alive) wasm_v128_store(alive + c, wasm_v128_or(wasm_v128_load(alive + c), wasm_f32x4_gt(v, zero)));
      v = wasm_v128_and(v, fin);
      v128_t lo = wasm_f64x2_promote_low_f32x4(v), hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
      sum = wasm_f64x2_add(sum, wasm_f64x2_add(lo, hi));
      sq = wasm_f64x2_add(sq, wasm_f64x2_add(wasm_f64x2_mul(lo, lo), wasm_f64x2_mul(hi, hi)));
      finite = wasm_i32x4_sub(finite, fin);
      flat = wasm_i64x2_sub(flat, wasm_v128_and(flat2(lo, &b), wasm_i64x2_extend_low_i32x4(fin)));
      flat = wasm_i64x2_sub(flat, wasm_v128_and(flat2(hi, &b), wasm_i64x2_extend_high_i32x4(fin)));
      v128_t bin = wasm_v128_bitselect(wasm_i32x4_shuffle(bins2(lo, &b), bins2(hi, &b), 0, 1, 4, 5), skip, fin);
      counts[0][wasm_i32x4_extract_lane(bin, 0)]++;
      counts[1][wasm_i32x4_extract_lane(bin, 1)]++;
      counts[2][wasm_i32x4_extract_lane(bin, 2)]++;
      counts[3][wasm_i32x4_extract_lane(bin, 3)]++;
    }
  }
  int n = wasm_i32x4_extract_lane(finite, 0) + wasm_i32x4_extract_lane(finite, 1) + wasm_i32x4_extract_lane(finite, 2) + wasm_i32x4_extract_lane(finite, 3);
  out[0] = n;
  out[1] = wasm_f64x2_extract_lane(sum, 0) + wasm_f64x2_extract_lane(sum, 1);
  out[2] = wasm_f64x2_extract_lane(sq, 0) + wasm_f64x2_extract_lane(sq, 1);
  out[3] = (double)(wasm_i64x2_extract_lane(flat, 0) + wasm_i64x2_extract_lane(flat, 1));
  out[4] = (double)rows * cols - n;
  for (int k = 0; k < bins; k++) out[5 + k] = counts[0][k] + counts[1][k] + counts[2][k] + counts[3][k];
  if (alive) for (int c = 0; c < cols; c++) alive[c] = alive[c] != 0;
}

/** The count of NaN and infinite values in a [rows][cols] block with `stride` floats per row. */
EXPORT int k_count_nonfinite(const float *x, int rows, int cols, int stride) {
  int n = 0;
  for (int r = 0; r < rows; r++) {
    const float *row = x + (long)r * stride;
    for (int c = 0; c < cols; c++) n += !(row[c] - row[c] == 0);
  }
  return n;
}
