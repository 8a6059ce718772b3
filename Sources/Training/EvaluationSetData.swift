import Communication
import Evaluation
import Foundation
import Recipes
import TextEncoder
import Tokenization

/// A recipe's evaluation set, read: STS pairs or a retrieval set.
public enum EvaluationSetData {
  case sts([ScoredPair])
  case retrieval(RetrievalData)

  /// Reads the set's files; `limit` keeps the first N pairs or queries.
  public static func load(_ set: Recipe.EvalSet) throws -> EvaluationSetData {
    switch set.source {
    case .sts(let path):
      return .sts(try STSPairs.readEvaluationSet(path: path, limit: set.limit))
    case .retrieval(let corpus, let queries, let qrels):
      return .retrieval(try limited(RetrievalData.read(corpus: corpus, queries: queries, qrels: qrels), set))
    case .stsRetrieval(let path, let minScore):
      return .retrieval(try limited(RetrievalData.paraphrases(STSPairs.read(path: path), minScore: Float(minScore), path: path), set))
    case .nliRetrieval(let path, let direction):
      let direction = RetrievalData.EntailmentDirection(rawValue: direction.rawValue)!
      return .retrieval(try limited(RetrievalData.entailments(NLIPairs.read(path: path), direction: direction, path: path), set))
    }
  }

  /// The set's first `limit` queries, if it has a limit.
  static func limited(_ data: RetrievalData, _ set: Recipe.EvalSet) throws -> RetrievalData {
    try set.limit.map { try data.limited(toQueries: $0) } ?? data
  }

  /// The texts checked against the training data (STS sentences; retrieval queries).
  var checkedTexts: Set<String> {
    switch self {
    case .sts(let pairs): Set(pairs.flatMap { [$0.first, $0.second] })
    case .retrieval(let data): Set(data.queryTexts)
    }
  }

  var checkedWhat: String {
    switch self {
    case .sts: "texts"
    case .retrieval: "queries"
    }
  }

  /// The names `evaluateCrossEncoder` reports.
  public static let crossEncoderMetricNames = ["pearson", "spearman"]

  /// A cross-encoder's metrics on an STS set: Pearson and Spearman of its logits with the gold
  /// scores (sentence-transformers' CrossEncoderCorrelationEvaluator).
  /// On several ranks each scores a contiguous share of the pairs with near-equal token counts.
  public func evaluateCrossEncoder(
    _ encoder: Encoder, tokenizer: Tokenizer, maxLength: Int, batchSize: Int = 32, communicator: any Communicator = SingleProcess()
  ) throws -> [Metric] {
    guard case .sts(let pairs) = self else { preconditionFailure("cross-encoders are evaluated on STS sets") }
    let sequences = try pairs.map { try tokenizer.encodePairWithTypes($0.first, $0.second, maxLength: maxLength) }
    let mine = sequences[communicator.shares(lengths: sequences.map(\.ids.count))[communicator.rank]]
    var local: [Float] = []
    for start in stride(from: mine.startIndex, to: mine.endIndex, by: batchSize) {
      let part = mine[start..<min(start + batchSize, mine.endIndex)]
      let batch = TokenBatch(sequences: part.map(\.ids), types: part.map(\.typeIds), config: encoder.config)
      local += try encoder.logits(batch).array
    }
    let scores = try communicator.allGather(local).map { Double($0) }
    let gold = pairs.map { Double($0.score) }
    return [Metric("pearson", Correlation.pearson(scores, gold)), Metric("spearman", Correlation.spearman(scores, gold))]
  }

  /// The set's metrics (retrieval ranks by each of `similarities`).
  public func evaluate(with evaluator: Evaluator, similarities: [Similarity]) throws -> [Metric] {
    switch self {
    case .sts(let pairs): try evaluator.sts(pairs)
    case .retrieval(let data): try evaluator.retrieval(data, similarities: similarities)
    }
  }
}
