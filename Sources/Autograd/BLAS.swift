import COpenBLAS

/// The one place that calls cblas_sgemm (the encoder's kernels and Mining's top-k search go
/// through `gemm`). Row-major throughout; transposes are flags, never copies.
///
/// Threading: OpenBLAS runs single-threaded and `gemm` splits C into blocks of columns (or
/// rows) that `parallelFor` workers compute concurrently. OpenBLAS's own worker threads
/// spin (sched_yield) between calls and steal the cores from the elementwise kernels that run
/// between matmuls; with one pool of threads for everything that contention is gone.
public enum BLAS {
  /// OpenBLAS is made single-threaded once, before the first call.
  private static let singleThreaded: Void = openblas_set_num_threads(1)

  /// C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C, all row-major.
  /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (before op).
  /// `threaded: false` computes in the calling thread (for calls from inside `parallelFor`).
  public static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, threaded: Bool = true
  ) {
    if m == 0 || n == 0 { return }
    _ = singleThreaded
    let flops = 2 * m * n * k
    let workers = !threaded || flops < 4_000_000 ? 1 : Parallel.threads
    if workers <= 1 {
      sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
      return
    }
    // Split the output's columns (weights are the wide operand in an encoder: every worker keeps
    // all token rows, which sgemm runs more efficiently than half of them); rows when C is narrow.
    if n >= 64 {
      parallelFor(n / 16) { r in
        let j0 = r.lowerBound * 16, j1 = r.upperBound == n / 16 ? n : r.upperBound * 16
        let bBlock = transB ? b + j0 * ldb : b + j0
        sgemm(transA, transB, m, j1 - j0, k, alpha, a, lda, bBlock, ldb, beta, c + j0, ldc)
      }
    } else {
      parallelFor(m, minChunk: 16) { r in
        let aBlock = transA ? a + r.lowerBound : a + r.lowerBound * lda
        sgemm(transA, transB, r.count, n, k, alpha, aBlock, lda, b, ldb, beta, c + r.lowerBound * ldc, ldc)
      }
    }
  }

  @inline(__always)
  private static func sgemm(
    _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
    _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
    _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      /* M= */ Int32(m), /* N= */ Int32(n), /* K= */ Int32(k),
      alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
}
