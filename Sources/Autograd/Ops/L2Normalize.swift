/// Row-wise L2 normalization: out[r] = x[r] / max(‖x[r]‖₂, 1e-12) (torch.nn.functional.normalize).

/// out, x: (R, C); may alias. norms: (R) or nil, saved for backward.
public func l2NormalizeForward(
  out: UnsafeMutablePointer<Float>, norms: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>, rows R: Int, width C: Int
) {
  parallelFor(R, minChunk: 64) { range in
    for r in range {
      let xr = x + r * C
      var ss: Float = 0
      for i in 0..<C { ss += xr[i] * xr[i] }
      let n = max(ss.squareRoot(), 1e-12)
      norms?[r] = n
      let inv = 1 / n
      let o = out + r * C
      for i in 0..<C { o[i] = xr[i] * inv }
    }
  }
}

/// With y = x / n:  dX += (dOut − y·(y · dOut)) / n; where the norm was clamped (n = 1e-12),
/// y = x / 1e-12 is linear in x and dX += dOut / 1e-12, as in PyTorch.
public func l2NormalizeBackward(
  dX: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, y: UnsafePointer<Float>, norms: UnsafePointer<Float>,
  x: UnsafePointer<Float>, rows R: Int, width C: Int
) {
  parallelFor(R, minChunk: 64) { range in
    for r in range {
      let g = dOut + r * C, yr = y + r * C, d = dX + r * C, xr = x + r * C
      let inv = 1 / norms[r]
      var ss: Float = 0
      for i in 0..<C { ss += xr[i] * xr[i] }
      if ss.squareRoot() <= 1e-12 {
        for i in 0..<C { d[i] += g[i] * inv }
        continue
      }
      var dot: Float = 0
      for i in 0..<C { dot += yr[i] * g[i] }
      for i in 0..<C { d[i] += (g[i] - yr[i] * dot) * inv }
    }
  }
}

extension Tape {
  /// Rows of x scaled to unit L2 norm. Keeps the output and the norms.
  public func l2Normalize(_ x: Variable) -> Variable {
    let C = shape(x).last!, R = count(x) / C
    let out = output(shape: shape(x), from: [x])
    let norms = Tensor(shape: [R])
    l2NormalizeForward(out: value(out), norms: norms.data, x: value(x), rows: R, width: C)
    record("l2Normalize", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      l2NormalizeBackward(dX: dX, dOut: tape.upstream(out)!, y: tape.value(out), norms: norms.data, x: tape.value(x),
                          rows: R, width: C)
    }
    return out
  }
}
