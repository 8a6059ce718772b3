/// Inverted dropout: out[i] = x[i] · keep(i) / (1 − p), keep(i) ∈ {0, 1} with P(keep) = 1 − p.
///
/// The mask is never stored: keep(i) is a hash of (seed, i), so backward regenerates exactly the
/// mask forward used, and a resumed run replays it from the seed. Fused ops (linear, LayerNorm,
/// attention) take a `Dropout` and apply the same mask function to their own outputs.

/// Dropout with probability `p` and the seed of one mask.
public struct Dropout: Sendable, Equatable {
  public let p: Float
  public let seed: UInt64

  public init(p: Float, seed: UInt64) {
    precondition(p >= 0 && p < 1, "dropout probability \(p) is outside [0, 1)")
    self.p = p
    self.seed = seed
  }

  /// Whether element `i` is kept.
  @inline(__always)
  public func keeps(_ i: Int) -> Bool {
    var z = seed &+ UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return (z >> 40) >= threshold
  }

  /// 24 random bits are kept when at least p·2²⁴ (exact for p a multiple of 2⁻²⁴).
  @inline(__always)
  private var threshold: UInt64 { UInt64(p * 16_777_216) }

  /// 1 / (1 − p), the scale of kept elements.
  public var scale: Float { 1 / (1 - p) }

  /// x[i] *= keep(base + i) / (1 − p) for i in 0..<n.
  public func apply(_ x: UnsafeMutablePointer<Float>, count n: Int, base: Int = 0) {
    let s = scale
    parallelFor(n, minChunk: 8192) { range in
      for i in range { x[i] = keeps(base + i) ? x[i] * s : 0 }
    }
  }

  /// y[i] = x[i] · keep(base + i) / (1 − p): the masked copy (forward, or a fresh gradient).
  public func apply(from x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count n: Int, base: Int = 0) {
    let s = scale
    parallelFor(n, minChunk: 8192) { range in
      for i in range { y[i] = keeps(base + i) ? x[i] * s : 0 }
    }
  }

  /// dX[i] += dOut[i] · keep(base + i) / (1 − p).
  public func backward(dX: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, count n: Int, base: Int = 0) {
    let s = scale
    parallelFor(n, minChunk: 8192) { range in
      for i in range where keeps(base + i) { dX[i] += dOut[i] * s }
    }
  }
}

extension Tape {
  /// The dropout of a fused op: nil when `p` is 0 (inference, parity tests), else a fresh mask seed.
  public func dropout(p: Float) -> Dropout? { p > 0 ? Dropout(p: p, seed: nextDropoutSeed()) : nil }

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
