import Foundation

/// What a mining run found and dropped, as printed by `trainer mine` and stored (as JSON) in the
/// data set's `/mined` group.
public struct MiningSummary: Sendable {
  public var selection: NegativeSelection
  public var examples: Int
  public var corpus: Int
  public var queries: Int
  public var positiveScores: [Float] = []
  public var negativeScores: [Float] = []
  /// Hits that were the query, its positive or a negative the example had.
  public var excluded = 0
  /// Hits in the rank window dropped by the margins (likely false negatives).
  public var tooClose = 0
  /// Examples that got fewer negatives than asked, and how many they miss in all.
  public var shortExamples = 0
  public var missing = 0
  public var searchSeconds: Double = 0
  public var seconds: Double = 0

  init(selection: NegativeSelection, examples: Int, corpus: Int, queries: Int) {
    self.selection = selection
    self.examples = examples
    self.corpus = corpus
    self.queries = queries
  }

  mutating func add(_ outcome: NegativeSelection.Outcome, positiveScore: Float) {
    positiveScores.append(positiveScore)
    negativeScores += outcome.scores
    excluded += outcome.excluded
    tooClose += outcome.tooClose
    if outcome.negatives.count < selection.count {
      shortExamples += 1
      missing += selection.count - outcome.negatives.count
    }
  }

  /// min, mean, median and max, or nil when there are none.
  public static func statistics(_ values: [Float]) -> (min: Float, mean: Float, median: Float, max: Float)? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let mean = Float(sorted.reduce(0.0) { $0 + Double($1) } / Double(sorted.count))
    return (sorted.first!, mean, sorted[sorted.count / 2], sorted.last!)
  }

  /// Corpus rows searched per second (all queries against each).
  public var passagesPerSecond: Double { searchSeconds > 0 ? Double(corpus) / searchSeconds : 0 }

  public var lines: [String] {
    func describe(_ v: [Float]) -> String {
      guard let s = Self.statistics(v) else { return "none" }
      return String(format: "min %.4f  mean %.4f  median %.4f  max %.4f", s.min, s.mean, s.median, s.max)
    }
    return [
      "\(examples) examples (\(queries) distinct queries) against \(corpus) texts; "
        + "\(selection.count) negatives each from ranks \(selection.window.lowerBound)-\(selection.window.upperBound)",
      "positive scores: \(describe(positiveScores))",
      "chosen negatives (\(negativeScores.count)): \(describe(negativeScores))",
      "removed: \(excluded) hits that were the query, its positive or a given negative; \(tooClose) within the margin of the positive",
      "\(shortExamples) examples short of negatives (\(missing) missing)",
      String(format: "search %.2f s (%.0f passages/s), total %.1f s", searchSeconds, passagesPerSecond, seconds),
    ]
  }

  public var json: String {
    func stats(_ v: [Float]) -> Any {
      guard let s = Self.statistics(v) else { return NSNull() }
      return ["min": Double(s.min), "mean": Double(s.mean), "median": Double(s.median), "max": Double(s.max), "count": v.count]
    }
    let object: [String: Any] = [
      "examples": examples, "queries": queries, "corpus": corpus, "negatives_per_example": selection.count,
      "positive_scores": stats(positiveScores), "negative_scores": stats(negativeScores), "excluded": excluded,
      "removed_by_margin": tooClose, "short_examples": shortExamples, "missing_negatives": missing,
      "search_seconds": searchSeconds, "seconds": seconds,
    ]
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    return String(decoding: data, as: UTF8.self)
  }
}
