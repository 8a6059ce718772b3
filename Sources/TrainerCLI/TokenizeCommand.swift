import ArgumentParser
import Foundation
import TextEncoder
import TextFiles
import Tokenization

struct TokenizeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tokenize", abstract: "Print the token ids of each line of a file (one JSON array per line).")

  @Argument(help: "Model directory (its sentencepiece.bpe.model and config are used).")
  var model: String
  @Option(help: "UTF-8 text file, one text per line.")
  var input: String
  @Option(help: "Text put before every line, e.g. \"query: \".")
  var prompt: String = ""

  func run() throws {
    try runReportingErrors {
      let tok = try Tokenizer.load(directory: URL(fileURLWithPath: model))
      for line in try TextLines.read(path: input) {
        print("[" + (try tok.encode(line, prefix: prompt)).map(String.init).joined(separator: ", ") + "]")
      }
    }
  }
}
