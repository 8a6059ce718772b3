import Autograd
import Foundation

/// Knowledge distillation from a teacher's scores of each query's candidates (its positive
/// first, then its negatives), on the student's candidate logits (cosine / InfoNCE temperature).
public enum Distillation: Sendable, Equatable {
  /// KL(teacher ‖ student) of the two softmaxes at temperature T, averaged over queries and
  /// multiplied by T² (so its gradients keep their size as T changes):
  ///   T² · mean_r Σ_j p[r,j] (log p[r,j] − log q[r,j]),  p = softmax(t/T), q = softmax(s/T).
  case kl(temperature: Float)
  /// The squared error between the student's and the teacher's positive-minus-negative margins,
  /// averaged over (query, negative) pairs.
  case marginMSE

  /// student (R, W) logits; teacher R·W scores; `absent` marks missing candidates (a query with
  /// fewer negatives), which both sides leave out.
  public func loss(tape: Tape, student: Variable, teacher: [Float], absent: [Bool]? = nil) -> Variable {
    switch self {
    case .kl(let T):
      var z = tape.scale(student, by: 1 / T)
      if let absent { z = tape.maskedFill(z, mask: absent) }
      let W = tape.shape(student).last!
      let p = Self.softmax(teacher.map { $0 / T }, width: W, absent: absent)
      return tape.scale(tape.klDivergence(tape.logSoftmax(z), targetProbs: p), by: T * T)
    case .marginMSE:
      return tape.marginMSE(student, teacher: teacher, absent: absent)
    }
  }

  /// Row-wise softmax over the present entries (absent ones get probability 0).
  public static func softmax(_ x: [Float], width W: Int, absent: [Bool]?) -> [Float] {
    var p = [Float](repeating: 0, count: x.count)
    for r in 0..<(x.count / W) {
      let present = (0..<W).filter { !(absent?[r * W + $0] ?? false) }
      guard let mx = present.map({ x[r * W + $0] }).max() else { continue }
      let total = present.reduce(0.0) { $0 + exp(Double(x[r * W + $1] - mx)) }
      for j in present { p[r * W + j] = Float(exp(Double(x[r * W + j] - mx)) / total) }
    }
    return p
  }
}
