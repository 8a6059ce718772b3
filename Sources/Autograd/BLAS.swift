import COpenBLAS

/// The one place that calls cblas_sgemm. Row-major throughout; transposes are flags, never copies.
public enum BLAS {
  /// Sets OpenBLAS's own thread count.
  public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }

  /// C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C, all row-major.
  /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (before op).
  public static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    if m == 0 || n == 0 { return }
    cblas_sgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      /* M= */ Int32(m), /* N= */ Int32(n), /* K= */ Int32(k),
      alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
}
