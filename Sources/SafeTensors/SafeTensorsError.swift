import Foundation

/// Errors from reading or writing a safetensors file; each names the file and, where it applies,
/// the tensor.
public enum SafeTensorsError: Error, CustomStringConvertible {
  case cannotOpen(path: String, reason: String)
  case truncated(path: String, detail: String)
  case badHeader(path: String, detail: String)
  case unsupportedDType(path: String, tensor: String, dtype: String)
  case missingTensor(path: String, tensor: String)
  case wrongDType(path: String, tensor: String, expected: String, got: String)
  case cannotWrite(path: String, reason: String)

  public var description: String {
    switch self {
    case .cannotOpen(let path, let reason): return "\(path): cannot open safetensors file: \(reason)"
    case .truncated(let path, let detail): return "\(path): truncated safetensors file: \(detail)"
    case .badHeader(let path, let detail): return "\(path): malformed safetensors header: \(detail)"
    case .unsupportedDType(let path, let tensor, let dtype):
      return "\(path): tensor '\(tensor)' has dtype \(dtype); supported: F32, F16, BF16, I64"
    case .missingTensor(let path, let tensor): return "\(path): no tensor named '\(tensor)'"
    case .wrongDType(let path, let tensor, let expected, let got):
      return "\(path): tensor '\(tensor)' is \(got), expected \(expected)"
    case .cannotWrite(let path, let reason): return "\(path): cannot write safetensors file: \(reason)"
    }
  }
}
