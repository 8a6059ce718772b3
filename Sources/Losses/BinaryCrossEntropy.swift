import Autograd

/// A cross-encoder's binary cross-entropy (sentence-transformers' BinaryCrossEntropyLoss): the
/// mean over pairs of BCE-with-logits of each pair's logit against its label — a positive 1, a
/// hard negative 0, a graded pair score / maxScore (KorSTS's 0–5 by default).
public struct BinaryCrossEntropy: Objective, Equatable {
  public var maxScore: Float

  public init(maxScore: Float) { self.maxScore = maxScore }

  public var reads: ModelOutput { .logits }
  public var textsPerExample: Int { 2 }

  /// Rows: every pair's logit; units: the pairs, every rank computing the whole loss (the
  /// logits are small). Accuracy: the share of pairs on the side of 0 their label (≥ 0.5) is on.
  public func batch(_ examples: [LossExample]) throws -> LossBatch {
    let pairs = CrossEncoderPairs(examples, negatives: nil, maxScore: maxScore)
    let labels = pairs.labels
    return LossBatch(
      inputs: pairs.inputs, units: labels.count, replicated: true,
      loss: { tape, logits, _ in
        let correct = zip(tape.array(logits), labels).filter { ($0 > 0) == ($1 >= 0.5) }.count
        return (tape.binaryCrossEntropy(logits: logits, targets: labels), [Double(correct)])
      },
      metrics: { sums in LossMetrics(accuracy: Float(sums[0]) / Float(max(labels.count, 1))) })
  }
}
