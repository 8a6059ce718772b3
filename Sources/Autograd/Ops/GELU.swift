import Foundation

/// GELU, the exact erf form that BERT/XLM-R use for `hidden_act: gelu`:
/// gelu(x) = 0.5 · x · (1 + erf(x / √2)). Not the tanh approximation.
///
/// erf is evaluated 8 lanes at a time with the rational approximation Eigen and XLA use for
/// float (clamped to [−4, 4], where erf is ±1 in float); it agrees with libm's erff to a few
/// 1e-7 (tested).

@inline(__always)
func erfApproximation(_ v: SIMD8<Float>) -> SIMD8<Float> {
  var x = v.replacing(with: 4, where: v .> 4)
  x.replace(with: -4, where: x .< -4)
  let x2 = x * x
  var p = x2 * -2.72614225801306e-10 + 2.77068142495902e-08
  p = x2 * p + -2.10102402082508e-06
  p = x2 * p + -5.69250639462346e-05
  p = x2 * p + -7.34990630326855e-04
  p = x2 * p + -2.95459980854025e-03
  p = x2 * p + -1.60960333262415e-02
  p = x * p
  var q = x2 * -1.45660718464996e-05 + -2.13374055278905e-04
  q = x2 * q + -1.68282697438203e-03
  q = x2 * q + -7.37332916720468e-03
  q = x2 * q + -1.42647390514189e-02
  return p / q
}

/// out, x: (n); may alias.
public func geluForward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, count n: Int) {
  parallelFor((n + 7) / 8, minChunk: 512) { range in
    let inputs = UnsafeRawPointer(x)
    let outputs = UnsafeMutableRawPointer(out)
    for block in range {
      let i = block * 8
      if i + 8 <= n {
        let v = inputs.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        let g = 0.5 * v * (1 + erfApproximation(v * 0.707_106_781_186_547_524_40))
        outputs.storeBytes(of: g, toByteOffset: 4 * i, as: SIMD8<Float>.self)
      } else {
        for j in i..<n { out[j] = 0.5 * x[j] * (1 + erff(x[j] * 0.707_106_781_186_547_524_40)) }
      }
    }
  }
}

/// dX += dOut · (0.5·(1 + erf(x/√2)) + x·φ(x)), φ the standard normal density.
public func geluBackward(dX: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, count n: Int) {
  parallelFor(n, minChunk: 4096) { range in
    for i in range {
      let v = x[i]
      let cdf = 0.5 * (1 + erff(v * 0.707_106_781_186_547_524_40))
      let pdf = expf(-0.5 * v * v) * 0.398_942_280_401_432_677_94
      dX[i] += dOut[i] * (cdf + v * pdf)
    }
  }
}

/// g[i] *= gelu'(x[i]): turns the gradient of GELU's output into that of its input, in place.
public func geluBackwardInPlace(_ g: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, count n: Int) {
  parallelFor(n, minChunk: 4096) { range in
    for i in range {
      let v = x[i]
      let cdf = 0.5 * (1 + erff(v * 0.707_106_781_186_547_524_40))
      let pdf = expf(-0.5 * v * v) * 0.398_942_280_401_432_677_94
      g[i] *= cdf + v * pdf
    }
  }
}

extension Tape {
  /// Standalone erf-GELU.
  public func gelu(_ x: Variable) -> Variable {
    let n = count(x)
    let out = output(shape: shape(x), from: [x])
    geluForward(out: value(out), x: value(x), count: n)
    record("gelu", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      geluBackward(dX: dX, dOut: tape.upstream(out)!, x: tape.value(x), count: n)
    }
    return out
  }
}
