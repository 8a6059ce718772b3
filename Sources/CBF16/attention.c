// Multi-head self-attention of the bf16 path's inference forward on AVX-512 (every CPU with
// native bf16 has it): the same products as the portable kernel in Autograd/Ops/Attention.swift,
// in fp32, sixteen lanes wide and four query rows at a time.
#include "cbf16.h"
#include "lanes.h"

#include <immintrin.h>
#include <stdlib.h>

#define AVX512 __attribute__((target("avx512f")))

// e^x for x <= 0 (Cephes' expf): x = n·ln 2 + r, |r| <= ln 2 / 2, e^r by a degree-7 polynomial,
// 2^n applied by vscalefps. Below -87.3 (e^x under the smallest normal float) it gives about 1e-38.
AVX512 static inline __m512 expNonPositive(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-87.33654f));
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 y = _mm512_set1_ps(1.9875691500e-4f);
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(1.3981999507e-3f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(8.3334519073e-3f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(4.1665795894e-2f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(1.6666665459e-1f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(5.0000001201e-1f));
  y = _mm512_fmadd_ps(y, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(y, n);
}

enum { ROWS = 4 };

// A 16 × 16 block transposed in place: r[a][b] becomes r[b][a]. Within each 128-bit lane the
// unpacks and shuffles transpose 4 × 4 blocks; two rounds of 128-bit lane shuffles move them.
AVX512 static inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // u[4g + c], lane L: column 4L + c of rows 4g..4g+3
  for (int g = 0; g < 4; g++) {
    u[4 * g] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int c = 0; c < 4; c++) {
    __m512 v = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), w = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
    __m512 v2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88), w2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
    r[c] = _mm512_shuffle_f32x4(v, v2, 0x88);
    r[8 + c] = _mm512_shuffle_f32x4(v, v2, 0xDD);
    r[4 + c] = _mm512_shuffle_f32x4(w, w2, 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(w, w2, 0xDD);
  }
}

// Rows a multiple of 32 wide: the products take two 16-lane columns blocks and four query rows
// at a time, eight independent sums (the FMA units' latency times their count).
static inline long paddedWidth(long L) { return (L + 31) / 32 * 32; }

AVX512 static void attendOne(float *ctx, long ctxStride, const float *q, const float *k, const float *v, long stride,
                             long L, long D, float scale, float *kt, float *scores) {
  long Lp = paddedWidth(L);
  // Kᵀ (D, Lp), zero beyond L: 16 × 16 blocks transposed in registers
  for (long j = 0; j < Lp; j += 16) {
    for (long d = 0; d < D; d += 16) {
      __mmask16 columns = lanes(d, D);
      __m512 block[16];
      for (int r = 0; r < 16; r++)
        block[r] = j + r < L ? _mm512_maskz_loadu_ps(columns, k + (j + r) * stride + d) : _mm512_setzero_ps();
      transpose16(block);
      for (int c = 0; c < 16 && d + c < D; c++) _mm512_store_ps(kt + (d + c) * Lp + j, block[c]);
    }
  }
  for (long i = 0; i < L; i += ROWS) {
    long rows = L - i < ROWS ? L - i : ROWS;
    const float *qr[ROWS];
    for (int r = 0; r < ROWS; r++) qr[r] = q + (i + (r < rows ? r : rows - 1)) * stride;  // extra rows repeat the last
    // scores (ROWS, Lp) = scale · Q_rows Kᵀ
    for (long j = 0; j < Lp; j += 32) {
      __m512 lo[ROWS], hi[ROWS];
      for (int r = 0; r < ROWS; r++) lo[r] = hi[r] = _mm512_setzero_ps();
      for (long d = 0; d < D; d++) {
        __m512 kLo = _mm512_load_ps(kt + d * Lp + j), kHi = _mm512_load_ps(kt + d * Lp + j + 16);
        for (int r = 0; r < ROWS; r++) {
          __m512 qd = _mm512_set1_ps(qr[r][d]);
          lo[r] = _mm512_fmadd_ps(qd, kLo, lo[r]);
          hi[r] = _mm512_fmadd_ps(qd, kHi, hi[r]);
        }
      }
      for (int r = 0; r < ROWS; r++) {
        _mm512_store_ps(scores + r * Lp + j, _mm512_mul_ps(lo[r], _mm512_set1_ps(scale)));
        _mm512_store_ps(scores + r * Lp + j + 16, _mm512_mul_ps(hi[r], _mm512_set1_ps(scale)));
      }
    }
    // each row's softmax in place; the lanes from L on become 0
    for (int r = 0; r < rows; r++) {
      float *s = scores + r * Lp;
      __m512 top = _mm512_set1_ps(-__builtin_inff());
      for (long j = 0; j < L; j += 16) top = _mm512_mask_max_ps(top, lanes(j, L), top, _mm512_load_ps(s + j));
      __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(top));
      __m512 sum = _mm512_setzero_ps();
      for (long j = 0; j < L; j += 16) {
        __m512 e = _mm512_maskz_mov_ps(lanes(j, L), expNonPositive(_mm512_sub_ps(_mm512_load_ps(s + j), m)));
        _mm512_store_ps(s + j, e);
        sum = _mm512_add_ps(sum, e);
      }
      __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
      for (long j = 0; j < L; j += 16) _mm512_store_ps(s + j, _mm512_mul_ps(_mm512_load_ps(s + j), inv));
    }
    // ctx_rows = P_rows V, 32 columns of the head at a time
    for (long c = 0; c < D; c += 32) {
      __mmask16 maskLo = lanes(c, D), maskHi = lanes(c + 16, D);
      __m512 lo[ROWS], hi[ROWS];
      for (int r = 0; r < ROWS; r++) lo[r] = hi[r] = _mm512_setzero_ps();
      for (long j = 0; j < L; j++) {
        __m512 vLo = _mm512_maskz_loadu_ps(maskLo, v + j * stride + c);
        __m512 vHi = _mm512_maskz_loadu_ps(maskHi, v + j * stride + c + 16);
        for (int r = 0; r < ROWS; r++) {
          __m512 p = _mm512_set1_ps(scores[r * Lp + j]);
          lo[r] = _mm512_fmadd_ps(p, vLo, lo[r]);
          hi[r] = _mm512_fmadd_ps(p, vHi, hi[r]);
        }
      }
      for (int r = 0; r < rows; r++) {
        _mm512_mask_storeu_ps(ctx + (i + r) * ctxStride + c, maskLo, lo[r]);
        _mm512_mask_storeu_ps(ctx + (i + r) * ctxStride + c + 16, maskHi, hi[r]);
      }
    }
  }
}

int cbf16_attention(float *ctx, const float *q, const float *k, const float *v, long stride, const long *offsets,
                    long heads, long headDim, long jobBegin, long jobEnd) {
  long maxL = 0;
  for (long job = jobBegin; job < jobEnd; job++) {
    long s = job / heads, L = offsets[s + 1] - offsets[s];
    if (L > maxL) maxL = L;
  }
  long Lp = paddedWidth(maxL), D = headDim, C = heads * headDim;
  size_t floats = (size_t)(D * Lp + ROWS * Lp + 16);
  float *kt = aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64);
  if (!kt) return 1;
  float *scores = kt + (D * Lp + 15) / 16 * 16;
  float scale = 1.0f / __builtin_sqrtf((float)D);
  for (long job = jobBegin; job < jobEnd; job++) {
    long s = job / heads, h = job % heads, start = offsets[s], L = offsets[s + 1] - start;
    if (L == 0) continue;
    attendOne(ctx + start * C + h * D, C, q + start * stride + h * D, k + start * stride + h * D,
              v + start * stride + h * D, stride, L, D, scale, kt, scores);
  }
  free(kt);
  return 0;
}
