import ArgumentParser
import Foundation
import HDF5Files
import Recipes
import TextEncoder
import TextFiles

struct EmbedCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "embed", abstract: "Embed a file of sentences (one per line) into an HDF5, .npy, JSON Lines or safetensors file.")

  @Argument(help: "A Hugging Face / sentence-transformers model directory.")
  var model: String
  @Option(help: "UTF-8 text file, one sentence per line; - reads standard input.")
  var input: String
  @Option(name: [.short, .long], help: "The file to write: embeddings float32 [n, dim].")
  var output: String
  @Option(help: ArgumentHelp(
    "h5 (dataset 'embeddings' and attributes), npy (numpy), jsonl ({\"text\", \"embedding\"} a line) or safetensors (tensor 'embeddings').",
    discussion: "Default: from the output's extension (.h5/.hdf5, .npy, .jsonl, .safetensors)."))
  var format: EmbeddingFormat?
  @Option(help: "Text put before every sentence, e.g. \"query: \".")
  var prompt: String = ""
  @Option(help: "The prompt of this name stored in the model (config_sentence_transformers.json), before every sentence.")
  var promptName: String?
  @Option(help: "A task instruction: every sentence is formatted as a query of that task with --instruction-template.")
  var instruction: String?
  @Option(help: "The template --instruction uses; {task} is the instruction, {text} (at the end) the sentence.")
  var instructionTemplate: String = InstructionTemplate.standard.text
  @Option(help: ArgumentHelp(
    "Keep the first N dimensions of each embedding (sentence-transformers' truncate_dim: cut after Normalize, not renormalized).",
    discussion: "Default: the model's truncate_dim (config_sentence_transformers.json), else all of them."))
  var truncateDim: Int?
  @Option(help: "Sentences per forward pass.")
  var batch: Int = 32
  @OptionGroup var compute: ComputeOptions
  @OptionGroup var matmul: PrecisionOption

  /// The format given, else the output's extension's.
  var outputFormat: EmbeddingFormat? { format ?? EmbeddingFormat.of(path: output) }

  func validate() throws {
    guard batch > 0 else { throw ValidationError("--batch must be positive") }
    if let truncateDim, truncateDim < 1 { throw ValidationError("--truncate-dim must be positive") }
    if promptName != nil && (!prompt.isEmpty || instruction != nil) {
      throw ValidationError("give one of --prompt, --prompt-name and --instruction")
    }
    if instruction != nil {
      guard prompt.isEmpty else { throw ValidationError("give --prompt or --instruction, not both") }
      guard InstructionTemplate(instructionTemplate) != nil else {
        throw ValidationError("--instruction-template must end with {text} (once)")
      }
    }
    guard outputFormat != nil else {
      throw ValidationError("--output \(output): give --format h5|npy|jsonl|safetensors, or a file name ending in one of them")
    }
  }

  /// The dimensions kept: `--truncate-dim` (at most the model's width), else the model's
  /// truncate_dim as sentence-transformers applies it (a value above the width keeps them all).
  func truncation(of model: SentenceEncoder) throws -> Int {
    try TruncateDimOption.dimension(flag: truncateDim, model: model)
  }

  /// The lines of `input`, or of `standardInput()` when it is `-`.
  static func texts(_ input: String, standardInput: () -> Data) throws -> [String] {
    input == "-" ? try TextLines.lines(of: standardInput(), path: "standard input") : try TextLines.read(path: input)
  }

  func run() throws {
    compute.apply()
    try runReportingErrors {
      guard let format = outputFormat else { return }  // validate() refused it
      let model = try SentenceEncoder(directory: self.model)
      model.encoder.store.precision = try matmul.resolve()
      let texts = try Self.texts(input) { FileHandle.standardInput.readDataToEndOfFile() }
      let bar = ProgressBar(total: texts.count, label: "embed")
      let start = Date()
      let prefix = try promptName.map { try model.prompt(named: $0) }
        ?? instruction.map { InstructionTemplate(instructionTemplate)!.prefix(task: $0) } ?? prompt
      let width = model.config.hiddenSize
      let dimension = try truncation(of: model)
      let emb = EmbeddingTruncation.leadingColumns(
        try model.embed(texts, prefix: prefix, batchSize: batch) { bar.update($0) }, width: width, dimension: dimension)
      let seconds = Date().timeIntervalSince(start)
      try format.write(
        emb, texts: texts, columns: dimension,
        attributes: [
          "model": URL(fileURLWithPath: self.model).standardizedFileURL.path, "pooling": model.pooling.rawValue,
          // a truncated unit vector is no longer one
          "normalized": model.normalize && dimension == width ? "true" : "false", "prefix": prefix, "input": input,
          "truncate_dim": dimension == width ? "none" : "\(dimension)",
        ],
        to: output)
      print(String(format: "embedded %d sentences in %.2fs (%.1f sentences/s) -> %@ (%@)", texts.count, seconds,
                   Double(texts.count) / max(seconds, 1e-9), output, format.rawValue))
    }
  }
}
