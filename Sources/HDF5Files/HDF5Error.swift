/// Errors from HDF5 files; each names the file and the dataset or attribute involved.
public enum HDF5Error: Error, CustomStringConvertible {
  case cannotCreate(path: String, reason: String)
  case cannotOpen(path: String)
  case corrupt(path: String, detail: String)
  case damaged(path: String, name: String, detail: String)
  case failed(path: String, what: String)
  case missing(path: String, name: String)
  case unsupported(path: String, name: String, detail: String)
  case wrongShape(path: String, name: String, detail: String)
  case wrongType(path: String, name: String, found: String, expected: String)

  public var description: String {
    switch self {
    case .cannotCreate(let path, let reason): return "\(path): cannot create HDF5 file: \(reason)"
    case .cannotOpen(let path): return "\(path): cannot open as an HDF5 file (missing, truncated or not HDF5)"
    case .corrupt(let path, let detail): return "\(path): cannot open as an HDF5 file: \(detail)"
    case .damaged(let path, let name, let detail): return "\(path): '\(name)' is damaged: \(detail)"
    case .failed(let path, let what): return "\(path): HDF5 error while \(what)"
    case .missing(let path, let name): return "\(path): no dataset or attribute '\(name)'"
    case .unsupported(let path, let name, let detail): return "\(path): '\(name)': not supported: \(detail)"
    case .wrongShape(let path, let name, let detail): return "\(path): '\(name)': \(detail)"
    case .wrongType(let path, let name, let found, let expected): return "\(path): '\(name)' holds \(found), expected \(expected)"
    }
  }
}
