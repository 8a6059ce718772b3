// GELU of the bf16 path's inference forward on AVX-512 (every CPU with native bf16 has it): the
// arithmetic of Autograd/Ops/GELU.swift's geluForward (the same rational erf, the same separate
// multiplies and adds, the same division), sixteen lanes at a time, so the same bits.
#include "cbf16.h"
#include "lanes.h"

#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

AVX512 static inline __m512 mulAdd(__m512 a, __m512 b, float c) {
  return _mm512_add_ps(_mm512_mul_ps(a, b), _mm512_set1_ps(c));
}

AVX512 static inline __m512 erfApproximation(__m512 v) {
  __m512 x = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(-4)), _mm512_set1_ps(4));
  __m512 x2 = _mm512_mul_ps(x, x);
  __m512 p = mulAdd(x2, _mm512_set1_ps(-2.72614225801306e-10f), 2.77068142495902e-08f);
  p = mulAdd(x2, p, -2.10102402082508e-06f);
  p = mulAdd(x2, p, -5.69250639462346e-05f);
  p = mulAdd(x2, p, -7.34990630326855e-04f);
  p = mulAdd(x2, p, -2.95459980854025e-03f);
  p = mulAdd(x2, p, -1.60960333262415e-02f);
  p = _mm512_mul_ps(x, p);
  __m512 q = mulAdd(x2, _mm512_set1_ps(-1.45660718464996e-05f), -2.13374055278905e-04f);
  q = mulAdd(x2, q, -1.68282697438203e-03f);
  q = mulAdd(x2, q, -7.37332916720468e-03f);
  q = mulAdd(x2, q, -1.42647390514189e-02f);
  return _mm512_div_ps(p, q);
}

// 0.5·v·(1 + erf(v/√2)), in geluForward's order of operations.
AVX512 static inline __m512 gelu(__m512 v) {
  __m512 e = erfApproximation(_mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752440f)));
  return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), _mm512_add_ps(_mm512_set1_ps(1), e));
}

AVX512 void cbf16_gelu(float *out, const float *x, long n) {
  for (long i = 0; i < n; i += 16) {
    __mmask16 mask = lanes(i, n);
    _mm512_mask_storeu_ps(out + i, mask, gelu(_mm512_maskz_loadu_ps(mask, x + i)));
  }
}

// bf16(x) rounded to nearest even as cbf16_round rounds (NaN made quiet), sixteen lanes.
AVX512 static inline __m256i roundToBF16(__m512 v) {
  __m512i u = _mm512_castps_si512(v);
  __m512i odd = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7FFF)), odd), 16);
  __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7FFFFFFF)), _mm512_set1_epi32(0x7F800000));
  rounded = _mm512_mask_or_epi32(rounded, nan, _mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40));
  return _mm512_cvtepi32_epi16(rounded);
}

AVX512 void cbf16_gelu_round(uint16_t *out, const float *x, long n) {
  for (long i = 0; i < n; i += 16) {
    __mmask16 mask = lanes(i, n);
    _mm256_mask_storeu_epi16(out + i, mask, roundToBF16(gelu(_mm512_maskz_loadu_ps(mask, x + i))));
  }
}
