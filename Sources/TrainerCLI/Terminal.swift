import Foundation

/// What the process knows of its terminal.
enum Terminal {
  /// Standard error is a terminal (progress bars are drawn there).
  static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
  /// Standard output is a terminal (not a file or a pipe such as `| tee`).
  static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }

  /// The width of the terminal on standard error: its window size (ioctl TIOCGWINSZ), else
  /// `COLUMNS`, else 80.
  static var width: Int {
    var size = winsize()
    if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    return columns(ProcessInfo.processInfo.environment["COLUMNS"])
  }

  /// `COLUMNS` as a width: a positive number up to 10,000, else 80.
  static func columns(_ value: String?) -> Int {
    guard let value, let n = Int(value.trimmingCharacters(in: .whitespaces)), n > 0, n <= 10_000 else { return 80 }
    return n
  }

  /// Erases the line the cursor is on (carriage return, then ANSI "erase in line").
  static let clearLine = "\r\u{1B}[K"

  static func writeError(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
