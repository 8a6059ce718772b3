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

  /// Throws for a `maxLength` below 2, which leaves no room for `<s>` and `</s>`.
  public init(model: SentencePieceModel, maxLength: Int) throws {
    guard maxLength >= 2 else { throw TokenizationError.lengthTooSmall(maxLength, minimum: 2) }
    self.model = model
    self.maxLength = maxLength
  }

  /// Token ids of the text, without specials or truncation.
  public func pieceIds(_ text: String) -> [Int32] {
    model.encode(text).map { $0 == 0 ? Tokenizer.unk : $0 + 1 }
  }

  /// `<s> (prefix + text) </s>`, truncated to `maxLength` (or a smaller `maxLength:`; below 2
  /// is an error).
  public func encode(_ text: String, prefix: String = "", maxLength limit: Int? = nil) throws -> [Int32] {
    try compose(prefix: [], text: pieceIds(prefix + text), maxLength: limit)
  }

  /// `<s> prefix text </s>` from piece ids, truncated to `maxLength` (or a smaller `maxLength:`;
  /// below 2 is an error) by dropping ids from the end: what the encoder is fed for a text
  /// tokenized ahead of time (a corpus text of a data set).
  public func compose(prefix: [Int32], text: [Int32], maxLength limit: Int? = nil) throws -> [Int32] {
    let length = min(limit ?? maxLength, maxLength)
    guard length >= 2 else { throw TokenizationError.lengthTooSmall(length, minimum: 2) }
    let room = length - 2
    let content = (prefix + text).prefix(room)
    return [Tokenizer.bos] + content + [Tokenizer.eos]
  }
}
