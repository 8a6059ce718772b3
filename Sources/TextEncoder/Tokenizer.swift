import Foundation

/// The XLM-RoBERTa tokenizer over a SentencePiece unigram model, as Hugging Face's
/// `XLMRobertaTokenizer(Fast)` defines it: XLM-R id = SentencePiece id + 1, with the fairseq
/// specials `<s>`=0, `<pad>`=1, `</s>`=2, `<unk>`=3 (SentencePiece's `<unk>` maps to 3), and
/// `<mask>` after the SentencePiece vocabulary. A sequence is `<s> pieces </s>`, truncated so
/// that it holds at most `maxLength` ids, specials included.
public struct Tokenizer: Sendable {
  public let model: SentencePieceModel
  public let maxLength: Int
  public static let bos: Int32 = 0
  public static let pad: Int32 = 1
  public static let eos: Int32 = 2
  public static let unk: Int32 = 3
  public var maskId: Int32 { Int32(model.pieceCount + 1) }

  public init(model: SentencePieceModel, maxLength: Int) {
    precondition(maxLength >= 2, "maxLength must leave room for <s> and </s>")
    self.model = model
    self.maxLength = maxLength
  }

  /// Token ids of the text, without specials or truncation.
  public func pieceIds(_ text: String) -> [Int32] {
    model.encode(text).map { $0 == 0 ? Tokenizer.unk : $0 + 1 }
  }

  /// `<s> (prefix + text) </s>`, truncated to `maxLength` (or a smaller `maxLength:`).
  public func encode(_ text: String, prefix: String = "", maxLength limit: Int? = nil) -> [Int32] {
    let limit = min(limit ?? maxLength, maxLength)
    var content = pieceIds(prefix + text)
    if content.count > limit - 2 { content.removeLast(content.count - (limit - 2)) }
    return [Tokenizer.bos] + content + [Tokenizer.eos]
  }
}

extension Tokenizer {
  /// The tokenizer of a model directory: its `sentencepiece.bpe.model`, with the maximum length
  /// from `sentence_bert_config.json` capped by the position table. The vocabulary must fit the
  /// embedding table of `config`.
  public static func load(directory: URL, config: EncoderConfig, layout: SentenceTransformersLayout) throws -> Tokenizer {
    let spm = try SentencePieceModel(path: directory.appendingPathComponent("sentencepiece.bpe.model").path)
    guard spm.pieceCount + 2 <= config.vocabSize else {
      throw TextEncoderError.badTokenizer(
        path: spm.path, reason: "\(spm.pieceCount) pieces do not fit vocab_size \(config.vocabSize) of config.json")
    }
    return Tokenizer(model: spm, maxLength: min(layout.maxSeqLength ?? config.maxSequenceLength, config.maxSequenceLength))
  }

  /// The tokenizer of a model directory, reading its config.json and sentence-transformers files.
  public static func load(directory: URL) throws -> Tokenizer {
    let config = try EncoderConfig.load(path: directory.appendingPathComponent("config.json").path)
    return try load(directory: directory, config: config, layout: try SentenceTransformersLayout.read(directory: directory))
  }
}
