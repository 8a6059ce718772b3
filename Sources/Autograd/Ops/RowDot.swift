extension Tape {
  /// Row-wise dot products of a (N, C) and b (N, C) → (N).  dA[r] += dOut[r]·b[r];  dB[r] += dOut[r]·a[r].
  /// With L2-normalized rows these are the cosine similarities of pairs.
  public func rowDot(_ a: Variable, _ b: Variable) -> Variable {
    precondition(shape(a) == shape(b) && shape(a).count == 2, "rowDot: shapes \(shape(a)) and \(shape(b))")
    let N = shape(a)[0], C = shape(a)[1]
    let out = output(shape: [N], from: [a, b], overwritten: true)
    let av = value(a), bv = value(b), y = value(out)
    for r in 0..<N {
      var s: Float = 0
      for i in 0..<C { s += av[r * C + i] * bv[r * C + i] }
      y[r] = s
    }
    record("rowDot", outputs: [out]) { tape in
      let g = tape.upstream(out)!, av = tape.value(a), bv = tape.value(b)
      if let dA = tape.gradientBuffer(a) { for r in 0..<N { for i in 0..<C { dA[r * C + i] += g[r] * bv[r * C + i] } } }
      if let dB = tape.gradientBuffer(b) { for r in 0..<N { for i in 0..<C { dB[r * C + i] += g[r] * av[r * C + i] } } }
    }
    return out
  }
}
