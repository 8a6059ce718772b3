extension Tape {
  /// MarginMSE (Hofstätter et al. 2020) over rows of candidate scores whose first entry is the
  /// positive: the mean over present (r, j ≥ 1) of ((s[r,0] − s[r,j]) − (t[r,0] − t[r,j]))², with
  /// `teacher` t constant and `absent[r·W + j]` leaving a candidate out. → a scalar.
  /// dS[r,0] += 2·e·g/n and dS[r,j] −= 2·e·g/n for each pair's error e.
  public func marginMSE(_ student: Variable, teacher t: [Float], absent: [Bool]? = nil) -> Variable {
    let W = shape(student).last!, R = count(student) / W
    precondition(t.count == R * W && (absent?.count ?? R * W) == R * W, "marginMSE: teacher or mask for \(shape(student))")
    let present = { (r: Int, j: Int) in !(absent?[r * W + j] ?? false) }
    let pairs = (0..<R).reduce(0) { n, r in n + (1..<max(W, 1)).filter { present(r, $0) }.count }
    let out = output(shape: [], from: [student])
    let s = value(student)
    var total: Double = 0
    for r in 0..<R {
      for j in 1..<max(W, 1) where present(r, j) {
        let e = Double(s[r * W] - s[r * W + j]) - Double(t[r * W] - t[r * W + j])
        total += e * e
      }
    }
    value(out)[0] = Float(total / Double(max(pairs, 1)))
    record("marginMSE", outputs: [out]) { tape in
      guard let dS = tape.gradientBuffer(student) else { return }
      let g = 2 * tape.upstream(out)![0] / Float(max(pairs, 1))
      let s = tape.value(student)
      for r in 0..<R {
        for j in 1..<max(W, 1) where present(r, j) {
          let e = (s[r * W] - s[r * W + j]) - (t[r * W] - t[r * W + j])
          dS[r * W] += e * g
          dS[r * W + j] -= e * g
        }
      }
    }
    return out
  }
}
