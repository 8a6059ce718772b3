import Foundation

/// Paths of test fixtures and of the repository, independent of the working directory.
public enum Fixtures {
  /// The repository root (two levels above Tests/TestSupport).
  public static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  public static func path(_ relative: String) -> String {
    root.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative).path
  }

  /// The imported multilingual-e5-small, if set up (`models/multilingual-e5-small`, or
  /// `$TRAINER_E5_MODEL`).
  public static var e5ModelDirectory: String? {
    let dir = ProcessInfo.processInfo.environment["TRAINER_E5_MODEL"]
      ?? root.appendingPathComponent("models/multilingual-e5-small").path
    return FileManager.default.fileExists(atPath: dir + "/model.safetensors") ? dir : nil
  }

  /// True under CI, where the real model must be present and its tests must not be skipped.
  public static var requireRealModel: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

  /// A fresh temporary directory.
  public static func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}
