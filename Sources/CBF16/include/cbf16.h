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

/// A linear layer's product C[m, n] = X[m, k] · Wᵀ + bias (+ addend), X and W (n × k) bf16 and
/// row-major, bias (may be NULL), addend (m × n, may be NULL, must not overlap C) and C fp32.
/// W is read packed in the layout oneDNN's primitive chose, reordered into it on first use and
/// kept in *packs (NULL at first; one list per weight copy, shared by threads; freed with
/// cbf16_packs_free). Returns 0 or oneDNN's status.
int cbf16_linear(long m, long n, long k, const uint16_t *x, const uint16_t *w, void **packs, const float *bias,
                 const float *addend, float *c);

/// Frees a weight's packed copies (NULL: nothing).
void cbf16_packs_free(void *packs);

/// Multi-head self-attention on packed sequences, inference (no probabilities kept, no dropout),
/// on AVX-512 (call it only where the CPU has native bf16, and so AVX512F): for jobs jobBegin..<jobEnd, job = sequence
/// · heads + head, ctx[t, h·D..<(h+1)·D] = softmax(q_t K_hᵀ / √D) V_h over the sequence's rows.
/// q, k, v rows have stride `stride`; ctx rows heads · headDim floats; sequence s holds rows
/// offsets[s]..<offsets[s + 1]. Returns 0, or 1 when its scratch memory could not be allocated.
int cbf16_attention(float *ctx, const float *q, const float *k, const float *v, long stride, const long *offsets,
                    long heads, long headDim, long jobBegin, long jobEnd);

/// out[i] = gelu(x[i]) (erf), with the arithmetic of the Swift geluForward's 8-lane blocks, 16
/// lanes at a time, on AVX-512 (call it only where the CPU has native bf16). out and x may alias.
void cbf16_gelu(float *out, const float *x, long n);

/// out[i] = bf16(gelu(x[i])): cbf16_gelu's values rounded as cbf16_round rounds them, in one
/// pass (AVX-512 and AVX512BW; call it only where the CPU has native bf16).
void cbf16_gelu_round(uint16_t *out, const float *x, long n);

/// oneDNN's name of the implementation it picked for the last shape this thread ran (e.g.
/// "brg:avx512_core_bf16"), or "" before the first product.
const char *cbf16_last_implementation(void);

#endif
