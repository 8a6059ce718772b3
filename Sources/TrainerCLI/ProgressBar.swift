import Foundation

/// A progress bar on a terminal (stderr), nothing otherwise.
struct ProgressBar {
  let total: Int
  let label: String
  let start = Date()
  let enabled = isatty(STDERR_FILENO) != 0

  func update(_ done: Int) {
    guard enabled, total > 0 else { return }
    let elapsed = Date().timeIntervalSince(start)
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    FileHandle.standardError.write(Data(line(done, rate: rate).utf8))
    if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
  }

  /// The bar after `done` of `total` at `rate` per second; counts as 64-bit integers, the bar's
  /// fill in floating point (no overflow at any count).
  func line(_ done: Int, rate: Double) -> String {
    let width = 30
    let filled = min(max(Int(Double(width) * Double(done) / Double(max(total, 1))), 0), width)
    let eta = rate > 0 ? (Double(total) - Double(done)) / rate : 0
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    return "\r\(label) [\(bar)] \(done)/\(total)  " + String(format: "%.1f/s  ETA %.0fs ", rate, eta)
  }
}
