import Autograd

/// A query with several positives (or teacher scores from its file): InfoNCE trains on one
/// positive per epoch, `drawn`, chosen by `TrainingExample.drawingPositive(seed:)`, as
/// FlagEmbedding and tevatron do. No negative of the group equals one of its positives (they
/// are dropped when the data is read), and in a batch a candidate with the text of any of its
/// positives is masked out of the query's softmax.
public struct QueryGroup: Sendable, Equatable {
  public var query: String
  public var positives: [String]
  public var negatives: [String]
  /// A teacher's scores of each positive and each negative (FlagEmbedding's pos_scores and
  /// neg_scores), when the stage distills.
  public var positiveScores: [Float]?
  public var negativeScores: [Float]?
  /// The index of the positive the example trains with.
  public var drawn = 0

  public init(query: String, positives: [String], negatives: [String], positiveScores: [Float]? = nil, negativeScores: [Float]? = nil) {
    self.query = query
    self.positives = positives
    self.negatives = negatives
    self.positiveScores = positiveScores
    self.negativeScores = negativeScores
  }

  /// The teacher's scores of [drawn positive, negatives…], nil without scores.
  var teacher: [Float]? {
    guard let p = positiveScores, let n = negativeScores else { return nil }
    return [p[drawn]] + n
  }
}

extension TrainingExample {
  /// The example with its positive for this epoch drawn (groups of several positives; any other
  /// example is returned as it is). `seed` comes from `Seeds.positive`, a function of the run's
  /// seed, the stage, the epoch and the example's index, so a resumed run draws the same.
  public func drawingPositive(seed: UInt64) -> TrainingExample {
    guard case .group(var g) = self, g.positives.count > 1 else { return self }
    var rng = SplitMix64(seed: seed)
    g.drawn = Int(rng.next() % UInt64(g.positives.count))
    return .group(g)
  }
}
