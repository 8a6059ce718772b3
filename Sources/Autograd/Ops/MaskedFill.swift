extension Tape {
  /// x with the elements where `mask` is true replaced by `fill` (−∞ removes a logit from a
  /// softmax).  dX += dOut where the mask is false.
  public func maskedFill(_ x: Variable, mask: [Bool], fill: Float = -.infinity) -> Variable {
    let n = count(x)
    precondition(mask.count == n, "maskedFill: \(mask.count) mask entries for \(n) values")
    let out = output(shape: shape(x), from: [x])
    let xv = value(x), y = value(out)
    for i in 0..<n { y[i] = mask[i] ? fill : xv[i] }
    record("maskedFill", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      let g = tape.upstream(out)!
      for i in 0..<n where !mask[i] { dX[i] += g[i] }
    }
    return out
  }
}
