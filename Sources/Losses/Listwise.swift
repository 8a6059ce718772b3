import Autograd

/// A cross-encoder's listwise loss (sentence-transformers' CrossEntropyLoss for rerankers): per
/// query, the cross-entropy of the logits of [positive, first `hardNegatives` negatives…] with
/// the positive as the target, averaged over queries; a query short of negatives leaves the
/// missing ones out of its softmax.
public struct Listwise: Objective, Equatable {
  public var hardNegatives: Int

  public init(hardNegatives: Int) { self.hardNegatives = hardNegatives }

  public var reads: ModelOutput { .logits }
  public var textsPerExample: Int { 2 * (1 + hardNegatives) }  // pairs are two texts long

  /// Rows: every pair's logit; units: the queries' groups, every rank computing the whole loss.
  /// Accuracy: the share of groups whose positive scores above all their negatives.
  public func batch(_ examples: [LossExample]) throws -> LossBatch {
    let pairs = CrossEncoderPairs(examples, negatives: hardNegatives, maxScore: 1)
    let W = 1 + hardNegatives, R = pairs.groups.count, P = pairs.inputs.count
    var columns = [Int](repeating: 0, count: R * W), absent = [Bool](repeating: true, count: R * W)
    for (r, g) in pairs.groups.enumerated() {
      for (j, p) in g.enumerated() {
        columns[r * W + j] = p
        absent[r * W + j] = false
      }
      for j in g.count..<W { columns[r * W + j] = g[0] }
    }
    return LossBatch(
      inputs: pairs.inputs, units: R, replicated: true,
      loss: { tape, logits, _ in
        let flat = tape.reshape(logits, to: [1, P])
        let grouped = tape.maskedFill(tape.reshape(tape.gather(flat, columns: columns, width: R * W), to: [R, W]), mask: absent)
        let g = tape.array(grouped)
        let correct = (0..<R).filter { r in (1..<W).allSatisfy { g[r * W + $0] < g[r * W] } }.count
        return (tape.crossEntropy(grouped, targets: [Int](repeating: 0, count: R)), [Double(correct)])
      },
      metrics: { sums in LossMetrics(accuracy: Float(sums[0]) / Float(max(R, 1))) })
  }
}
