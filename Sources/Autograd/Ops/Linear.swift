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

/// dX (T, I) += dOut · W;  dW (O, I) += dOutᵀ · X;  dB (O) += Σ_t dOut[t]. Any of the outputs may be nil.
public func linearBackward(
  dX: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
  dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
  rows T: Int, inFeatures I: Int, outFeatures O: Int
) {
  if let dX {
    BLAS.gemm(transA: false, transB: false, m: T, n: I, k: O, a: dOut, lda: O, b: weight, ldb: I, beta: 1, c: dX, ldc: I)
  }
  if let dWeight {
    BLAS.gemm(transA: true, transB: false, m: O, n: I, k: T, a: dOut, lda: O, b: x, ldb: I, beta: 1, c: dWeight, ldc: I)
  }
  if let dBias {
    parallelFor(O, minChunk: 64) { cols in
      for t in 0..<T {
        let row = dOut + t * O
        for o in cols { dBias[o] += row[o] }
      }
    }
  }
}
