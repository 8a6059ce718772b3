import Foundation
import Tokenization

extension Tokenizer {
  /// The tokenizer of a model directory: its `sentencepiece.bpe.model`, with the maximum length
  /// from `sentence_bert_config.json` (at least 2) capped by the position table. The vocabulary
  /// must fit the embedding table of `config`.
  public static func load(directory: URL, config: EncoderConfig, layout: SentenceTransformersLayout) throws -> Tokenizer {
    let spm = try SentencePieceModel(path: directory.appendingPathComponent("sentencepiece.bpe.model").path)
    guard spm.pieceCount + 2 <= config.vocabSize else {
      throw TokenizationError.badTokenizer(
        path: spm.path, reason: "\(spm.pieceCount) pieces do not fit vocab_size \(config.vocabSize) of config.json")
    }
    if let n = layout.maxSeqLength, n < 2 {
      throw TextEncoderError.badConfig(
        path: directory.appendingPathComponent("sentence_bert_config.json").path, key: "max_seq_length",
        detail: "\(n): it must be at least 2 (<s> and </s>)")
    }
    return try Tokenizer(model: spm, maxLength: min(layout.maxSeqLength ?? config.maxSequenceLength, config.maxSequenceLength))
  }

  /// The tokenizer of a model directory, reading its config.json and sentence-transformers files.
  public static func load(directory: URL) throws -> Tokenizer {
    let config = try EncoderConfig.load(path: directory.appendingPathComponent("config.json").path)
    return try load(directory: directory, config: config, layout: try SentenceTransformersLayout.read(directory: directory))
  }
}
