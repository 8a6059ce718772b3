/// Residual connection: out = a + b, elementwise. (Inside the encoder it is fused into the linear
/// op that precedes it; this is the standalone op.)

/// out, a, b: (n); out may alias a or b.
public func residualForward(out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, count n: Int) {
  parallelFor(n, minChunk: 8192) { range in
    for i in range { out[i] = a[i] + b[i] }
  }
}

/// dX += dOut (the gradient of either summand).
public func residualBackward(dX: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, count n: Int) {
  parallelFor(n, minChunk: 8192) { range in
    for i in range { dX[i] += dOut[i] }
  }
}

extension Tape {
  /// a + b, same shapes.
  public func add(_ a: Variable, _ b: Variable) -> Variable {
    precondition(shape(a) == shape(b), "add: shapes \(shape(a)) and \(shape(b)) differ")
    let n = count(a)
    let out = output(shape: shape(a), from: [a, b], overwritten: true)
    residualForward(out: value(out), a: value(a), b: value(b), count: n)
    record("add", outputs: [out]) { tape in
      let g = tape.upstream(out)!
      if let dA = tape.gradientBuffer(a) { residualBackward(dX: dA, dOut: g, count: n) }
      if let dB = tape.gradientBuffer(b) { residualBackward(dX: dB, dOut: g, count: n) }
    }
    return out
  }
}
