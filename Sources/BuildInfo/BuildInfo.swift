import Foundation

/// What `trainer --version` prints: the package's version (set by hand here) and the git
/// revision of the checkout the binary was built from: `git describe --always --dirty` run in
/// the directory this file was compiled from, when it is still a git checkout ("unknown" when
/// git or the checkout is missing). A build-tool plugin that wrote the revision before each build
/// left a clean clone's first build without its generated file, so it is asked at run time.
public enum BuildInfo {
  public static let version = "0.1.0"

  /// The checkout's revision, or "unknown".
  public static var revision: String {
    let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    let git = Process()
    git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    git.arguments = ["git", "-C", sources.path, "describe", "--always", "--dirty", "--abbrev=12"]
    let out = Pipe()
    git.standardOutput = out
    git.standardError = FileHandle.nullDevice
    do {
      try git.run()
    } catch {
      return "unknown"
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    git.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return git.terminationStatus == 0 && !text.isEmpty ? text : "unknown"
  }

  /// `trainer 0.1.0 (git 43a1b5f0c2e1)`.
  public static var versionLine: String { "trainer \(version) (git \(revision))" }
}
