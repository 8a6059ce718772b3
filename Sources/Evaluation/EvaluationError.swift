/// Errors from reading evaluation data or evaluating; each names the file and line at fault.
public enum EvaluationError: Error, CustomStringConvertible {
  case cannotRead(path: String, detail: String)
  case badLine(path: String, line: Int, detail: String)

  public var description: String {
    switch self {
    case .cannotRead(let p, let d): "\(p): \(d)"
    case .badLine(let p, let l, let d): "\(p):\(l): \(d)"
    }
  }
}
