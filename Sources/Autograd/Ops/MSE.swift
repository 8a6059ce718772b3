extension Tape {
  /// mean((a − b)²) over all elements → a scalar.  dA += 2(a − b)·dOut/n;  dB −= the same.
  public func mse(_ a: Variable, _ b: Variable) -> Variable {
    precondition(shape(a) == shape(b), "mse: shapes \(shape(a)) and \(shape(b)) differ")
    let n = count(a)
    let out = output(shape: [], from: [a, b])
    let av = value(a), bv = value(b)
    var total: Double = 0
    for i in 0..<n {
      let d = Double(av[i]) - Double(bv[i])
      total += d * d
    }
    value(out)[0] = Float(total / Double(max(n, 1)))
    record("mse", outputs: [out]) { tape in
      let g = 2 * tape.upstream(out)![0] / Float(max(n, 1))
      let av = tape.value(a), bv = tape.value(b)
      if let dA = tape.gradientBuffer(a) { for i in 0..<n { dA[i] += (av[i] - bv[i]) * g } }
      if let dB = tape.gradientBuffer(b) { for i in 0..<n { dB[i] -= (av[i] - bv[i]) * g } }
    }
    return out
  }
}
