import Foundation

/// GELU, the exact erf form that BERT/XLM-R use for `hidden_act: gelu`:
/// gelu(x) = 0.5 · x · (1 + erf(x / √2)). Not the tanh approximation.

/// out, x: (n); may alias.
public func geluForward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, count n: Int) {
  parallelFor(n, minChunk: 4096) { range in
    for i in range {
      let v = x[i]
      out[i] = 0.5 * v * (1 + erff(v * 0.707_106_781_186_547_524_40))
    }
  }
}
