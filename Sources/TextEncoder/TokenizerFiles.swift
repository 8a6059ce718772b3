import Foundation
import Tokenization

/// The tokenizer files of a base model, which checkpoints and exports carry: its
/// `sentencepiece.bpe.model` with the `tokenizer.json` transformers makes of it (made once
/// here, not at every checkpoint), or, for a base without one, its `tokenizer.json` (copied).
public struct TokenizerFiles: Sendable {
  /// The files to write, by name.
  public let files: [String: Data]

  /// A SentencePiece model and the XLM-R tokenizer.json made of it.
  public static func sentencePiece(_ model: Data) throws -> TokenizerFiles {
    TokenizerFiles(files: [
      "sentencepiece.bpe.model": model,
      "tokenizer.json": try TokenizerJSON.xlmRobertaJSON(sentencePieceModel: model, path: "sentencepiece.bpe.model"),
    ])
  }

  public static func tokenizerJSON(_ json: Data) -> TokenizerFiles { TokenizerFiles(files: ["tokenizer.json": json]) }

  /// The tokenizer file of a model directory, `sentencepiece.bpe.model` first (as
  /// `Tokenizer.load` chooses).
  public static func read(directory: URL) throws -> TokenizerFiles {
    let spm = directory.appendingPathComponent("sentencepiece.bpe.model")
    let json = directory.appendingPathComponent("tokenizer.json")
    if !FileManager.default.fileExists(atPath: spm.path), FileManager.default.fileExists(atPath: json.path) {
      return .tokenizerJSON(try Data(contentsOf: json))
    }
    return try .sentencePiece(try Data(contentsOf: spm))
  }
}
