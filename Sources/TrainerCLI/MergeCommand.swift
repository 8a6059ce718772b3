import ArgumentParser
import Foundation
import TextEncoder

struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Merges models of one architecture and tokenizer by weight interpolation (Σ wᵢ·θᵢ, as LM-Cocktail).")

  @Argument(help: "Two or more model directories (or checkpoints).")
  var models: [String]
  @Option(help: "One weight per model, comma-separated; normalized to sum to 1 (default: equal weights).")
  var weights: String?
  @Option(name: [.short, .long], help: "The directory to write; it must not exist.")
  var output: String
  @Option(help: "Weight precision.")
  var dtype: WeightPrecision = .f32

  func validate() throws {
    guard models.count >= 2 else { throw ValidationError("merge needs at least two model directories, got \(models.count)") }
  }

  /// The weights as given (before normalization), or equal weights.
  func givenWeights() throws -> [Double] {
    guard let weights else { return Array(repeating: 1, count: models.count) }
    return try weights.split(separator: ",", omittingEmptySubsequences: false).map { part in
      let text = part.trimmingCharacters(in: .whitespaces)
      guard let w = Double(text) else { throw ValidationError("--weights: '\(text)' is not a number") }
      return w
    }
  }

  func run() throws {
    try runReportingErrors {
      if FileManager.default.fileExists(atPath: output) {
        throw ValidationError("--output \(output) exists already; merge writes a new directory")
      }
      let w = try ModelMerge.normalized(try givenWeights(), models: models.count)
      let loaded = try models.map { try SentenceEncoder(directory: $0) }
      let encoder = try ModelMerge.merge(loaded, weights: w)
      let first = loaded[0]
      var writer = ModelDirectoryWriter(
        layout: SentenceTransformersLayout(
          pooling: first.pooling, normalize: first.normalize, maxSeqLength: first.maxSeqLength, prompts: first.prompts,
          truncateDim: first.truncateDim))
      writer.weightsDType = dtype.dtype
      writer.extraFiles["README.md"] = Data(Self.card(models: models, weights: w, dtype: dtype).utf8)
      try writer.write(encoder: encoder, tokenizer: try TokenizerFiles.read(directory: URL(fileURLWithPath: first.directory)), to: output)
      let parts = zip(models, w).map { "\($0.0) × \(String(format: "%.4g", $0.1))" }
      print("merged \(parts.joined(separator: " + ")) into \(output) (\(dtype.rawValue))")
    }
  }

  /// The merged model's card: its inputs by directory name (no absolute paths) and weights.
  static func card(models: [String], weights: [Double], dtype: WeightPrecision) -> String {
    let name = { (path: String) in URL(fileURLWithPath: path).lastPathComponent }
    var card = "---\nlibrary_name: sentence-transformers\npipeline_tag: sentence-similarity\ntags:\n- merge\n---\n\n"
    card += "# Merged model\n\nEvery weight is Σ wᵢ·θᵢ over these models (`trainer merge`, weights \(dtype.rawValue)):\n\n"
    card += "| model | weight |\n|---|---|\n"
    for (m, w) in zip(models, weights) { card += "| \(name(m)) | \(String(format: "%.6g", w)) |\n" }
    return card
  }
}
