/// The tokenizer of a model: a backend that turns text into token ids, and the special tokens
/// around a sequence (or a pair), truncated so that a sequence holds at most `maxLength` ids,
/// specials included.
///
/// Backends: XLM-R's SentencePiece model (`sentencepiece.bpe.model`), as Hugging Face's
/// `XLMRobertaTokenizer(Fast)` defines it: XLM-R id = SentencePiece id + 1, with the fairseq
/// specials `<s>`=0, `<pad>`=1, `</s>`=2, `<unk>`=3 (SentencePiece's `<unk>` maps to 3), and
/// `<mask>` after the SentencePiece vocabulary; a sequence is `<s> pieces </s>`, a pair
/// `<s> a </s></s> b </s>`. Or a Hugging Face `tokenizer.json`, whose post-processor gives the
/// specials and whose vocabulary gives their ids.
public struct Tokenizer: Sendable {
  public enum Backend: Sendable {
    case sentencePiece(SentencePieceModel)
    case tokenizerJSON(TokenizerJSON)
  }
  public let backend: Backend
  public let maxLength: Int
  /// The specials around one sequence and around a pair.
  public let template: PostProcessor
  /// The first special of a sequence (`<s>`, `[CLS]`), its last (`</s>`, `[SEP]`), and the
  /// padding, unknown and mask tokens (nil where the vocabulary has none).
  public let bos: Int32?, eos: Int32?, pad: Int32?, unk: Int32?, maskId: Int32?

  /// XLM-R's template: `<s> A </s>` and `<s> A </s></s> B </s>`, all of type 0.
  public static let xlmRobertaTemplate = PostProcessor(
    single: [.special(ids: [0], typeId: 0), .sequenceA(typeId: 0), .special(ids: [2], typeId: 0)],
    pair: [
      .special(ids: [0], typeId: 0), .sequenceA(typeId: 0), .special(ids: [2, 2], typeId: 0), .sequenceB(typeId: 0),
      .special(ids: [2], typeId: 0),
    ])

  /// The XLM-R tokenizer of a SentencePiece model. Throws for a `maxLength` below 2, which
  /// leaves no room for `<s>` and `</s>`.
  public init(model: SentencePieceModel, maxLength: Int) throws {
    guard maxLength >= 2 else { throw TokenizationError.lengthTooSmall(maxLength, minimum: 2) }
    backend = .sentencePiece(model)
    self.maxLength = maxLength
    template = Self.xlmRobertaTemplate
    (bos, pad, eos, unk, maskId) = (0, 1, 2, 3, Int32(model.pieceCount + 1))
  }

  /// The tokenizer of a tokenizer.json. Throws for a `maxLength` that leaves no room for the
  /// specials of a sequence.
  public init(json: TokenizerJSON, maxLength: Int) throws {
    let specials = json.postProcessor.singleSpecials
    guard maxLength >= max(specials, 1) else { throw TokenizationError.lengthTooSmall(maxLength, minimum: max(specials, 1)) }
    backend = .tokenizerJSON(json)
    self.maxLength = maxLength
    template = json.postProcessor
    let ids = json.postProcessor.single.flatMap { piece -> [Int32] in
      if case .special(let ids, _) = piece { return ids } else { return [] }
    }
    let firstSpecials = json.postProcessor.single.prefix { if case .special = $0 { true } else { false } }
    bos = firstSpecials.isEmpty ? nil : ids.first
    eos = json.postProcessor.single.last.flatMap { if case .special(let s, _) = $0 { s.last } else { nil } }
    func named(_ names: [String]) -> Int32? { names.lazy.compactMap { json.id(of: $0) }.first }
    pad = named(["<pad>", "[PAD]"])
    unk = json.unknownId ?? named(["<unk>", "[UNK]"])
    maskId = named(["<mask>", "[MASK]"])
  }

  /// The tokenizer file (data sets record it).
  public var path: String {
    switch backend {
    case .sentencePiece(let m): m.path
    case .tokenizerJSON(let j): j.path
    }
  }

  /// FNV-1a of the tokenizer file: data sets tokenized with it record this, and are refused by
  /// a model with another.
  public var fingerprint: String {
    switch backend {
    case .sentencePiece(let m): m.fingerprint
    case .tokenizerJSON(let j): j.fingerprint
    }
  }

  /// The SentencePiece model of a SentencePiece backend.
  public var model: SentencePieceModel? {
    if case .sentencePiece(let m) = backend { return m }
    return nil
  }

  /// Token ids of the text, without specials or truncation.
  public func pieceIds(_ text: String) -> [Int32] {
    switch backend {
    case .sentencePiece(let m): m.encode(text).map { $0 == 0 ? 3 : $0 + 1 }
    case .tokenizerJSON(let j): j.encode(text)
    }
  }

  /// `<s> (prefix + text) </s>`, truncated to `maxLength` (or a smaller `maxLength:`; below
  /// the specials' count is an error).
  public func encode(_ text: String, prefix: String = "", maxLength limit: Int? = nil) throws -> [Int32] {
    try compose(prefix: [], text: pieceIds(prefix + text), maxLength: limit)
  }

  /// `<s> prefix text </s>` from piece ids, truncated to `maxLength` (or a smaller `maxLength:`;
  /// below the specials' count is an error) by dropping ids from the end: what the encoder is
  /// fed for a text tokenized ahead of time (a corpus text of a data set).
  public func compose(prefix: [Int32], text: [Int32], maxLength limit: Int? = nil) throws -> [Int32] {
    let length = min(limit ?? maxLength, maxLength)
    let specials = template.singleSpecials
    guard length >= max(specials, 1) else { throw TokenizationError.lengthTooSmall(length, minimum: max(specials, 1)) }
    let content = Array((prefix + text).prefix(length - specials))
    return template.apply(content).ids
  }
}
