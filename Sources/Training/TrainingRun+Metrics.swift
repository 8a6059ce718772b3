import Foundation

/// `metrics.jsonl`: one JSON object a line, appended as the run goes.
extension TrainingRun {
  func appendMetrics<T: Encodable>(_ value: T) throws {
    let e = JSONEncoder()
    e.keyEncodingStrategy = .convertToSnakeCase
    e.outputFormatting = [.sortedKeys]
    var line = try e.encode(value)
    line.append(UInt8(ascii: "\n"))
    try appendLine(line)
  }

  /// A step's line: its keys are written as `StepMetrics` spells them (no key strategy, so a
  /// source's label in `loss_<source>` is kept as it is).
  func appendMetrics(_ value: StepMetrics) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys]
    var line = try e.encode(value)
    line.append(UInt8(ascii: "\n"))
    try appendLine(line)
  }

  func appendMetrics(_ dict: [String: Any]) throws {
    var line = try JSONSerialization.data(withJSONObject: dict, options: [.sortedKeys])
    line.append(UInt8(ascii: "\n"))
    try appendLine(line)
  }

  /// Rank 0 writes the log; the other ranks of a data-parallel run write nothing.
  private func appendLine(_ data: Data) throws {
    guard communicator.isRoot else { return }
    if !FileManager.default.fileExists(atPath: metricsURL.path) {
      _ = FileManager.default.createFile(atPath: metricsURL.path, contents: nil)
    }
    let h = try FileHandle(forWritingTo: metricsURL)
    defer { try? h.close() }
    try h.seekToEnd()
    try h.write(contentsOf: data)
  }

  /// Drops metric lines of steps after `globalStep` (a resumed run repeats them).
  func truncateMetrics(after globalStep: Int) throws {
    guard communicator.isRoot else { return }
    guard let data = FileManager.default.contents(atPath: metricsURL.path), let text = String(data: data, encoding: .utf8) else { return }
    let kept = text.split(separator: "\n").filter { line in
      guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
        let step = obj["global_step"] as? Int
      else { return false }
      return step <= globalStep
    }
    try (kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).write(to: metricsURL, atomically: true, encoding: .utf8)
  }
}
