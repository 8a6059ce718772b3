/// Errors from loading or running an encoder; each names the file, key, tensor or line at fault.
public enum TextEncoderError: Error, CustomStringConvertible {
  case cannotRead(path: String, reason: String)
  case badConfig(path: String, key: String, detail: String)
  case unsupported(path: String, key: String, value: String, supported: String)
  case missingTensor(path: String, tensor: String)
  case wrongShape(path: String, tensor: String, expected: [Int], got: [Int])
  case tokenOutOfRange(detail: String)
  /// Texts are embedded in batches of at least one.
  case badBatchSize(Int)

  public var description: String {
    switch self {
    case .cannotRead(let path, let reason): return "\(path): \(reason)"
    case .badConfig(let path, let key, let detail): return "\(path): key '\(key)': \(detail)"
    case .unsupported(let path, let key, let value, let supported):
      return "\(path): unsupported \(key) '\(value)' (supported: \(supported))"
    case .missingTensor(let path, let tensor): return "\(path): missing tensor '\(tensor)'"
    case .wrongShape(let path, let tensor, let expected, let got):
      return "\(path): tensor '\(tensor)' has shape \(got), expected \(expected)"
    case .tokenOutOfRange(let detail): return detail
    case .badBatchSize(let n): return "texts are embedded in batches of at least 1, got \(n)"
    }
  }
}
