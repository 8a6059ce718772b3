/// Inverted dropout: out[i] = x[i] · keep(i) / (1 − p), keep(i) ∈ {0, 1} with P(keep) = 1 − p.
///
/// The mask is never stored: keep(i) is a hash of (seed, i), so backward regenerates exactly the
/// mask forward used, and a resumed run replays it from the seed. Fused ops (linear, LayerNorm,
/// attention) take a `Dropout` and apply the same mask function to their own outputs.

/// Dropout with probability `p` and the seed of one mask. `offset` shifts the element index the
/// mask is a function of: a slice of a batch (GradCache's mini-batches) passes the index of its
/// first element in the whole batch and gets exactly the whole batch's mask for its elements.
public struct Dropout: Sendable, Equatable {
  public let p: Float
  public let seed: UInt64
  public let offset: Int

  public init(p: Float, seed: UInt64, offset: Int = 0) {
    precondition(p >= 0 && p < 1, "dropout probability \(p) is outside [0, 1)")
    self.p = p
    self.seed = seed
    self.offset = offset
  }

  /// The mask's 32-bit key: the seed's halves folded together (seeds are SplitMix64 outputs).
  @inline(__always)
  private var key: UInt32 { UInt32(truncatingIfNeeded: seed) ^ UInt32(truncatingIfNeeded: seed >> 32) }

  /// 24 random bits are kept when at least p·2²⁴ (exact for p a multiple of 2⁻²⁴).
  @inline(__always)
  private var threshold: UInt32 { UInt32(p * 16_777_216) }

  /// Whether element `i` is kept: murmur3's 32-bit finalizer of (i·0x9E3779B1) xor the key, its
  /// top 24 bits against the threshold. 32-bit arithmetic, so 8 lanes run at once (`keepBits8`).
  @inline(__always)
  public func keeps(_ i: Int) -> Bool {
    var x = UInt32(truncatingIfNeeded: i &+ offset) &* 0x9E37_79B1 ^ key
    x ^= x >> 16
    x = x &* 0x85EB_CA6B
    x ^= x >> 13
    x = x &* 0xC2B2_AE35
    x ^= x >> 16
    return x >> 8 >= threshold
  }

  /// keeps(i ..< i + 8) as lane bits: all ones where kept, zero where dropped. Plain integer
  /// arithmetic (the top 24 bits minus the threshold, its sign spread over the lane), because
  /// SIMD comparisons do not always compile to vector instructions.
  @inline(__always)
  func keepBits8(_ i: Int) -> SIMD8<Int32> {
    let lanes = SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7) &+ UInt32(truncatingIfNeeded: i &+ offset)
    var x = lanes &* 0x9E37_79B1 ^ key
    x ^= x &>> 16
    x = x &* 0x85EB_CA6B
    x ^= x &>> 13
    x = x &* 0xC2B2_AE35
    x ^= x &>> 16
    let top = unsafeBitCast(x &>> 8, to: SIMD8<Int32>.self)  // < 2²⁴: no overflow below
    return ~((top &- Int32(threshold)) &>> 31)
  }

  /// v where kept, 0 where dropped.
  @inline(__always)
  func masked8(_ v: SIMD8<Float>, _ i: Int) -> SIMD8<Float> {
    unsafeBitCast(unsafeBitCast(v, to: SIMD8<Int32>.self) & keepBits8(i), to: SIMD8<Float>.self)
  }

  /// 1 / (1 − p), the scale of kept elements.
  public var scale: Float { 1 / (1 - p) }

  /// y[i] = x[i] · keep(base + i) / (1 − p) for i in 0..<n, one thread (x and y may alias).
  @inline(__always)
  func mask(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int, base: Int) {
    let s = scale
    var i = 0
    while i + 8 <= n {
      store8(masked8(load8(x, i) * s, base + i), y, i)
      i += 8
    }
    while i < n {
      y[i] = keeps(base + i) ? x[i] * s : 0
      i += 1
    }
  }

  /// x[i] *= keep(base + i) / (1 − p) for i in 0..<n.
  public func apply(_ x: UnsafeMutablePointer<Float>, count n: Int, base: Int = 0) {
    apply(from: x, to: x, count: n, base: base)
  }

  /// y[i] = x[i] · keep(base + i) / (1 − p): the masked copy (forward, or a fresh gradient).
  public func apply(from x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count n: Int, base: Int = 0) {
    parallelFor((n + 7) / 8, minChunk: 1024) { blocks in
      let lo = blocks.lowerBound * 8, hi = min(n, blocks.upperBound * 8)
      mask(x + lo, into: y + lo, count: hi - lo, base: base + lo)
    }
  }

  /// dX[i] += dOut[i] · keep(base + i) / (1 − p).
  public func backward(dX: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, count n: Int, base: Int = 0) {
    let s = scale
    parallelFor((n + 7) / 8, minChunk: 1024) { blocks in
      let lo = blocks.lowerBound * 8, hi = min(n, blocks.upperBound * 8)
      var i = lo
      while i + 8 <= hi {
        store8(load8(dX, i) + masked8(load8(dOut, i) * s, base + i), dX, i)
        i += 8
      }
      while i < hi {
        if keeps(base + i) { dX[i] += dOut[i] * s }
        i += 1
      }
    }
  }
}

extension Tape {
  /// The dropout of a fused op: nil when `p` is 0 (inference, parity tests), else a fresh mask
  /// seed; `offset` as in `Dropout`.
  public func dropout(p: Float, offset: Int = 0) -> Dropout? {
    p > 0 ? Dropout(p: p, seed: nextDropoutSeed(), offset: offset) : nil
  }

  /// Standalone dropout; p = 0 returns `x` itself.
  public func dropout(_ x: Variable, p: Float) -> Variable {
    guard let d = dropout(p: p) else { return x }
    let n = count(x)
    let out = output(shape: shape(x), from: [x], overwritten: true)
    d.apply(from: value(x), to: value(out), count: n)
    record("dropout", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      d.backward(dX: dX, dOut: tape.upstream(out)!, count: n)
    }
    return out
  }
}
