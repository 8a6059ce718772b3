import Foundation

/// Reading a recipe file's text: UTF-8, without a leading byte order mark; an error says why a
/// file cannot be read (missing, a directory, not UTF-8, no permission).
enum RecipeText {
  static func read(path: String) throws -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw RecipeError.wholeFile(path, "cannot read the recipe: no such file")
    }
    if isDirectory.boolValue { throw RecipeError.wholeFile(path, "cannot read the recipe: it is a directory") }
    guard let data = FileManager.default.contents(atPath: path) else {
      let reason = FileManager.default.isReadableFile(atPath: path) ? "it cannot be read" : "permission denied"
      throw RecipeError.wholeFile(path, "cannot read the recipe: \(reason)")
    }
    var bytes = data[...]
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      var line = 1
      for part in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
        if String(validating: part, as: UTF8.self) == nil { break }
        line += 1
      }
      throw RecipeError.wholeFile(path, "cannot read the recipe: line \(line) is not valid UTF-8")
    }
    return text
  }
}
