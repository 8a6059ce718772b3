import Foundation

extension Tape {
  /// mean_i [max(x_i, 0) − x_i·y_i + log(1 + e^(−|x_i|))]: binary cross-entropy of logits x
  /// against targets y ∈ [0, 1] (torch's BCEWithLogitsLoss), stable for any x. → a scalar.
  /// dX += (σ(x) − y) · dOut / n.
  public func binaryCrossEntropy(logits x: Variable, targets y: [Float]) -> Variable {
    let n = count(x)
    precondition(y.count == n, "binaryCrossEntropy: \(y.count) targets for \(n) logits")
    let out = output(shape: [], from: [x])
    let xv = value(x)
    var total: Double = 0
    for i in 0..<n {
      let v = Double(xv[i])
      total += max(v, 0) - v * Double(y[i]) + log1p(exp(-abs(v)))
    }
    value(out)[0] = Float(total / Double(max(n, 1)))
    record("binaryCrossEntropy", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      let g = tape.upstream(out)![0] / Float(max(n, 1))
      let xv = tape.value(x)
      for i in 0..<n { dX[i] += (1 / (1 + exp(-xv[i])) - y[i]) * g }
    }
    return out
  }
}
