import Autograd

/// InfoNCE (sentence-transformers' MultipleNegativesRankingLoss): for query i,
///   scores_i = cos(q_i, candidates) / temperature,   loss = mean_i −log softmax(scores_i)[positive_i],
/// the candidates being every positive and hard negative of the batch (in-batch negatives).
/// Candidates masked for a query (e.g. a text equal to its own positive) are left out of its
/// softmax.
public struct InfoNCE: Sendable, Equatable {
  public var temperature: Float

  public init(temperature: Float) {
    precondition(temperature > 0, "InfoNCE temperature must be positive")
    self.temperature = temperature
  }

  /// queries (N, C), candidates (M, C); positives[i] is the candidate row of query i's positive;
  /// mask (N·M, row-major) marks candidates excluded for a query.
  public func loss(tape: Tape, queries: Variable, candidates: Variable, positives: [Int], mask: [Bool]? = nil) -> Variable {
    var logits = tape.scale(tape.cosineSimilarityMatrix(queries, candidates), by: 1 / temperature)
    if let mask { logits = tape.maskedFill(logits, mask: mask) }
    return tape.crossEntropy(logits, targets: positives)
  }

  /// The mask for queries whose positives are `positives[i]` (candidate i) among `candidates`:
  /// a candidate with the text of query i's own positive, other than that positive itself, is
  /// not a negative for query i (it slipped through as a duplicate). Row-major (N, M).
  public static func duplicatePositiveMask(positives: [String], candidates: [String]) -> [Bool] {
    let n = positives.count, m = candidates.count
    var mask = [Bool](repeating: false, count: n * m)
    for i in 0..<n { for j in 0..<m where j != i && candidates[j] == positives[i] { mask[i * m + j] = true } }
    return mask
  }
}
