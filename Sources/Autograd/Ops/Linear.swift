/// Linear layer on packed rows: out[T, O] = x[T, I] · W[O, I]ᵀ + b[O] (PyTorch's weight layout).

/// out (T, O) = x (T, I) · Wᵀ + b
public func linearForward(
  out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
  weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
  rows T: Int, inFeatures I: Int, outFeatures O: Int
) {
  if let bias {
    for t in 0..<T { (out + t * O).update(from: bias, count: O) }
  }
  BLAS.gemm(
    transA: false, transB: true, m: T, n: O, k: I,
    a: x, lda: I, b: weight, ldb: I, beta: bias == nil ? 0 : 1, c: out, ldc: O)
}
