/// The leading columns of a matrix, copied: out = x[:, 0..<width] (a Matryoshka truncation of
/// embeddings). Backward adds dOut into those columns of dX.

/// out: (rows, width); x: (rows, stride)
public func columnsForward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) {
  for r in 0..<rows { (out + r * width).update(from: x + r * stride, count: width) }
}

/// dX[:, 0..<width] += dOut
public func columnsBackward(dX: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) {
  for r in 0..<rows {
    let d = dX + r * stride, g = dOut + r * width
    for c in 0..<width { d[c] += g[c] }
  }
}

extension Tape {
  /// The first `width` columns of x (R, C) as a new (R, width) value; 1 ≤ width ≤ C.
  public func leadingColumns(_ x: Variable, _ width: Int) -> Variable {
    let s = shape(x)
    precondition(s.count == 2 && width >= 1 && width <= s[1], "\(width) leading columns of a value of shape \(s)")
    let rows = s[0], stride = s[1]
    let out = output(shape: [rows, width], from: [x])
    columnsForward(out: value(out), x: value(x), rows: rows, width: width, stride: stride)
    record("leadingColumns", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      columnsBackward(dX: dX, dOut: tape.upstream(out)!, rows: rows, width: width, stride: stride)
    }
    return out
  }
}
