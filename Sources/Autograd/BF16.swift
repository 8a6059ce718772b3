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

  /// A bf16 copy of `count` floats, freed with the buffer. Used as a linear layer's weight, it also
  /// keeps the weight packed as oneDNN's product reads it (`linear`), made on first use.
  public final class Buffer: @unchecked Sendable {
    public let data: UnsafeMutablePointer<UInt16>
    public let count: Int
    /// The packed copies' list, owned by `cbf16_linear` (nil until the first product).
    fileprivate let packs: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    public init(count: Int) {
      self.count = count
      data = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 2, alignment: 64)
        .bindMemory(to: UInt16.self, capacity: max(count, 1))
      packs = .allocate(capacity: 1)
      packs.initialize(to: nil)
    }
    /// `count` floats rounded to bf16.
    public convenience init(rounding src: UnsafePointer<Float>, count: Int) {
      self.init(count: count)
      BF16.round(src, into: data, count: count)
    }
    deinit {
      cbf16_packs_free(packs.pointee)
      packs.deallocate()
      UnsafeMutableRawPointer(data).deallocate()
    }
  }

  /// A linear layer's product out[m, n] = x[m, k] · Wᵀ + bias (+ addend), x and the weight W
  /// (n × k) bf16, bias (n), addend (m × n, not overlapping out) and out fp32, row-major; W read
  /// in the layout oneDNN's primitive chose (packed once per weight copy, not on every product).
  /// Split over the workers by rows of x, each block one oneDNN call in its worker's thread.
  public static func linear(
    rows m: Int, outFeatures n: Int, inFeatures k: Int, x: UnsafePointer<UInt16>, weight: Buffer,
    bias: UnsafePointer<Float>?, addend: UnsafePointer<Float>? = nil, out: UnsafeMutablePointer<Float>
  ) {
    precondition(weight.count == n * k, "BF16.linear: the weight holds \(weight.count) values, not \(n)×\(k)")
    if m == 0 || n == 0 { return }
    func product(_ rows: Range<Int>) {
      let status = cbf16_linear(
        rows.count, n, k, x + rows.lowerBound * k, weight.data, weight.packs, bias, addend.map { $0 + rows.lowerBound * n },
        out + rows.lowerBound * n)
      precondition(status == 0, "oneDNN's bf16 linear product (\(rows.count)×\(n)×\(k)) failed with status \(status)")
    }
    if 2 * m * n * k < 4_000_000 || Parallel.threads <= 1 {
      product(0..<m)
    } else {
      parallelFor(m, minChunk: 16) { product($0) }
    }
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

  /// out = gelu(x) on AVX-512: `geluForward`'s arithmetic sixteen lanes at a time (the same bits),
  /// for the bf16 path, whose CPUs all have AVX-512. out and x may alias.
  public static func gelu(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, count n: Int) {
    precondition(Precision.nativeBF16, "BF16.gelu runs only where the CPU has native bf16 (and AVX-512)")
    parallelFor((n + 15) / 16, minChunk: 256) { r in
      let lo = r.lowerBound * 16, hi = min(n, r.upperBound * 16)
      cbf16_gelu(out + lo, x + lo, hi - lo)
    }
  }

  /// out = bf16(gelu(x)): `gelu`'s values rounded as `round` rounds them, in one pass (a product's
  /// output on its way to the next product's input).
  public static func geluRounded(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<UInt16>, count n: Int) {
    precondition(Precision.nativeBF16, "BF16.geluRounded runs only where the CPU has native bf16 (and AVX-512)")
    parallelFor((n + 15) / 16, minChunk: 256) { r in
      let lo = r.lowerBound * 16, hi = min(n, r.upperBound * 16)
      cbf16_gelu_round(out + lo, x + lo, hi - lo)
    }
  }

  /// oneDNN's name for the implementation it chose for this thread's last product.
  public static var lastImplementation: String { String(cString: cbf16_last_implementation()) }
}
