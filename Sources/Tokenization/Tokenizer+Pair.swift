extension Tokenizer {
  /// A pair as the tokenizer's template forms it (XLM-R and RoBERTa: `<s> a </s></s> b </s>`;
  /// BERT: `[CLS] a [SEP] b [SEP]`), at most `maxLength`
  /// ids; longer pairs lose tokens from the end of the longer text first (transformers'
  /// `longest_first`; on a tie, from b). A maximum length below the pair's specials is an error.
  public func composePair(_ a: [Int32], _ b: [Int32], maxLength limit: Int? = nil) throws -> [Int32] {
    try composePairWithTypes(a, b, maxLength: limit).ids
  }

  /// `composePair` with the token type ids of the pair template (segment ids).
  public func composePairWithTypes(_ a: [Int32], _ b: [Int32], maxLength limit: Int? = nil) throws -> (ids: [Int32], typeIds: [Int32]) {
    let length = min(limit ?? maxLength, maxLength)
    let specials = template.pairSpecials
    guard length >= max(specials, 1) else { throw TokenizationError.lengthTooSmall(length, minimum: max(specials, 1)) }
    let room = length - specials
    var a = a[...], b = b[...]
    while a.count + b.count > room {
      if a.count > b.count { a = a.dropLast() } else { b = b.dropLast() }
    }
    return template.apply(Array(a), Array(b))
  }

  /// `composePair` of the two texts' piece ids.
  public func encodePair(_ a: String, _ b: String, maxLength: Int? = nil) throws -> [Int32] {
    try composePair(pieceIds(a), pieceIds(b), maxLength: maxLength)
  }

  /// `composePairWithTypes` of the two texts' piece ids.
  public func encodePairWithTypes(_ a: String, _ b: String, maxLength: Int? = nil) throws -> (ids: [Int32], typeIds: [Int32]) {
    try composePairWithTypes(pieceIds(a), pieceIds(b), maxLength: maxLength)
  }
}
