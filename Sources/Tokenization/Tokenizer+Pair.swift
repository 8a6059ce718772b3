extension Tokenizer {
  /// A pair as XLM-R's sequence-pair input: `<s> a </s></s> b </s>`, at most `maxLength` ids;
  /// longer pairs lose tokens from the end of the longer text first (transformers'
  /// `longest_first`; on a tie, from b). A maximum length below 4 is an error.
  public func composePair(_ a: [Int32], _ b: [Int32], maxLength limit: Int? = nil) throws -> [Int32] {
    let length = min(limit ?? maxLength, maxLength)
    guard length >= 4 else { throw TokenizationError.lengthTooSmall(length, minimum: 4) }
    let room = length - 4
    var a = a[...], b = b[...]
    while a.count + b.count > room {
      if a.count > b.count { a = a.dropLast() } else { b = b.dropLast() }
    }
    return [Tokenizer.bos] + a + [Tokenizer.eos, Tokenizer.eos] + b + [Tokenizer.eos]
  }

  /// `composePair` of the two texts' piece ids.
  public func encodePair(_ a: String, _ b: String, maxLength: Int? = nil) throws -> [Int32] {
    try composePair(pieceIds(a), pieceIds(b), maxLength: maxLength)
  }
}
