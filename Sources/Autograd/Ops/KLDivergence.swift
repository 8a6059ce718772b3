import Foundation

extension Tape {
  /// KL(p ‖ q) averaged over rows ("batchmean"): Σ_r Σ_j p[r,j] (log p[r,j] − logQ[r,j]) / R, with
  /// `targetProbs` p (R, W) a constant distribution (a teacher's softmax) and `logQ` the student's
  /// log-softmax. Terms with p = 0 contribute 0.  dLogQ −= p · dOut / R.
  public func klDivergence(_ logQ: Variable, targetProbs p: [Float]) -> Variable {
    let W = shape(logQ).last!, R = count(logQ) / W
    precondition(p.count == R * W, "klDivergence: \(p.count) target probabilities for \(shape(logQ))")
    let out = output(shape: [], from: [logQ])
    let lq = value(logQ)
    var total: Double = 0
    for i in 0..<(R * W) where p[i] > 0 { total += Double(p[i]) * (log(Double(p[i])) - Double(lq[i])) }
    value(out)[0] = Float(total / Double(R))
    record("klDivergence", outputs: [out]) { tape in
      guard let d = tape.gradientBuffer(logQ) else { return }
      let g = tape.upstream(out)![0] / Float(R)
      for i in 0..<(R * W) { d[i] -= p[i] * g }
    }
    return out
  }
}
