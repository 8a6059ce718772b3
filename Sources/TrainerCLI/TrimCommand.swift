import ArgumentParser
import Foundation
import Recipes
import TextEncoder
import Training

struct TrimCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "trim",
    abstract: "Trims a model's vocabulary to the special tokens and the tokens its tokenizer produces on some corpora.")

  @Argument(help: "The model directory to trim (an XLM-R with sentencepiece.bpe.model).")
  var model: String
  @Option(
    name: .customLong("corpus"),
    help: "A corpus: FORMAT:PATH as a recipe's data (nli_tsv, sts_tsv, pairs_tsv, jsonl, json, csv, tsv, parquet, flag_embedding, tevatron), lines:PATH, or a path (.tsv: sentence1 and sentence2; .jsonl/.json: every string; else one text per line); repeat for more.")
  var corpus: [String] = []
  @Option(
    name: .customLong("prompt"),
    help: "A prompt whose tokenization before each text is kept too, besides the model's own prompts (config_sentence_transformers.json); repeat for more.")
  var prompts: [String] = []
  @Option(help: "Keep only the N most frequent corpus tokens (and the specials).")
  var keepTop: Int?
  @Option(help: "A TSV file to write every token seen to: id, piece, count, new id (empty if dropped).")
  var frequencies: String?
  @Option(name: [.short, .long], help: "The directory to write; it must not exist.")
  var output: String

  func validate() throws {
    guard !corpus.isEmpty else { throw ValidationError("give at least one --corpus FILE") }
    try FlagChecks.atLeast(1, keepTop, "--keep-top")
  }

  func run() throws {
    try runReportingErrors {
      if FileManager.default.fileExists(atPath: output) {
        throw ValidationError("--output \(output) exists already; trim writes a new directory")
      }
      var texts: [String: Int] = [:]
      for spec in corpus {
        do { try CorpusTexts.read(spec, into: &texts) } catch let e as RecipeError { throw ValidationError("--corpus '\(spec)': \(e.message)") }
      }
      let base = try SentenceEncoder(directory: model)
      let allPrompts = Array(Set(base.prompts.values).union(prompts)).sorted().filter { !$0.isEmpty }
      let s = try VocabularyTrim.trim(
        model: base, texts: texts, prompts: allPrompts, keepTop: keepTop, frequencies: frequencies, output: output)
      print("trimmed \(model) into \(output): \(s.vocabularyAfter) of \(s.vocabularyBefore) tokens kept "
        + "(\(s.tokensSeen) seen in \(s.texts) distinct texts\(allPrompts.isEmpty ? "" : ", also after \(allPrompts.map { "\"\($0)\"" }.joined(separator: ", "))")), "
        + "\(s.parametersAfter) of \(s.parametersBefore) parameters")
      if let frequencies { print("token counts: \(frequencies)") }
    }
  }
}
