import Foundation

/// A progress bar on a terminal (stderr), nothing otherwise.
struct ProgressBar {
  let total: Int
  let label: String
  let start = Date()
  let enabled = isatty(STDERR_FILENO) != 0

  func update(_ done: Int) {
    guard enabled, total > 0 else { return }
    let width = 30
    let filled = width * done / total
    let elapsed = Date().timeIntervalSince(start)
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    let eta = rate > 0 ? Double(total - done) / rate : 0
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    let line = String(format: "\r%@ [%@] %d/%d  %.1f/s  ETA %.0fs ", label, bar, done, total, rate, eta)
    FileHandle.standardError.write(Data(line.utf8))
    if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
  }
}
