import Autograd
import Foundation

/// What a run ran on, written to `<output>/run.json` when it starts and again when it ends
/// (`trainer report` shows it): the trainer's version, the machine's CPU, ranks and threads,
/// the precision, and when the run (its last session, if it was resumed) started and ended.
public struct RunInfo: Codable, Sendable, Equatable {
  public var trainerVersion: String
  public var cpu: String
  public var cores: Int
  public var ranks: Int
  public var threadsPerRank: Int
  public var precision: String
  /// ISO 8601, UTC.
  public var started: String
  public var finished: String?
  /// Wall time from `started` to `finished`.
  public var seconds: Double?
  /// The global step this session started from (a resume's checkpoint; 0 for a fresh run).
  public var startedAtStep: Int

  enum CodingKeys: String, CodingKey {
    case trainerVersion = "trainer_version", cpu, cores, ranks, threadsPerRank = "threads_per_rank", precision, started
    case finished, seconds, startedAtStep = "started_at_step"
  }

  /// This machine, now.
  public static func current(ranks: Int, startedAtStep: Int) -> RunInfo {
    RunInfo(
      trainerVersion: TrainerVersion.number, cpu: cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount, ranks: ranks,
      threadsPerRank: Parallel.threads, precision: "fp32", started: timestamp(Date()), finished: nil, seconds: nil,
      startedAtStep: startedAtStep)
  }

  /// The CPU's model name from /proc/cpuinfo (Linux), else "unknown".
  static func cpuModel() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
      if let colon = line.firstIndex(of: ":") { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
    }
    return "unknown"
  }

  static func timestamp(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: date)
  }

  /// Marks the run finished now.
  mutating func finish(startDate: Date) {
    let now = Date()
    finished = Self.timestamp(now)
    seconds = now.timeIntervalSince(startDate)
  }

  func write(to url: URL) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try e.encode(self).write(to: url, options: .atomic)
  }
}
