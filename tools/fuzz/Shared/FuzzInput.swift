import Foundation

/// The fuzzed bytes as files, for readers that take a path: written into a scratch directory of
/// this process under the directory the harness started in (tools/fuzz.sh's run directory).
enum FuzzInput {
  /// `scratch-PID/` under the starting directory, created once and removed at exit.
  static let directory: String = {
    let dir = FileManager.default.currentDirectoryPath + "/scratch-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: FuzzInput.directory) }
    return dir
  }()

  /// Writes `size` bytes at `data` to file `name` of the scratch directory; returns its path.
  static func write(_ data: UnsafePointer<UInt8>, _ size: Int, name: String) -> String {
    write(Data(bytes: data, count: size), name: name)
  }

  static func write(_ bytes: Data, name: String) -> String {
    let path = directory + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: bytes)
    return path
  }

  /// The input split at its first NUL byte: the part before, and the part after (nil without one).
  static func split(_ data: UnsafePointer<UInt8>, _ size: Int) -> (Data, Data?) {
    let all = Data(bytes: data, count: size)
    guard let nul = all.firstIndex(of: 0) else { return (all, nil) }
    return (all[..<nul], all[(nul + 1)...])
  }
}
