import Foundation

/// Weight interpolation of encoders (model merging, as LM-Cocktail and model soups do): every
/// parameter becomes Σₖ wₖ·θₖ over models of one architecture, tokenizer and pooling.
public enum ModelMerge {
  /// The tokenizer files a model directory may hold; merged models must hold the same ones,
  /// byte for byte.
  static let tokenizerFiles = ["sentencepiece.bpe.model", "tokenizer.json", "vocab.txt", "merges.txt", "vocab.json"]

  /// The weights normalized to sum to 1. Refuses a count that does not match the models, a
  /// negative or non-finite weight, and weights that are all 0.
  public static func normalized(_ weights: [Double], models: Int) throws -> [Double] {
    guard weights.count == models else {
      throw ModelMergeError.badWeights("\(weights.count) weights for \(models) models")
    }
    guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
      throw ModelMergeError.badWeights("weights must be finite and at least 0, got \(weights)")
    }
    let sum = weights.reduce(0, +)
    guard sum > 0 else { throw ModelMergeError.badWeights("weights sum to 0") }
    return weights.map { $0 / sum }
  }

  /// Checks that `models` can be merged: the same config (architecture, sizes, labels), the same
  /// tokenizer files, the same pooling and normalization. The error names both directories and
  /// what differs.
  public static func checkCompatible(_ models: [SentenceEncoder]) throws {
    guard let first = models.first else { throw ModelMergeError.badWeights("no model to merge") }
    for other in models.dropFirst() {
      guard other.config == first.config else {
        throw ModelMergeError.incompatible(first.directory, other.directory, what: "config.json (architecture or sizes) differs")
      }
      guard other.pooling == first.pooling, other.normalize == first.normalize else {
        throw ModelMergeError.incompatible(first.directory, other.directory, what: "pooling or normalization differs")
      }
      for name in tokenizerFiles {
        let a = try? Data(contentsOf: URL(fileURLWithPath: first.directory).appendingPathComponent(name))
        let b = try? Data(contentsOf: URL(fileURLWithPath: other.directory).appendingPathComponent(name))
        guard a == b else { throw ModelMergeError.incompatible(first.directory, other.directory, what: "\(name) differs") }
      }
    }
  }

  /// Writes Σₖ wₖ·θₖ into `models[0]`'s encoder, parameter by parameter, and returns it. Each
  /// value is summed in Double and rounded to Float once, so merging a model with itself (or
  /// weights 1, 0, …) gives its weights back bit for bit. `weights` must be `normalized`.
  public static func merge(_ models: [SentenceEncoder], weights: [Double]) throws -> Encoder {
    try checkCompatible(models)
    precondition(weights.count == models.count, "normalized weights, one per model")
    let target = models[0].encoder
    // models of weight 0 take no part (0·θ would turn a -0 of the others into +0); the sum starts
    // from the first term, not from +0, for the same reason
    let terms = zip(models, weights).filter { $0.1 != 0 }.map { ($0.0.encoder.store, $0.1) }
    for view in target.store.views {
      let pointers = terms.map { ($0.0.pointer(view.name), $0.1) }
      let out = target.store.pointer(view.name)
      for i in 0..<view.count {
        var sum = pointers[0].1 * Double(pointers[0].0[i])
        for (p, w) in pointers.dropFirst() { sum += w * Double(p[i]) }
        out[i] = Float(sum)
      }
    }
    return target
  }
}

/// Why models cannot be merged.
public enum ModelMergeError: Error, CustomStringConvertible {
  case badWeights(String)
  case incompatible(String, String, what: String)

  public var description: String {
    switch self {
    case .badWeights(let detail): return "merge weights: \(detail)"
    case .incompatible(let a, let b, let what): return "cannot merge \(a) and \(b): \(what)"
    }
  }
}
