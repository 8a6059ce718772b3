import ArgumentParser
import Foundation
import HDF5Files
import Recipes
import TextEncoder
import TextFiles

struct EmbedCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "embed", abstract: "Embed a file of sentences (one per line) into an HDF5 file.")

  @Argument(help: "A Hugging Face / sentence-transformers model directory.")
  var model: String
  @Option(help: "UTF-8 text file, one sentence per line.")
  var input: String
  @Option(help: "HDF5 file to write (dataset 'embeddings', float32 [n, dim]).")
  var output: String
  @Option(help: "Text put before every sentence, e.g. \"query: \".")
  var prompt: String = ""
  @Option(help: "The prompt of this name stored in the model (config_sentence_transformers.json), before every sentence.")
  var promptName: String?
  @Option(help: "A task instruction: every sentence is formatted as a query of that task with --instruction-template.")
  var instruction: String?
  @Option(help: "The template --instruction uses; {task} is the instruction, {text} (at the end) the sentence.")
  var instructionTemplate: String = InstructionTemplate.standard.text
  @Option(help: "Sentences per forward pass.")
  var batch: Int = 32
  @OptionGroup var compute: ComputeOptions

  func validate() throws {
    guard batch > 0 else { throw ValidationError("--batch must be positive") }
    if promptName != nil && (!prompt.isEmpty || instruction != nil) {
      throw ValidationError("give one of --prompt, --prompt-name and --instruction")
    }
    if instruction != nil {
      guard prompt.isEmpty else { throw ValidationError("give --prompt or --instruction, not both") }
      guard InstructionTemplate(instructionTemplate) != nil else {
        throw ValidationError("--instruction-template must end with {text} (once)")
      }
    }
  }

  func run() throws {
    compute.apply()
    try runReportingErrors {
      let model = try SentenceEncoder(directory: self.model)
      let texts = try TextLines.read(path: input)
      let bar = ProgressBar(total: texts.count, label: "embed")
      let start = Date()
      let prefix = try promptName.map { try model.prompt(named: $0) }
        ?? instruction.map { InstructionTemplate(instructionTemplate)!.prefix(task: $0) } ?? prompt
      let emb = try model.embed(texts, prefix: prefix, batchSize: batch) { bar.update($0) }
      let seconds = Date().timeIntervalSince(start)
      // written under a temporary name and renamed, so a failure never leaves a partial file
      let tmp = output + ".tmp-\(getpid())"
      do {
        let file = try HDF5File.create(path: tmp)
        try file.write("embeddings", shape: [texts.count, model.config.hiddenSize], floats: emb)
        try file.setAttribute("model", URL(fileURLWithPath: self.model).standardizedFileURL.path)
        try file.setAttribute("pooling", model.pooling.rawValue)
        try file.setAttribute("normalized", model.normalize ? "true" : "false")
        try file.setAttribute("prefix", prefix)
        try file.setAttribute("input", input)
        try file.flush()
      } catch {
        unlink(tmp)
        throw error
      }
      guard rename(tmp, output) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(tmp)
        throw HDF5Error.failed(path: output, what: "moving the finished file into place (\(reason))")
      }
      print(String(format: "embedded %d sentences in %.2fs (%.1f sentences/s) -> %@", texts.count, seconds,
                   Double(texts.count) / max(seconds, 1e-9), output))
    }
  }
}
