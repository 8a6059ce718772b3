/// Pooling packed token rows into one row per sequence.
///   mean: out[s] = Σ_{t in s} x[t] / max(L_s, 1e-9)      (sentence-transformers' mean pooling)
///   cls:  out[s] = x[first token of s]

public enum PoolingMode: String, Sendable, Codable, CaseIterable {
  case mean
  case cls
}

/// out: (S, C); x: (T, C)
public func poolForward(
  out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, layout: SequenceLayout, width C: Int, mode: PoolingMode
) {
  parallelFor(layout.count) { range in
    for s in range {
      let o = out + s * C
      let start = layout.offsets[s]
      switch mode {
      case .cls:
        o.update(from: x + start * C, count: C)
      case .mean:
        let L = layout.length(s)
        for i in 0..<C { o[i] = 0 }
        for t in start..<start + L {
          let r = x + t * C
          for i in 0..<C { o[i] += r[i] }
        }
        let inv = 1 / max(Float(L), 1e-9)
        for i in 0..<C { o[i] *= inv }
      }
    }
  }
}

/// mean: dX[t] += dOut[s] / max(L_s, 1e-9) for every token t of s;  cls: dX[first of s] += dOut[s].
public func poolBackward(
  dX: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, layout: SequenceLayout, width C: Int, mode: PoolingMode
) {
  parallelFor(layout.count) { range in
    for s in range {
      let g = dOut + s * C
      let start = layout.offsets[s]
      switch mode {
      case .cls:
        let d = dX + start * C
        for i in 0..<C { d[i] += g[i] }
      case .mean:
        let L = layout.length(s)
        let inv = 1 / max(Float(L), 1e-9)
        for t in start..<start + L {
          let d = dX + t * C
          for i in 0..<C { d[i] += g[i] * inv }
        }
      }
    }
  }
}

extension Tape {
  /// One row per sequence (S, C) from packed token rows x (T, C).
  public func pool(_ x: Variable, layout: SequenceLayout, mode: PoolingMode) -> Variable {
    let C = shape(x).last!
    precondition(count(x) == layout.totalTokens * C, "pool: \(shape(x)) for \(layout.totalTokens) tokens")
    let out = output(shape: [layout.count, C], from: [x])
    poolForward(out: value(out), x: value(x), layout: layout, width: C, mode: mode)
    record("pool.\(mode.rawValue)", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      poolBackward(dX: dX, dOut: tape.upstream(out)!, layout: layout, width: C, mode: mode)
    }
    return out
  }
}
