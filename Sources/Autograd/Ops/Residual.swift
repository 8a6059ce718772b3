/// Residual connection: out = a + b, elementwise.

/// out, a, b: (n); out may alias a or b.
public func residualForward(out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, count n: Int) {
  parallelFor(n, minChunk: 8192) { range in
    for i in range { out[i] = a[i] + b[i] }
  }
}
