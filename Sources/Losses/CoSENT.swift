import Autograd

/// CoSENT (sentence-transformers' CoSENTLoss) for graded pairs: with c_i = cos(a_i, b_i) and
/// gold scores s_i,
///   loss = log(1 + Σ_{(i, j): s_i > s_j} exp(scale · (c_j − c_i))),
/// computed as the cross-entropy of the logits [0, scale·(c_j − c_i) for those pairs] against
/// the 0 entry; pairs not ordered by the gold scores are masked out of the softmax.
public struct CoSENT: Sendable, Equatable {
  public var scale: Float

  public init(scale: Float) { self.scale = scale }

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
