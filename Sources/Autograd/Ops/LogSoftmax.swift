import Foundation

/// Log-softmax over the last dimension, negative log-likelihood of target classes, and their
/// composition, cross-entropy (InfoNCE is cross-entropy over similarity logits).

/// y[r] = x[r] − logΣexp(x[r]), computed with the row maximum subtracted. Rows of all −∞ are
/// rejected by the caller (a query with no candidate).
public func logSoftmaxForward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, rows R: Int, width W: Int) {
  for r in 0..<R {
    let xr = x + r * W, y = out + r * W
    var mx = -Float.infinity
    for j in 0..<W { mx = max(mx, xr[j]) }
    var s: Double = 0
    for j in 0..<W { s += Double(expf(xr[j] - mx)) }
    let lse = mx + Float(log(s))
    for j in 0..<W { y[j] = xr[j] - lse }
  }
}

/// dX += dOut − softmax · Σ_j dOut (softmax = exp(y), from the saved output).
public func logSoftmaxBackward(dX: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, y: UnsafePointer<Float>, rows R: Int, width W: Int) {
  for r in 0..<R {
    let g = dOut + r * W, yr = y + r * W, d = dX + r * W
    var s: Float = 0
    for j in 0..<W { s += g[j] }
    for j in 0..<W { d[j] += g[j] - expf(yr[j]) * s }
  }
}

extension Tape {
  /// Log-softmax over the last dimension. Keeps its output.
  public func logSoftmax(_ x: Variable) -> Variable {
    let W = shape(x).last!, R = count(x) / W
    let out = output(shape: shape(x), from: [x])
    logSoftmaxForward(out: value(out), x: value(x), rows: R, width: W)
    record("logSoftmax", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      logSoftmaxBackward(dX: dX, dOut: tape.upstream(out)!, y: tape.value(out), rows: R, width: W)
    }
    return out
  }

  /// −mean_r logProbs[r, targets[r]] → a scalar.  dLogProbs[r, t_r] −= dOut / R.
  public func nllLoss(_ logProbs: Variable, targets: [Int]) -> Variable {
    let W = shape(logProbs).last!, R = count(logProbs) / W
    precondition(targets.count == R && targets.allSatisfy { $0 >= 0 && $0 < W }, "nllLoss: targets \(targets) for \(R) rows of \(W)")
    let out = output(shape: [], from: [logProbs])
    let lp = value(logProbs)
    var total: Double = 0
    for r in 0..<R { total -= Double(lp[r * W + targets[r]]) }
    value(out)[0] = Float(total / Double(R))
    record("nllLoss", outputs: [out]) { tape in
      guard let d = tape.gradientBuffer(logProbs) else { return }
      let g = tape.upstream(out)![0] / Float(R)
      for r in 0..<R { d[r * W + targets[r]] -= g }
    }
    return out
  }

  /// Cross-entropy of logits (R, W) against target classes: mean NLL of the log-softmax.
  public func crossEntropy(_ logits: Variable, targets: [Int]) -> Variable {
    nllLoss(logSoftmax(logits), targets: targets)
  }
}
