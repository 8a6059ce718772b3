/// Errors from loading a tokenizer (each names the file at fault) or from a length limit that
/// leaves no room for the special tokens.
public enum TokenizationError: Error, CustomStringConvertible {
  case badTokenizer(path: String, reason: String)
  /// A maximum length below `minimum`: 2 for `<s> text </s>`, 4 for a pair.
  case lengthTooSmall(Int, minimum: Int)

  public var description: String {
    switch self {
    case .badTokenizer(let path, let reason): return "\(path): cannot load tokenizer model: \(reason)"
    case .lengthTooSmall(let n, let minimum) where minimum == 4:
      return "maximum length \(n): a pair needs at least 4 (<s> a </s></s> b </s>)"
    case .lengthTooSmall(let n, let minimum): return "maximum length \(n): it must be at least \(minimum) (<s> and </s>)"
    }
  }
}
