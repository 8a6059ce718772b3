/// Errors from loading a tokenizer; each names the file at fault.
public enum TokenizationError: Error, CustomStringConvertible {
  case badTokenizer(path: String, reason: String)

  public var description: String {
    switch self {
    case .badTokenizer(let path, let reason): return "\(path): cannot load tokenizer model: \(reason)"
    }
  }
}
