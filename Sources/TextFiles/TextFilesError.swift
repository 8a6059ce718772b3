/// Errors from reading a text file; each names the file and the line at fault.
public enum TextFilesError: Error, CustomStringConvertible {
  case cannotRead(path: String, reason: String)

  public var description: String {
    switch self {
    case .cannotRead(let path, let reason): return "\(path): \(reason)"
    }
  }
}
