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
    for block in range {
      let i = block * 8
      if i + 8 <= n {
        let v = load8(x, i)
        store8(0.5 * v * (1 + erfApproximation(v * 0.707_106_781_186_547_524_40)), out, i)
      } else {
        for j in i..<n { out[j] = 0.5 * x[j] * (1 + erff(x[j] * 0.707_106_781_186_547_524_40)) }
      }
    }
  }
}

/// out = gelu(x) and slope = gelu'(x) in one pass (x and out may alias; slope may not): a
/// training forward keeps the slope instead of the pre-activation, so backward is one multiply
/// per element and erf is evaluated once. The same arithmetic as `geluForward` and
/// `geluBackward`, so the same bits.
public func geluForward(
  out: UnsafeMutablePointer<Float>, slope: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, count n: Int
) {
  parallelFor((n + 7) / 8, minChunk: 512) { range in
    for block in range {
      let i = block * 8
      if i + 8 <= n {
        let v = load8(x, i)
        let e = erfApproximation(v * 0.707_106_781_186_547_524_40)
        let pdf = expNonPositive(-0.5 * v * v) * 0.398_942_280_401_432_677_94
        store8(0.5 * (1 + e) + v * pdf, slope, i)
        store8(0.5 * v * (1 + e), out, i)
      } else {
        for j in i..<n {
          let v = x[j]
          slope[j] = geluDerivative(v)
          out[j] = 0.5 * v * (1 + erff(v * 0.707_106_781_186_547_524_40))
        }
      }
    }
  }
}

/// d[i] = dOut[i] · slope[i] (d may be dOut): GELU's backward from the slope its forward kept.
public func geluBackward(into d: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, slope: UnsafePointer<Float>, count n: Int) {
  parallelFor((n + 7) / 8, minChunk: 1024) { range in
    let lo = range.lowerBound * 8, hi = min(n, range.upperBound * 8)
    var i = lo
    while i + 8 <= hi {
      store8(load8(dOut, i) * load8(slope, i), d, i)
      i += 8
    }
    while i < hi {
      d[i] = dOut[i] * slope[i]
      i += 1
    }
  }
}

/// gelu'(x) = Φ(x) + x·φ(x), 8 lanes at a time.
@inline(__always)
func geluDerivative(_ x: SIMD8<Float>) -> SIMD8<Float> {
  let cdf = 0.5 * (1 + erfApproximation(x * 0.707_106_781_186_547_524_40))
  let pdf = expNonPositive(-0.5 * x * x) * 0.398_942_280_401_432_677_94
  return cdf + x * pdf
}

@inline(__always)
func geluDerivative(_ x: Float) -> Float {
  let cdf = 0.5 * (1 + erff(x * 0.707_106_781_186_547_524_40))
  return cdf + x * expf(-0.5 * x * x) * 0.398_942_280_401_432_677_94
}

/// dX += dOut · (0.5·(1 + erf(x/√2)) + x·φ(x)), φ the standard normal density.
public func geluBackward(dX: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, count n: Int) {
  geluBackwardBlocks(count: n) { i in
    store8(load8(dX, i) + load8(dOut, i) * geluDerivative(load8(x, i)), dX, i)
  } tail: { j in
    dX[j] += dOut[j] * geluDerivative(x[j])
  }
}

@inline(__always)
private func geluBackwardBlocks(count n: Int, block: (Int) -> Void, tail: (Int) -> Void) {
  parallelFor((n + 7) / 8, minChunk: 512) { range in
    for b in range {
      let i = b * 8
      if i + 8 <= n { block(i) } else { for j in i..<n { tail(j) } }
    }
  }
}

extension Tape {
  /// Standalone erf-GELU.
  public func gelu(_ x: Variable) -> Variable {
    let n = count(x)
    let out = output(shape: shape(x), from: [x], overwritten: true)
    geluForward(out: value(out), x: value(x), count: n)
    record("gelu", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      geluBackward(dX: dX, dOut: tape.upstream(out)!, x: tape.value(x), count: n)
    }
    return out
  }
}
