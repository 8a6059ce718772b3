/// Errors from reading evaluation data or evaluating; each names the file and line at fault.
public enum EvaluationError: Error, CustomStringConvertible {
  case cannotRead(path: String, detail: String)
  case badLine(path: String, line: Int, detail: String)
  /// A set too small to evaluate (an STS set of fewer than two pairs, a retrieval set without
  /// queries or documents).
  case tooSmall(path: String, detail: String)

  public var description: String {
    switch self {
    case .cannotRead(let p, let d), .tooSmall(let p, let d): "\(p): \(d)"
    case .badLine(let p, let l, let d): "\(p):\(l): \(d)"
    }
  }
}
