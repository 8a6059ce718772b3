#ifndef CBF16_H
#define CBF16_H
#include <stdint.h>

/// 1 when this CPU (and the operating system, which must save the AVX-512 state) has native
/// bf16 dot products (AVX512_BF16), 0 otherwise. From CPUID and XGETBV.
int cbf16_cpu_has_native_bf16(void);

/// dst[i] = bf16(src[i]), rounded to nearest even as PyTorch rounds (NaN stays a quiet NaN).
void cbf16_round(const float *src, uint16_t *dst, long n);

/// dst[i] = float(src[i]) (exact).
void cbf16_widen(const uint16_t *src, float *dst, long n);

/// C[m, n] = op(A)[m, k] · op(B)[k, n] (+ bias[n] on every row) + beta · C, row-major, A and B
/// bf16, bias and C fp32, accumulated in fp32 by oneDNN's matmul primitive in the calling thread
/// (one primitive cached per thread and shape). beta is 0 or 1; bias may be NULL. Returns 0, or
/// oneDNN's status when it refused or failed.
int cbf16_gemm(int transA, int transB, long m, long n, long k, const uint16_t *a, long lda,
               const uint16_t *b, long ldb, const float *bias, float beta, float *c, long ldc);

/// oneDNN's name of the implementation it picked for the last shape this thread ran (e.g.
/// "brg:avx512_core_bf16"), or "" before the first product.
const char *cbf16_last_implementation(void);

#endif
