import Foundation

/// LayerNorm over the last dimension of packed rows:
/// out = (x − mean) · rstd · weight + bias, rstd = 1 / sqrt(var + eps) (biased variance).
/// Forward saves mean and rstd per row for the backward pass.

/// out, x: (T, C); mean, rstd: (T) or nil; weight, bias: (C). Row sums run in 8 lanes.
public func layerNormForward(
  out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?, rstd: UnsafeMutablePointer<Float>?,
  x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
  rows T: Int, width C: Int, eps: Float
) {
  let C8 = C / 8 * 8
  parallelFor(T, minChunk: 16) { range in
    for t in range {
      let xr = x + t * C
      let orow = out + t * C
      var sum = SIMD8<Float>(), tailSum: Float = 0
      for i in stride(from: 0, to: C8, by: 8) { sum += load8(xr, i) }
      for i in C8..<C { tailSum += xr[i] }
      let m = (laneTotal(sum) + tailSum) / Float(C)
      var sq = SIMD8<Float>(), tailSq: Float = 0
      for i in stride(from: 0, to: C8, by: 8) {
        let d = load8(xr, i) - m
        sq += d * d
      }
      for i in C8..<C { tailSq += (xr[i] - m) * (xr[i] - m) }
      let v = (laneTotal(sq) + tailSq) / Float(C)
      let s = 1 / (v + eps).squareRoot()
      for i in stride(from: 0, to: C8, by: 8) {
        store8((load8(xr, i) - m) * s * load8(weight, i) + load8(bias, i), orow, i)
      }
      for i in C8..<C { orow[i] = (xr[i] - m) * s * weight[i] + bias[i] }
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
  let C8 = C / 8 * 8
  if let dX {
    parallelFor(T, minChunk: 16) { range in
      for t in range {
        let xr = x + t * C, g = dOut + t * C, dx = dX + t * C
        let m = mean[t], s = rstd[t]
        var dnSum = SIMD8<Float>(), dnNormSum = SIMD8<Float>(), tailDn: Float = 0, tailDnNorm: Float = 0
        for i in stride(from: 0, to: C8, by: 8) {
          let dn = load8(g, i) * load8(weight, i)
          dnSum += dn
          dnNormSum += dn * (load8(xr, i) - m) * s
        }
        for i in C8..<C {
          let dn = g[i] * weight[i]
          tailDn += dn
          tailDnNorm += dn * (xr[i] - m) * s
        }
        let dnMean = (laneTotal(dnSum) + tailDn) / Float(C)
        let dnNormMean = (laneTotal(dnNormSum) + tailDnNorm) / Float(C)
        for i in stride(from: 0, to: C8, by: 8) {
          let n = (load8(xr, i) - m) * s
          store8(load8(dx, i) + (load8(g, i) * load8(weight, i) - dnMean - n * dnNormMean) * s, dx, i)
        }
        for i in C8..<C {
          let n = (xr[i] - m) * s
          dx[i] += (g[i] * weight[i] - dnMean - n * dnNormMean) * s
        }
      }
    }
  }
  if let dWeight {
    addColumnSums(into: dWeight, rows: T, width: C) { t, i in
      load8(dOut, t * C + i) * (load8(x, t * C + i) - mean[t]) * rstd[t]
    } tail: { t, i in
      dOut[t * C + i] * (x[t * C + i] - mean[t]) * rstd[t]
    }
  }
  if let dBias { addColumnSums(into: dBias, of: dOut, rows: T, width: C) }
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
