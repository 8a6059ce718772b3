import Foundation

/// The repository and temporary directories, for tests that link only `Recipes` (the test
/// helpers of `TestSupport` link the engine).
enum Paths {
  /// The repository root (two levels above Tests/RecipesTests).
  static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// True under CI, where the model and data must be present and their tests must not be skipped.
  static var requireRealModel: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

  /// A fresh temporary directory.
  static func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}
