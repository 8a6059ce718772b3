/// A problem with a recipe, naming the file, the line and the key.
public struct RecipeError: Error, CustomStringConvertible, Sendable {
  public let file: String
  /// 1-based; 0 for a value given by `--set`, or (with an empty path) the file as a whole.
  public let line: Int
  public let path: String
  public let message: String

  public init(file: String, line: Int, path: String, message: String) {
    self.file = file
    self.line = line
    self.path = path
    self.message = message
  }

  /// A problem with the file as a whole (it cannot be read, or is not YAML).
  static func wholeFile(_ file: String, _ message: String) -> RecipeError {
    RecipeError(file: file, line: 0, path: "", message: message)
  }

  public var description: String {
    let place =
      if line > 0 { "\(file):\(line)" }
      else if file.hasPrefix("--set") { "--set" }
      else if path.isEmpty { file }
      else { "\(file) (--set)" }
    return path.isEmpty ? "\(place): \(message)" : "\(place): \(path): \(message)"
  }
}
