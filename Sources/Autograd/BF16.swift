import CBF16

/// bf16 numbers as raw 16-bit patterns (the upper half of an fp32), and the bf16 matrix product
/// (oneDNN's matmul primitive; see `Sources/CBF16`). Used only where `Precision.nativeBF16`.
public enum BF16 {
  /// dst[i] = bf16(src[i]), rounded to nearest even (PyTorch's rounding), split over the workers.
  public static func round(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<UInt16>, count n: Int) {
    parallelFor(n, minChunk: 1 << 15) { r in cbf16_round(src + r.lowerBound, dst + r.lowerBound, r.count) }
  }

  /// The values of `src` rounded to bf16, widened back to fp32 (for references in tests).
  public static func rounded(_ values: [Float]) -> [Float] {
    var bits = [UInt16](repeating: 0, count: values.count), out = [Float](repeating: 0, count: values.count)
    cbf16_round(values, &bits, values.count)
    cbf16_widen(bits, &out, values.count)
    return out
  }

  /// A bf16 copy of `count` floats, freed with the buffer.
  public final class Buffer: @unchecked Sendable {
    public let data: UnsafeMutablePointer<UInt16>
    public let count: Int
    public init(count: Int) {
      self.count = count
      data = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 2, alignment: 64)
        .bindMemory(to: UInt16.self, capacity: max(count, 1))
    }
    /// `count` floats rounded to bf16.
    public convenience init(rounding src: UnsafePointer<Float>, count: Int) {
      self.init(count: count)
      BF16.round(src, into: data, count: count)
    }
    deinit { UnsafeMutableRawPointer(data).deallocate() }
  }

  /// C[m, n] = op(A)[m, k] · op(B)[k, n] (+ bias[n] on every row, added by oneDNN as it writes C)
  /// + beta · C with A and B in bf16, bias and C in fp32, row-major; beta is 0 or 1. Split over the workers as `BLAS.gemm` splits its products (columns of C, or
  /// rows when C is narrow), each block one oneDNN call in its worker's thread.
  public static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<UInt16>, lda: Int, b: UnsafePointer<UInt16>, ldb: Int, bias: UnsafePointer<Float>? = nil,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    precondition(beta == 0 || beta == 1, "BF16.gemm: beta is 0 or 1")
    if m == 0 || n == 0 { return }
    func product(
      _ m: Int, _ n: Int, _ a: UnsafePointer<UInt16>, _ b: UnsafePointer<UInt16>, _ bias: UnsafePointer<Float>?,
      _ c: UnsafeMutablePointer<Float>
    ) {
      let status = cbf16_gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, bias, beta, c, ldc)
      precondition(status == 0, "oneDNN's bf16 matmul (\(m)×\(n)×\(k)) failed with status \(status)")
    }
    let workers = 2 * m * n * k < 4_000_000 ? 1 : Parallel.threads
    if workers <= 1 {
      product(m, n, a, b, bias, c)
    } else if n >= 64 {
      parallelFor(n / 16) { r in
        let j0 = r.lowerBound * 16, j1 = r.upperBound == n / 16 ? n : r.upperBound * 16
        product(m, j1 - j0, a, transB ? b + j0 * ldb : b + j0, bias.map { $0 + j0 }, c + j0)
      }
    } else {
      parallelFor(m, minChunk: 16) { r in
        product(r.count, n, transA ? a + r.lowerBound : a + r.lowerBound * lda, b, bias, c + r.lowerBound * ldc)
      }
    }
  }

  /// oneDNN's name for the implementation it chose for this thread's last product.
  public static var lastImplementation: String { String(cString: cbf16_last_implementation()) }
}
