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
}
