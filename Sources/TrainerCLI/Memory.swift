import Foundation

/// Resident memory of this process, from /proc/self/status (Linux).
enum Memory {
  /// VmHWM, the peak resident set, in bytes.
  static func peak() -> Double { field("VmHWM:") }
  /// VmRSS, the current resident set, in bytes.
  static func resident() -> Double { field("VmRSS:") }

  /// Resets the peak to the current resident set (writing 5 to /proc/self/clear_refs) and
  /// returns the current resident set.
  @discardableResult
  static func resetPeak() -> Double {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    return resident()
  }

  private static func field(_ name: String) -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
      let line = s.split(separator: "\n").first(where: { $0.hasPrefix(name) })
    else { return 0 }
    let kb = line.dropFirst(name.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first.flatMap { Double($0) } ?? 0
    return kb * 1024
  }
}
