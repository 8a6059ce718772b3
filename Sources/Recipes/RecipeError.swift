/// A problem with a recipe, naming the file, the line and the key.
public struct RecipeError: Error, CustomStringConvertible, Sendable {
  public let file: String
  public let line: Int
  public let path: String
  public let message: String

  public init(file: String, line: Int, path: String, message: String) {
    self.file = file
    self.line = line
    self.path = path
    self.message = message
  }

  public var description: String {
    let place = line > 0 ? "\(file):\(line)" : (file.hasPrefix("--set") ? "--set" : "\(file) (--set)")
    return path.isEmpty ? "\(place): \(message)" : "\(place): \(path): \(message)"
  }
}
