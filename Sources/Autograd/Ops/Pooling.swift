/// Pooling packed token rows into one row per sequence.
///   mean: out[s] = Σ_{t in s} x[t] / max(L_s, 1e-9)      (sentence-transformers' mean pooling)
///   cls:  out[s] = x[first token of s]
///   max:  out[s][i] = max_{t in s} x[t][i]                 (sentence-transformers' max pooling; the
///         gradient goes to the first token holding the maximum; an empty sequence gives 0)

public enum PoolingMode: String, Sendable, Codable, CaseIterable {
  case mean
  case cls
  case max
}

/// out: (S, C); x: (T, C); argmax (S, C), for max pooling only: the token row of each maximum
/// (nil: not kept).
public func poolForward(
  out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, layout: SequenceLayout, width C: Int, mode: PoolingMode,
  argmax: UnsafeMutablePointer<Int32>? = nil
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
      case .max:
        let L = layout.length(s)
        for i in 0..<C {
          var best = L > 0 ? x[start * C + i] : 0, at = start
          for t in start..<start + L where x[t * C + i] > best {
            best = x[t * C + i]
            at = t
          }
          o[i] = best
          argmax?[s * C + i] = Int32(at)
        }
      }
    }
  }
}

/// mean: dX[t] += dOut[s] / max(L_s, 1e-9) for every token t of s;  cls: dX[first of s] += dOut[s];
/// max: dX[argmax[s][i]][i] += dOut[s][i] (argmax from the forward pass).
public func poolBackward(
  dX: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, layout: SequenceLayout, width C: Int, mode: PoolingMode,
  argmax: UnsafePointer<Int32>? = nil
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
      case .max:
        guard layout.length(s) > 0, let argmax else { continue }
        for i in 0..<C { dX[Int(argmax[s * C + i]) * C + i] += g[i] }
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
    var argmax = [Int32](repeating: 0, count: mode == .max ? layout.count * C : 0)
    argmax.withUnsafeMutableBufferPointer { a in
      poolForward(out: value(out), x: value(x), layout: layout, width: C, mode: mode, argmax: mode == .max ? a.baseAddress : nil)
    }
    record("pool.\(mode.rawValue)", outputs: [out]) { [argmax] tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      argmax.withUnsafeBufferPointer { a in
        poolBackward(dX: dX, dOut: tape.upstream(out)!, layout: layout, width: C, mode: mode, argmax: mode == .max ? a.baseAddress : nil)
      }
    }
    return out
  }
}
