import Foundation
import Tokenization

/// The tokenizer files of a base model, which checkpoints and exports carry: its
/// `sentencepiece.bpe.model` with the `tokenizer.json` transformers makes of it (made once
/// here, not at every checkpoint); or, for a base without one, its `tokenizer.json`, else the
/// `tokenizer.json` made of its `vocab.txt`, with the base's `vocab.txt`,
/// `tokenizer_config.json` and `special_tokens_map.json` where it has them (copied).
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

  /// The files a writer writes besides the tokenizer itself, copied from a tokenizer.json or
  /// vocab.txt base.
  static let companions = ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]

  /// The tokenizer files of a model directory, `sentencepiece.bpe.model` first, then
  /// `tokenizer.json`, then `vocab.txt` (as `Tokenizer.load` chooses).
  public static func read(directory: URL) throws -> TokenizerFiles {
    let fm = FileManager.default
    let spm = directory.appendingPathComponent("sentencepiece.bpe.model")
    let json = directory.appendingPathComponent("tokenizer.json")
    let vocab = directory.appendingPathComponent("vocab.txt")
    guard !fm.fileExists(atPath: spm.path), fm.fileExists(atPath: json.path) || fm.fileExists(atPath: vocab.path) else {
      return try .sentencePiece(try Data(contentsOf: spm))
    }
    var files: [String: Data] = [:]
    for name in companions where fm.fileExists(atPath: directory.appendingPathComponent(name).path) {
      files[name] = try Data(contentsOf: directory.appendingPathComponent(name))
    }
    files["tokenizer.json"] = fm.fileExists(atPath: json.path) ? try Data(contentsOf: json) : try bertJSON(directory: directory)
    return TokenizerFiles(files: files)
  }

  /// The tokenizer.json of a directory's `vocab.txt` with its `tokenizer_config.json`'s settings.
  public static func bertJSON(directory: URL) throws -> Data {
    let vocab = directory.appendingPathComponent("vocab.txt"), config = directory.appendingPathComponent("tokenizer_config.json")
    guard let data = FileManager.default.contents(atPath: vocab.path) else {
      throw TokenizationError.badTokenizer(path: vocab.path, reason: "file not found or unreadable")
    }
    return try TokenizerJSON.bertJSON(
      vocabulary: data, vocabularyPath: vocab.path, config: FileManager.default.contents(atPath: config.path), configPath: config.path)
  }
}
