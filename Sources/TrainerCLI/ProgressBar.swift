import Foundation

/// A progress bar on a terminal (stderr), nothing otherwise: done/total, percent, elapsed and
/// ETA as h:mm:ss and the rate, fitted to the terminal's width (`ProgressLine`).
struct ProgressBar {
  let total: Int
  let label: String
  let start = Date()
  let enabled = Terminal.stderrIsTerminal

  func update(_ done: Int) {
    guard enabled, total > 0 else { return }
    let elapsed = Date().timeIntervalSince(start)
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    Terminal.writeError("\r" + line(done, rate: rate, elapsed: elapsed).render(width: Terminal.width))
    if done >= total { Terminal.writeError("\n") }
  }

  /// The line after `done` of `total` at `rate` per second, `elapsed` seconds from the start.
  func line(_ done: Int, rate: Double, elapsed: Double) -> ProgressLine {
    let eta = rate > 0 ? (Double(total) - Double(done)) / rate : nil
    return ProgressLine(label: label, done: done, total: total, elapsed: elapsed, eta: eta, fields: [String(format: "%.1f/s", rate)])
  }
}
