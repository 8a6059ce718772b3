// bf16 matrix products for the encoder's linear layers: oneDNN's matmul primitive with bf16
// operands and fp32 accumulation and output, as PyTorch's CPU autocast runs them.
#include "cbf16.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int cbf16_cpu_has_native_bf16(void) {
#if defined(__x86_64__)
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  if (!(c & (1u << 27))) return 0;  // OSXSAVE: XGETBV is usable
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  // XCR0: SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM state saved by the OS
  if ((lo & 0xE6u) != 0xE6u) return 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  if (!(b & (1u << 16)) || !(b & (1u << 30))) return 0;  // AVX512F, AVX512BW
  if (a < 1) return 0;  // no subleaf 1
  if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
  return (a >> 5) & 1;  // AVX512_BF16
#else
  return 0;
#endif
}

// Round to nearest even, NaN made quiet: branch-free, so that the compiler vectorizes it.
static inline uint16_t roundOne(uint32_t u) {
  uint16_t rounded = (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
  uint16_t quiet = (uint16_t)((u >> 16) | 0x40u);
  return (u & 0x7FFFFFFFu) > 0x7F800000u ? quiet : rounded;
}

static void roundPortable(const float *src, uint16_t *dst, long n) {
  for (long i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, &src[i], 4);
    dst[i] = roundOne(u);
  }
}

// The same loop compiled for AVX-512 (every CPU with native bf16 has it): the same bits, 16 at a time.
__attribute__((target("avx512f,avx512bw,avx512vl")))
static void roundAVX512(const float *src, uint16_t *dst, long n) {
  for (long i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, &src[i], 4);
    dst[i] = roundOne(u);
  }
}

void cbf16_round(const float *src, uint16_t *dst, long n) {
  static int hasAVX512 = -1;  // (a race between threads writes the same answer)
  if (hasAVX512 < 0) hasAVX512 = __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  if (hasAVX512) roundAVX512(src, dst, n); else roundPortable(src, dst, n);
}

void cbf16_widen(const uint16_t *src, float *dst, long n) {
  for (long i = 0; i < n; i++) {
    uint32_t u = (uint32_t)src[i] << 16;
    memcpy(&dst[i], &u, 4);
  }
}

// One engine for the process; per thread a stream and a small cache of primitives by shape.
static dnnl_engine_t engine;
static pthread_once_t engineOnce = PTHREAD_ONCE_INIT;
static dnnl_status_t engineStatus = dnnl_success;
static void makeEngine(void) {
  // Primitives are cached here, per thread (below); oneDNN's own process-wide cache would keep
  // every shape ever seen (each batch of packed sequences has its own row count) and its memory.
  dnnl_set_primitive_cache_capacity(0);
  engineStatus = dnnl_engine_create(&engine, dnnl_cpu, 0);
}

enum { KEY_LENGTH = 13 };
typedef struct {
  long key[KEY_LENGTH];
  dnnl_primitive_t primitive;
  dnnl_memory_t a, b, c, bias, addend, scratchpad;
  size_t scratchpadSize;
  dnnl_memory_desc_t bDesc;  // the layout of B it reads (packed: the one it chose)
  unsigned long lastUse;
} Entry;

enum { CACHE_SIZE = 64 };
static _Thread_local Entry cache[CACHE_SIZE];
static _Thread_local int cached;
static _Thread_local unsigned long uses;
static _Thread_local dnnl_stream_t stream;
static _Thread_local const char *lastImplementation = "";
// The thread's scratchpad, shared by its primitives (user scratchpad mode: a primitive owns none,
// so 64 cached primitives do not hold 64 scratchpads); grown to the largest one needs.
static _Thread_local void *scratch;
static _Thread_local size_t scratchSize;

static void dropEntry(Entry *e) {
  dnnl_primitive_destroy(e->primitive);
  dnnl_memory_destroy(e->a);
  dnnl_memory_destroy(e->b);
  dnnl_memory_destroy(e->c);
  if (e->bias) dnnl_memory_destroy(e->bias);
  if (e->addend) dnnl_memory_destroy(e->addend);
  if (e->scratchpad) dnnl_memory_destroy(e->scratchpad);
  memset(e, 0, sizeof *e);
}

// key: transA, transB, m, n, k, lda, ldb, ldc, beta, bias?, packed B?, addend?, ldAddend
static dnnl_status_t makeEntry(Entry *e, const long key[KEY_LENGTH]) {
  long transA = key[0], transB = key[1], m = key[2], n = key[3], k = key[4], lda = key[5], ldb = key[6], ldc = key[7];
  long packed = key[10], addend = key[11], ldAddend = key[12];
  dnnl_memory_desc_t aDesc, bDesc, cDesc, biasDesc, addendDesc;
  dnnl_dims_t aDims = {m, k}, bDims = {k, n}, cDims = {m, n}, biasDims = {1, n}, biasStrides = {n, 1};
  dnnl_dims_t aStrides = {transA ? 1 : lda, transA ? lda : 1};
  dnnl_dims_t bStrides = {transB ? 1 : ldb, transB ? ldb : 1};
  dnnl_dims_t cStrides = {ldc, 1}, addendStrides = {ldAddend, 1};
  dnnl_status_t s;
  if ((s = dnnl_memory_desc_init_by_strides(&aDesc, 2, aDims, dnnl_bf16, aStrides))) return s;
  // packed: B in the layout the primitive chooses (a weight reordered into it once, see Packs)
  if ((s = packed ? dnnl_memory_desc_init_by_tag(&bDesc, 2, bDims, dnnl_bf16, dnnl_format_tag_any)
                  : dnnl_memory_desc_init_by_strides(&bDesc, 2, bDims, dnnl_bf16, bStrides)))
    return s;
  if ((s = dnnl_memory_desc_init_by_strides(&cDesc, 2, cDims, dnnl_f32, cStrides))) return s;
  if ((s = dnnl_memory_desc_init_by_strides(&biasDesc, 2, biasDims, dnnl_f32, biasStrides))) return s;
  if ((s = dnnl_memory_desc_init_by_strides(&addendDesc, 2, cDims, dnnl_f32, addendStrides))) return s;
  dnnl_matmul_desc_t desc;
  if ((s = dnnl_matmul_desc_init(&desc, &aDesc, &bDesc, key[9] ? &biasDesc : NULL, &cDesc))) return s;
  dnnl_primitive_attr_t attr = NULL;
  dnnl_post_ops_t ops = NULL;
  if ((s = dnnl_primitive_attr_create(&attr))) return s;
  if ((s = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user))) {
    dnnl_primitive_attr_destroy(attr);
    return s;
  }
  // post-ops, applied in order to A·B + bias as it is written: C += (beta = 1, a sum), + addend
  // (a binary add)
  if (key[8] || addend) {
    if ((s = dnnl_post_ops_create(&ops)) || (key[8] && (s = dnnl_post_ops_append_sum(ops, 1.0f))) ||
        (addend && (s = dnnl_post_ops_append_binary(ops, dnnl_binary_add, &addendDesc))) ||
        (s = dnnl_primitive_attr_set_post_ops(attr, ops))) {
      if (ops) dnnl_post_ops_destroy(ops);
      dnnl_primitive_attr_destroy(attr);
      return s;
    }
  }
  dnnl_primitive_desc_t pd;
  s = dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL);
  if (ops) dnnl_post_ops_destroy(ops);
  if (attr) dnnl_primitive_attr_destroy(attr);
  if (s) return s;
  const char *impl = "";
  dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
  if (packed) bDesc = *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
  e->bDesc = bDesc;
  lastImplementation = impl;  // owned by oneDNN's implementation list: lives for the process
  const dnnl_memory_desc_t *scratchDesc = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
  size_t scratchpadSize = scratchDesc ? dnnl_memory_desc_get_size(scratchDesc) : 0;
  dnnl_memory_desc_t scratchCopy;
  if (scratchpadSize) scratchCopy = *scratchDesc;
  s = dnnl_primitive_create(&e->primitive, pd);
  dnnl_primitive_desc_destroy(pd);
  if (s) return s;
  if (scratchpadSize && (s = dnnl_memory_create(&e->scratchpad, &scratchCopy, engine, DNNL_MEMORY_NONE))) {
    dnnl_primitive_destroy(e->primitive);
    memset(e, 0, sizeof *e);
    return s;
  }
  e->scratchpadSize = scratchpadSize;
  if ((s = dnnl_memory_create(&e->a, &aDesc, engine, DNNL_MEMORY_NONE)) ||
      (s = dnnl_memory_create(&e->b, &bDesc, engine, DNNL_MEMORY_NONE)) ||
      (s = dnnl_memory_create(&e->c, &cDesc, engine, DNNL_MEMORY_NONE)) ||
      (key[9] && (s = dnnl_memory_create(&e->bias, &biasDesc, engine, DNNL_MEMORY_NONE))) ||
      (addend && (s = dnnl_memory_create(&e->addend, &addendDesc, engine, DNNL_MEMORY_NONE)))) {
    dropEntry(e);  // (destroying a memory object that was never made is a no-op)
    return s;
  }
  memcpy(e->key, key, sizeof e->key);
  return dnnl_success;
}

// At a thread's exit (rank threads end with their run): its primitives, scratchpad and stream.
static pthread_key_t threadKey;
static pthread_once_t threadKeyOnce = PTHREAD_ONCE_INIT;
static void releaseThread(void *unused) {
  (void)unused;
  for (int i = 0; i < cached; i++) dropEntry(&cache[i]);
  cached = 0;
  free(scratch);
  scratch = NULL;
  scratchSize = 0;
  if (stream) dnnl_stream_destroy(stream);
  stream = NULL;
}
static void makeThreadKey(void) { pthread_key_create(&threadKey, releaseThread); }

// A linear layer's weight W (n × k, row-major: the product's B = Wᵀ) reordered into the layout
// a primitive chose for it, made on first use and kept with the weight's bf16 copy (freed with it):
// the product then reads B as it is instead of repacking it on every call. Primitives of other
// row counts may choose other layouts: a weight keeps up to PACKS_MAX of them.
enum { PACKS_MAX = 8 };
typedef struct {
  int count;
  dnnl_memory_desc_t md[PACKS_MAX];
  void *data[PACKS_MAX];
} Packs;
static pthread_mutex_t packsLock = PTHREAD_MUTEX_INITIALIZER;

static dnnl_status_t reorder(const dnnl_memory_desc_t *from, const void *source, const dnnl_memory_desc_t *to,
                             void *destination) {
  dnnl_primitive_desc_t pd;
  dnnl_primitive_t r = NULL;
  dnnl_memory_t src = NULL, dst = NULL;
  dnnl_status_t s = dnnl_reorder_primitive_desc_create(&pd, from, engine, to, engine, NULL);
  if (s) return s;
  s = dnnl_primitive_create(&r, pd);
  dnnl_primitive_desc_destroy(pd);
  if (!s) s = dnnl_memory_create(&src, from, engine, (void *)source);
  if (!s) s = dnnl_memory_create(&dst, to, engine, destination);
  if (!s) {
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}};
    s = dnnl_primitive_execute(r, stream, 2, args);
    if (!s) s = dnnl_stream_wait(stream);
  }
  if (src) dnnl_memory_destroy(src);
  if (dst) dnnl_memory_destroy(dst);
  if (r) dnnl_primitive_destroy(r);
  return s;
}

// W packed as `want` describes, from the weight's list in *slot (made and filled here).
static const void *packedWeight(void **slot, const uint16_t *w, long k, long n, const dnnl_memory_desc_t *want,
                                dnnl_status_t *status) {
  pthread_mutex_lock(&packsLock);
  const void *found = NULL;
  Packs *p = *slot;
  if (!p && (p = calloc(1, sizeof *p))) *slot = p;
  if (!p) {
    *status = dnnl_out_of_memory;
  } else {
    for (int i = 0; i < p->count && !found; i++)
      if (dnnl_memory_desc_equal(&p->md[i], want)) found = p->data[i];
    if (!found && p->count == PACKS_MAX) {
      *status = dnnl_unimplemented;  // (never seen: a layout depends on the weight's shape and type)
    } else if (!found) {
      dnnl_memory_desc_t plain;
      dnnl_dims_t dims = {k, n}, strides = {1, k};
      size_t size = (dnnl_memory_desc_get_size(want) + 63) / 64 * 64;
      void *data = aligned_alloc(64, size ? size : 64);
      *status = data ? dnnl_memory_desc_init_by_strides(&plain, 2, dims, dnnl_bf16, strides) : dnnl_out_of_memory;
      if (!*status) *status = reorder(&plain, w, want, data);
      if (*status) {
        free(data);
      } else {
        p->md[p->count] = *want;
        p->data[p->count++] = data;
        found = data;
      }
    }
  }
  pthread_mutex_unlock(&packsLock);
  return found;
}

void cbf16_packs_free(void *packs) {
  Packs *p = packs;
  if (!p) return;
  for (int i = 0; i < p->count; i++) free(p->data[i]);
  free(p);
}

static int product(int transA, int transB, long m, long n, long k, const uint16_t *a, long lda, const uint16_t *b,
                   long ldb, void **packs, const float *bias, float beta, const float *addend, long ldAddend, float *c,
                   long ldc) {
  if (m <= 0 || n <= 0) return 0;
  pthread_once(&engineOnce, makeEngine);
  if (engineStatus) return engineStatus;
  dnnl_status_t s;
  if (!stream) {
    // this thread's products run in this thread (the caller splits them among its workers):
    // oneDNN's OpenMP runtime, loaded with libdnnl, gets one thread for this thread's regions
    void (*setThreads)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (setThreads) setThreads(1);
    if ((s = dnnl_stream_create(&stream, engine, dnnl_stream_default_flags))) { stream = NULL; return s; }
    pthread_once(&threadKeyOnce, makeThreadKey);
    pthread_setspecific(threadKey, (void *)1);  // non-null, so that releaseThread runs
  }
  long key[KEY_LENGTH] = {transA != 0, transB != 0, m, n, k, lda, ldb, ldc, beta != 0, bias != NULL, packs != NULL,
                          addend != NULL, addend ? ldAddend : 0};
  Entry *e = NULL;
  for (int i = 0; i < cached; i++) {
    if (memcmp(cache[i].key, key, sizeof key) == 0) { e = &cache[i]; break; }
  }
  if (!e) {
    if (cached < CACHE_SIZE) {
      e = &cache[cached++];
    } else {  // evict the least recently used
      e = &cache[0];
      for (int i = 1; i < CACHE_SIZE; i++) if (cache[i].lastUse < e->lastUse) e = &cache[i];
      dropEntry(e);
    }
    if ((s = makeEntry(e, key))) {
      *e = cache[--cached];  // keep the used entries at the front
      memset(&cache[cached], 0, sizeof(Entry));
      return s;
    }
  }
  e->lastUse = ++uses;
  if (packs) {
    const void *p = packedWeight(packs, b, k, n, &e->bDesc, &s);
    if (!p) return s;
    b = p;
  }
  if ((s = dnnl_memory_set_data_handle(e->a, (void *)a)) || (s = dnnl_memory_set_data_handle(e->b, (void *)b)) ||
      (s = dnnl_memory_set_data_handle(e->c, c)) || (bias && (s = dnnl_memory_set_data_handle(e->bias, (void *)bias))) ||
      (addend && (s = dnnl_memory_set_data_handle(e->addend, (void *)addend))))
    return s;
  int argc = 3;
  dnnl_exec_arg_t args[6] = {{DNNL_ARG_SRC, e->a}, {DNNL_ARG_WEIGHTS, e->b}, {DNNL_ARG_DST, e->c}};
  if (bias) args[argc++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, e->bias};
  if (addend) {  // the binary add is the last post-op: its index is their count less one
    int index = beta != 0;
    args[argc++] = (dnnl_exec_arg_t){DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1, e->addend};
  }
  if (e->scratchpadSize) {
    if (e->scratchpadSize > scratchSize) {
      free(scratch);
      size_t size = (e->scratchpadSize + 4095) / 4096 * 4096;
      scratch = aligned_alloc(4096, size);
      scratchSize = scratch ? size : 0;
      if (!scratch) return dnnl_out_of_memory;
    }
    if ((s = dnnl_memory_set_data_handle(e->scratchpad, scratch))) return s;
    args[argc++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, e->scratchpad};
  }
  if ((s = dnnl_primitive_execute(e->primitive, stream, argc, args))) return s;
  return dnnl_stream_wait(stream);
}

int cbf16_gemm(int transA, int transB, long m, long n, long k, const uint16_t *a, long lda,
               const uint16_t *b, long ldb, const float *bias, float beta, float *c, long ldc) {
  return product(transA, transB, m, n, k, a, lda, b, ldb, NULL, bias, beta, NULL, 0, c, ldc);
}

int cbf16_linear(long m, long n, long k, const uint16_t *x, const uint16_t *w, void **packs, const float *bias,
                 const float *addend, float *c) {
  return product(0, 1, m, n, k, x, k, w, k, packs, bias, 0, addend, n, c, n);
}
const char *cbf16_last_implementation(void) { return lastImplementation; }
