/// A block of consecutive rows of a matrix, copied: out = x[rows]. Backward adds dOut into
/// those rows of dX.

/// out: (rows.count, width); x: (R, width)
public func rowsForward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, rows: Range<Int>, width: Int) {
  out.update(from: x + rows.lowerBound * width, count: rows.count * width)
}

/// dX[rows] += dOut
public func rowsBackward(dX: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, rows: Range<Int>, width: Int) {
  let d = dX + rows.lowerBound * width
  parallelFor(rows.count * width, minChunk: 8192) { range in
    for i in range { d[i] += dOut[i] }
  }
}

extension Tape {
  /// Rows `rows` of x (R, C, ...) as a new value.
  public func rows(_ x: Variable, _ rows: Range<Int>) -> Variable {
    let s = shape(x)
    precondition(rows.lowerBound >= 0 && rows.upperBound <= s[0], "rows \(rows) of a value of shape \(s)")
    let width = count(x) / max(s[0], 1)
    let out = output(shape: [rows.count] + s.dropFirst(), from: [x])
    rowsForward(out: value(out), x: value(x), rows: rows, width: width)
    record("rows", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      rowsBackward(dX: dX, dOut: tape.upstream(out)!, rows: rows, width: width)
    }
    return out
  }
}
