import Foundation

/// A run's `run.json` as `trainer run` writes it (what it ran on and when); every field is
/// optional, so runs of earlier versions and partial files still report.
public struct RunInfoRecord {
  public var trainerVersion: String?
  public var cpu: String?
  public var cores: Int?
  public var ranks: Int?
  public var threadsPerRank: Int?
  public var precision: String?
  public var started: String?
  public var finished: String?
  public var seconds: Double?
  public var startedAtStep: Int?

  /// Reads `run.json` of `directory`; nil when there is none.
  static func read(directory: URL) throws -> RunInfoRecord? {
    let path = directory.appendingPathComponent("run.json").path
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    guard let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
      throw ReportError.cannotRead(path: path, detail: "not a JSON object")
    }
    func int(_ k: String) -> Int? { (o[k] as? Double).flatMap { $0 == $0.rounded() && abs($0) < 1e15 ? Int($0) : nil } }
    return RunInfoRecord(
      trainerVersion: o["trainer_version"] as? String, cpu: o["cpu"] as? String, cores: int("cores"), ranks: int("ranks"),
      threadsPerRank: int("threads_per_rank"), precision: o["precision"] as? String, started: o["started"] as? String,
      finished: o["finished"] as? String, seconds: o["seconds"] as? Double, startedAtStep: int("started_at_step"))
  }
}
