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
