import Foundation

extension Tape {
  /// y = tanh(x), elementwise. Keeps its output.  dX += dOut · (1 − y²).
  public func tanh(_ x: Variable) -> Variable {
    let n = count(x)
    let out = output(shape: shape(x), from: [x])
    let xv = value(x), y = value(out)
    for i in 0..<n { y[i] = Foundation.tanh(xv[i]) }
    record("tanh", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      let g = tape.upstream(out)!, y = tape.value(out)
      for i in 0..<n { dX[i] += g[i] * (1 - y[i] * y[i]) }
    }
    return out
  }
}
