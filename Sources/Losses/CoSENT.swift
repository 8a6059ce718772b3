import Autograd

/// CoSENT (sentence-transformers' CoSENTLoss) for graded pairs: with c_i = cos(a_i, b_i) and
/// gold scores s_i,
///   loss = log(1 + Σ_{(i, j): s_i > s_j} exp(scale · (c_j − c_i))),
/// computed as the cross-entropy of the logits [0, scale·(c_j − c_i) for those pairs] against
/// the 0 entry; pairs not ordered by the gold scores are masked out of the softmax. Both texts
/// of a pair get the query prefix (the data is symmetric).
public struct CoSENT: Objective, Equatable {
  public var scale: Float

  public init(scale: Float) { self.scale = scale }

  public var reads: ModelOutput { .embeddings }
  public var textsPerExample: Int { 2 }

  /// Rows: every pair's first text, then every second text. It ranks every pair against every
  /// other, so each rank computes the whole (small) loss.
  public func batch(_ examples: [LossExample]) throws -> LossBatch {
    var scores: [Float] = []
    for (i, e) in examples.enumerated() {
      guard let s = e.score else { throw LossError.unsuitableExample(objective: "CoSENT", example: i, needs: "scored pairs") }
      scores.append(s)
    }
    let n = examples.count
    let inputs = (0..<n).map { LossInput.text(example: $0, .query, role: .query) }
      + (0..<n).map { LossInput.text(example: $0, .positive, role: .query) }
    let objective = self
    return LossBatch(inputs: inputs, units: n, replicated: true) { tape, e, _ in
      (objective.loss(tape: tape, a: tape.rows(e, 0..<n), b: tape.rows(e, n..<2 * n), scores: scores), [])
    }
  }

  /// a, b: (N, C) embeddings of the pairs; scores: N gold scores.
  public func loss(tape: Tape, a: Variable, b: Variable, scores: [Float]) -> Variable {
    let n = scores.count
    let cos = tape.rowDot(tape.l2Normalize(a), tape.l2Normalize(b))
    let diffs = tape.scale(tape.pairwiseDifferences(cos), by: scale)  // [i, j] = scale·(c_j − c_i)
    var mask = [Bool](repeating: true, count: n * n)
    for i in 0..<n { for j in 0..<n where scores[i] > scores[j] { mask[i * n + j] = false } }
    let logits = tape.concatenate([tape.constant(Tensor(shape: [1])), tape.maskedFill(diffs, mask: mask)])
    return tape.crossEntropy(logits, targets: [0])
  }
}
