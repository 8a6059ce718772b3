extension Tape {
  /// out = s · x for a constant s (e.g. 1 / temperature).  dX += s · dOut.
  public func scale(_ x: Variable, by s: Float) -> Variable {
    let n = count(x)
    let out = output(shape: shape(x), from: [x])
    let xv = value(x), y = value(out)
    for i in 0..<n { y[i] = s * xv[i] }
    record("scale", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      let g = tape.upstream(out)!
      for i in 0..<n { dX[i] += s * g[i] }
    }
    return out
  }
}
