import Foundation

/// LayerNorm over the last dimension of packed rows:
/// out = (x − mean) · rstd · weight + bias, rstd = 1 / sqrt(var + eps) (biased variance).
/// Forward saves mean and rstd per row for the backward pass.

/// out, x: (T, C); mean, rstd: (T) or nil; weight, bias: (C)
public func layerNormForward(
  out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?, rstd: UnsafeMutablePointer<Float>?,
  x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
  rows T: Int, width C: Int, eps: Float
) {
  parallelFor(T, minChunk: 16) { range in
    for t in range {
      let xr = x + t * C
      let orow = out + t * C
      var m: Float = 0
      for i in 0..<C { m += xr[i] }
      m /= Float(C)
      var v: Float = 0
      for i in 0..<C {
        let d = xr[i] - m
        v += d * d
      }
      v /= Float(C)
      let s = 1 / (v + eps).squareRoot()
      for i in 0..<C { orow[i] = (xr[i] - m) * s * weight[i] + bias[i] }
      mean?[t] = m
      rstd?[t] = s
    }
  }
}
