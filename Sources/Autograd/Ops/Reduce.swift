extension Tape {
  /// Σ x over all elements → a scalar.  dX += dOut.
  public func sum(_ x: Variable) -> Variable {
    let n = count(x)
    let out = output(shape: [], from: [x])
    let xv = value(x)
    var total: Double = 0
    for i in 0..<n { total += Double(xv[i]) }
    value(out)[0] = Float(total)
    record("sum", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      let g = tape.upstream(out)![0]
      for i in 0..<n { dX[i] += g }
    }
    return out
  }

  /// The mean of all elements → a scalar.
  public func mean(_ x: Variable) -> Variable { scale(sum(x), by: 1 / Float(max(count(x), 1))) }
}
