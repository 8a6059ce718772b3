import Foundation
import Tokenization

/// The tokenizer file of a base model, which checkpoints and exports carry: its
/// `sentencepiece.bpe.model` (written with the `tokenizer.json` transformers makes of it), or,
/// for a base without one, its `tokenizer.json` (copied).
public enum TokenizerFiles: Sendable {
  case sentencePiece(Data)
  case tokenizerJSON(Data)

  /// The tokenizer file of a model directory, `sentencepiece.bpe.model` first (as
  /// `Tokenizer.load` chooses).
  public static func read(directory: URL) throws -> TokenizerFiles {
    let spm = directory.appendingPathComponent("sentencepiece.bpe.model")
    let json = directory.appendingPathComponent("tokenizer.json")
    if !FileManager.default.fileExists(atPath: spm.path), FileManager.default.fileExists(atPath: json.path) {
      return .tokenizerJSON(try Data(contentsOf: json))
    }
    return .sentencePiece(try Data(contentsOf: spm))
  }

  /// The files to write, by name.
  func files() throws -> [String: Data] {
    switch self {
    case .sentencePiece(let model):
      return [
        "sentencepiece.bpe.model": model,
        "tokenizer.json": try TokenizerJSON.xlmRobertaJSON(sentencePieceModel: model, path: "sentencepiece.bpe.model"),
      ]
    case .tokenizerJSON(let json):
      return ["tokenizer.json": json]
    }
  }
}
