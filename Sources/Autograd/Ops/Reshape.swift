extension Tape {
  /// The same values in another shape (row-major order kept).  dX += dOut.
  public func reshape(_ x: Variable, to newShape: [Int]) -> Variable {
    let n = count(x)
    precondition(newShape.reduce(1, *) == n, "reshape: \(shape(x)) has \(n) values, not \(newShape)")
    let out = output(shape: newShape, from: [x])
    value(out).update(from: value(x), count: n)
    record("reshape", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      let g = tape.upstream(out)!
      for i in 0..<n { dX[i] += g[i] }
    }
    return out
  }
}
