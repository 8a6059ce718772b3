extension Tokenizer {
  /// A pair as XLM-R's sequence-pair input: `<s> a </s></s> b </s>`, at most `maxLength` ids;
  /// longer pairs lose tokens from the end of the longer text first (transformers'
  /// `longest_first`; on a tie, from b).
  public func composePair(_ a: [Int32], _ b: [Int32], maxLength limit: Int? = nil) -> [Int32] {
    let room = min(limit ?? maxLength, maxLength) - 4
    var a = a[...], b = b[...]
    while a.count + b.count > max(room, 0) {
      if a.count > b.count { a = a.dropLast() } else { b = b.dropLast() }
    }
    return [Tokenizer.bos] + a + [Tokenizer.eos, Tokenizer.eos] + b + [Tokenizer.eos]
  }

  /// `composePair` of the two texts' piece ids.
  public func encodePair(_ a: String, _ b: String, maxLength: Int? = nil) -> [Int32] {
    composePair(pieceIds(a), pieceIds(b), maxLength: maxLength)
  }
}
