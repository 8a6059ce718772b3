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

/// With n = (x − mean)·rstd and dn = dOut·weight (llm.c's three-term form):
///   dX += (dn − mean(dn) − n·mean(dn·n)) · rstd;   dWeight += Σ_t dOut·n;   dBias += Σ_t dOut.
/// n is recomputed from x, mean and rstd rather than stored.
public func layerNormBackward(
  dX: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
  dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
  mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows T: Int, width C: Int
) {
  if let dX {
    parallelFor(T, minChunk: 16) { range in
      for t in range {
        let xr = x + t * C, g = dOut + t * C, dx = dX + t * C
        let m = mean[t], s = rstd[t]
        var dnMean: Float = 0, dnNormMean: Float = 0
        for i in 0..<C {
          let dn = g[i] * weight[i]
          dnMean += dn
          dnNormMean += dn * (xr[i] - m) * s
        }
        dnMean /= Float(C)
        dnNormMean /= Float(C)
        for i in 0..<C {
          let n = (xr[i] - m) * s
          dx[i] += (g[i] * weight[i] - dnMean - n * dnNormMean) * s
        }
      }
    }
  }
  if dWeight != nil || dBias != nil {
    // column sums: each worker owns a block of columns, so no two write the same gradient
    parallelFor(C, minChunk: 64) { cols in
      for t in 0..<T {
        let xr = x + t * C, g = dOut + t * C
        let m = mean[t], s = rstd[t]
        for i in cols {
          dWeight?[i] += g[i] * (xr[i] - m) * s
          dBias?[i] += g[i]
        }
      }
    }
  }
}

extension Tape {
  /// out = dropout(LayerNorm(x)) over the last dimension. Keeps x (the input value) and the
  /// per-row mean and rstd for backward.
  public func layerNorm(_ x: Variable, weight: Variable, bias: Variable, eps: Float, dropout: Dropout? = nil) -> Variable {
    let C = count(weight)
    precondition(shape(x).last == C && count(bias) == C, "layerNorm: input \(shape(x)) with weight \(shape(weight))")
    let T = count(x) / C
    let out = output(shape: shape(x), from: [x, weight, bias], overwritten: true)
    let keep = requiresGrad(out)
    let mean = keep ? Tensor(shape: [T]) : nil, rstd = keep ? Tensor(shape: [T]) : nil
    layerNormForward(out: value(out), mean: mean?.data, rstd: rstd?.data, x: value(x), weight: value(weight),
                     bias: value(bias), rows: T, width: C, eps: eps)
    dropout?.apply(value(out), count: T * C)
    record("layerNorm", outputs: [out]) { tape in
      var g = tape.upstream(out)!
      var scratch: Tensor?
      if let dropout {
        let d = Tensor(uninitializedShape: [T, C])
        dropout.apply(from: g, to: d.data, count: T * C)
        g = UnsafePointer(d.data)
        scratch = d
      }
      layerNormBackward(
        dX: tape.gradientBuffer(x), dWeight: tape.gradientBuffer(weight), dBias: tape.gradientBuffer(bias),
        dOut: g, x: tape.value(x), weight: tape.value(weight), mean: mean!.data, rstd: rstd!.data, rows: T, width: C)
      withExtendedLifetime(scratch) {}
    }
    return out
  }
}
