import ArgumentParser
import Evaluation
import Mining
import Recipes
import SafeTensors

/// `--precision f32|f16` of the stored corpus embeddings (`mine`, `bench mine`).
extension EmbeddingChunks.Precision: ExpressibleByArgument {}

/// `--on-bad-row error|skip` of `trainer data build`.
extension Recipe.OnBadRow: ExpressibleByArgument {}

/// `--dtype f32|f16`: the precision of exported weights.
enum WeightPrecision: String, CaseIterable, ExpressibleByArgument {
  case f32, f16

  var dtype: DType {
    switch self {
    case .f32: return .f32
    case .f16: return .f16
    }
  }
}

/// `--similarity cosine,dot`: the similarities retrieval is ranked by, comma-separated.
struct RetrievalSimilarities: ExpressibleByArgument {
  /// The similarities a retrieval set can be ranked by.
  static let choices: [Similarity] = [.cosine, .dot]

  let similarities: [Similarity]

  init(_ similarities: [Similarity]) { self.similarities = similarities }

  init?(argument: String) {
    var list: [Similarity] = []
    for name in argument.split(separator: ",", omittingEmptySubsequences: true) {
      guard let s = Similarity(rawValue: String(name)), Self.choices.contains(s) else { return nil }
      list.append(s)
    }
    self.init(list)
  }

  var defaultValueDescription: String { similarities.map(\.rawValue).joined(separator: ",") }
  static var allValueStrings: [String] { choices.map(\.rawValue) }
}
