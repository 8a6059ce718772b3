extension Tape {
  /// Rows `rows` of x (R, C, ...) as a new value.  dX[rows] += dOut.
  public func rows(_ x: Variable, _ rows: Range<Int>) -> Variable {
    let s = shape(x)
    precondition(rows.lowerBound >= 0 && rows.upperBound <= s[0], "rows \(rows) of a value of shape \(s)")
    let width = count(x) / max(s[0], 1)
    let out = output(shape: [rows.count] + s.dropFirst(), from: [x])
    let n = rows.count * width, base = rows.lowerBound * width
    value(out).update(from: value(x) + base, count: n)
    record("rows", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      residualBackward(dX: dX + base, dOut: tape.upstream(out)!, count: n)
    }
    return out
  }
}
