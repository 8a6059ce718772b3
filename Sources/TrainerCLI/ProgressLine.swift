import Foundation

/// One progress line fitted to a terminal's width: a label, a bar, the percentage, done/total,
/// the elapsed time and the ETA as tqdm writes them (`0:10:02<0:14:05`, h:mm:ss), then extra
/// fields ("loss 0.8123", "lr 2.0e-05", …). When the line is too wide, the extra fields go
/// first (the last one first), then the elapsed time, then the bar; the label is cut last. The
/// line is at most `width - 1` columns, so the cursor never reaches the terminal's last column
/// (where it would wrap).
struct ProgressLine: Equatable {
  var label: String
  var done: Int
  var total: Int
  var elapsed: Double
  /// Seconds still to come; nil when unknown.
  var eta: Double?
  /// The ETA leaves out work whose duration is not known yet (printed with a `+`).
  var etaIsLowerBound = false
  /// Extra fields, dropped from the last when the line is too wide.
  var fields: [String] = []

  static let minimumBar = 5, maximumBar = 30

  /// The line for a terminal of `width` columns.
  func render(width: Int) -> String {
    let room = max(width - 1, 0)
    let percent = total > 0 ? min(max(Int(100 * (Double(done) / Double(total))), 0), 100) : 0
    let head = "\(percent)% \(done)/\(total)"
    let remaining = (eta.map { Self.duration($0) } ?? "-:--:--") + (etaIsLowerBound ? "+" : "")
    for keep in stride(from: fields.count + 1, through: 0, by: -1) {
      // keep == fields.count + 1: every field and the elapsed time; below, fields dropped one by one, then the elapsed time
      let timing = keep > 0 ? Self.duration(elapsed) + "<" + remaining : "ETA " + remaining
      let tail = " " + ([head, timing] + fields.prefix(max(keep - 1, 0))).joined(separator: " ")
      let barRoom = room - label.count - tail.count - 3  // " [" and "]"
      if barRoom >= Self.minimumBar {
        return label + " " + bar(width: min(barRoom, Self.maximumBar)) + tail
      }
    }
    let bare = " " + head + " ETA " + remaining
    if label.count + bare.count <= room { return label + bare }
    return String((String(label.prefix(max(room - bare.count, 0))) + bare).prefix(room))
  }

  /// `[#####.....]` of `width` cells; the fill in floating point (no overflow at any count).
  func bar(width: Int) -> String {
    let filled = min(max(Int(Double(width) * Double(done) / Double(max(total, 1))), 0), width)
    return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
  }

  /// Seconds as h:mm:ss (`0:04:05`, `12:00:00`); negative or not finite as `-:--:--`, beyond
  /// 99,999 hours as `>99999h`.
  static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "-:--:--" }
    guard seconds < 99_999 * 3600 else { return ">99999h" }
    let s = Int(seconds.rounded())
    return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
  }
}
