import Foundation
import Tokenization

extension Tokenizer {
  /// The tokenizer of a model directory: its `sentencepiece.bpe.model`, else its
  /// `tokenizer.json`, else its `vocab.txt` read with the settings of `tokenizer_config.json`
  /// (`TokenizerJSON.bertJSON`), with the maximum length from `sentence_bert_config.json` (at
  /// least the specials' count) capped by the position table. The vocabulary must fit the
  /// embedding table of `config`.
  public static func load(directory: URL, config: EncoderConfig, layout: SentenceTransformersLayout) throws -> Tokenizer {
    let spmPath = directory.appendingPathComponent("sentencepiece.bpe.model").path
    let jsonPath = directory.appendingPathComponent("tokenizer.json").path
    let vocabPath = directory.appendingPathComponent("vocab.txt").path
    let fm = FileManager.default
    let maxLength = min(layout.maxSeqLength ?? config.maxSequenceLength, config.maxSequenceLength)
    if !fm.fileExists(atPath: spmPath) && (fm.fileExists(atPath: jsonPath) || fm.fileExists(atPath: vocabPath)) {
      let json: TokenizerJSON
      if fm.fileExists(atPath: jsonPath) {
        json = try TokenizerJSON(path: jsonPath)
      } else {
        json = try TokenizerJSON(data: try TokenizerFiles.bertJSON(directory: directory), path: vocabPath)
      }
      guard json.vocabularySize <= config.vocabSize else {
        throw TokenizationError.badTokenizer(
          path: json.path, reason: "ids up to \(json.vocabularySize - 1) do not fit vocab_size \(config.vocabSize) of config.json")
      }
      let minimum = max(json.postProcessor.singleSpecials, 1)
      if let n = layout.maxSeqLength, n < minimum {
        throw TextEncoderError.badConfig(
          path: directory.appendingPathComponent("sentence_bert_config.json").path, key: "max_seq_length",
          detail: "\(n): it must be at least \(minimum) (the special tokens of a sequence)")
      }
      return try Tokenizer(json: json, maxLength: maxLength)
    }
    let spm = try SentencePieceModel(path: spmPath)
    guard spm.pieceCount + 2 <= config.vocabSize else {
      throw TokenizationError.badTokenizer(
        path: spm.path, reason: "\(spm.pieceCount) pieces do not fit vocab_size \(config.vocabSize) of config.json")
    }
    if let n = layout.maxSeqLength, n < 2 {
      throw TextEncoderError.badConfig(
        path: directory.appendingPathComponent("sentence_bert_config.json").path, key: "max_seq_length",
        detail: "\(n): it must be at least 2 (<s> and </s>)")
    }
    return try Tokenizer(model: spm, maxLength: maxLength)
  }

  /// The tokenizer of a model directory, reading its config.json and sentence-transformers files.
  public static func load(directory: URL) throws -> Tokenizer {
    let config = try EncoderConfig.load(path: directory.appendingPathComponent("config.json").path)
    return try load(directory: directory, config: config, layout: try SentenceTransformersLayout.read(directory: directory))
  }
}
