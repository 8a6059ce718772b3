import TextFiles

/// A graded sentence pair (KorSTS): for CoSENT training and for STS evaluation.
public struct ScoredPair: Sendable, Equatable {
  public var first: String
  public var second: String
  public var score: Float
  public init(first: String, second: String, score: Float) {
    self.first = first
    self.second = second
    self.score = score
  }
}

public enum STSPairs {
  /// KorSTS-style TSV with a header row naming the columns sentence1, sentence2 and score
  /// (others are ignored). A score that is not a number is an error naming its line.
  public static func read(path: String) throws -> [ScoredPair] {
    let rows = try TextLines.readTSV(path: path, required: ["sentence1", "sentence2", "score"])
    return try rows.map { row in
      guard let s = Float(row.fields["score"]!), s.isFinite else {
        throw EvaluationError.badLine(path: path, line: row.line, detail: "score '\(row.fields["score"]!)' is not a number")
      }
      return ScoredPair(first: row.fields["sentence1"]!, second: row.fields["sentence2"]!, score: s)
    }
  }

  /// An STS evaluation set: `read`, then the first `limit` pairs (nil: all). Fewer than two
  /// pairs are refused, naming the file and the count: its metrics are correlations.
  public static func readEvaluationSet(path: String, limit: Int? = nil) throws -> [ScoredPair] {
    let all = try read(path: path)
    let pairs = Array(all.prefix(max(limit ?? .max, 0)))
    guard pairs.count >= 2 else {
      let count = "\(pairs.count) sentence pair" + (pairs.count == 1 ? "" : "s")
      let limited = limit.map { all.count > $0 ? " (limit \($0))" : "" } ?? ""
      throw EvaluationError.tooSmall(path: path, detail: "\(count)\(limited); an STS evaluation needs at least 2 (a correlation)")
    }
    return pairs
  }
}

