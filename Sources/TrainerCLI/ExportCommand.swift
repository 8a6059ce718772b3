import ArgumentParser
import Foundation
import SafeTensors
import TextEncoder

struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export", abstract: "Writes a checkpoint as a Hugging Face / sentence-transformers model directory.")

  @Argument(help: "A checkpoint directory (or any model directory).")
  var checkpoint: String
  @Option(name: [.short, .long], help: "The directory to write.")
  var output: String
  @Option(help: "Weight precision.")
  var dtype: WeightPrecision = .f32
  @Flag(help: "Replace the output directory if it exists.")
  var overwrite = false

  func run() throws {
    try runReportingErrors {
      let model = try SentenceEncoder(directory: checkpoint)
      let dir = URL(fileURLWithPath: checkpoint)
      var writer = ModelDirectoryWriter(
        layout: SentenceTransformersLayout(
          pooling: model.pooling, normalize: model.normalize, maxSeqLength: model.maxSeqLength, prompts: model.prompts,
          defaultPromptName: model.defaultPromptName, truncateDim: model.truncateDim))
      writer.weightsDType = dtype.dtype
      var card = (try? String(contentsOf: dir.appendingPathComponent("README.md"), encoding: .utf8)) ?? "# \(dir.lastPathComponent)\n"
      card += "\nExported from `\(dir.standardizedFileURL.lastPathComponent)` with `trainer export` (weights \(dtype.rawValue)).\n"
      writer.extraFiles["README.md"] = Data(card.utf8)
      try writer.write(
        encoder: model.encoder, tokenizer: try TokenizerFiles.read(directory: dir),
        to: output, overwrite: overwrite)
      print("exported \(checkpoint) to \(output) (\(dtype.rawValue))")
    }
  }
}
