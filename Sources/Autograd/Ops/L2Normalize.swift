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
