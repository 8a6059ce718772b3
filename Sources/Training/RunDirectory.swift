import Foundation

/// The rules of a run's output directory: one run per directory, never mixed with another's
/// files, never deleted.
enum RunDirectory {
  /// What a run leaves that is not yet a run's work: the lock, the recipe copy, `run.json`, an
  /// empty checkpoints directory (a run that failed before its first step).
  static func isWork(_ name: String, in dir: URL) -> Bool {
    if name == ".lock" || name == "recipe.yaml" || name == "run.json" { return false }
    if name == "checkpoints" {
      let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(name).path)) ?? []
      return !entries.isEmpty
    }
    return true
  }

  /// Makes `dir` ready for a fresh run: refused when it holds an earlier run's work, unless
  /// `overwrite`, which moves that work into a sibling `<dir>.old-YYYYMMDD-HHMMSS` (returned).
  static func prepareFresh(_ dir: URL, overwrite: Bool) throws -> URL? {
    let fm = FileManager.default
    let work = ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).filter { isWork($0, in: dir) }.sorted()
    guard !work.isEmpty else { return nil }
    guard overwrite else { throw RunDirectoryError.notEmpty(path: dir.path, entries: work) }
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.dateFormat = "yyyyMMdd-HHmmss"
    let stamp = f.string(from: Date())
    var aside = URL(fileURLWithPath: dir.path + ".old-\(stamp)")
    var n = 2
    while fm.fileExists(atPath: aside.path) {
      aside = URL(fileURLWithPath: dir.path + ".old-\(stamp)-\(n)")
      n += 1
    }
    try fm.createDirectory(at: aside, withIntermediateDirectories: false)
    // the lock stays where it is (this run holds it); everything else moves, nothing is deleted
    for name in (try fm.contentsOfDirectory(atPath: dir.path)) where name != ".lock" {
      try fm.moveItem(at: dir.appendingPathComponent(name), to: aside.appendingPathComponent(name))
    }
    return aside
  }

  /// Removes what interrupted runs leave behind: checkpoints being assembled
  /// (`checkpoints/.step-NNNNNNN.partial`, `.best.partial`) and a final model being written
  /// (`.model.tmp-PID`). Returns their paths.
  static func removeLeftovers(_ dir: URL) -> [String] {
    let fm = FileManager.default
    var removed: [String] = []
    let checkpoints = dir.appendingPathComponent("checkpoints")
    for (parent, isLeftover) in [
      (checkpoints, { (name: String) in name.hasPrefix(".") && name.hasSuffix(".partial") }),
      (dir, { (name: String) in name.hasPrefix(".model.tmp-") }),
    ] {
      for name in (try? fm.contentsOfDirectory(atPath: parent.path)) ?? [] where isLeftover(name) {
        let url = parent.appendingPathComponent(name)
        if (try? fm.removeItem(at: url)) != nil { removed.append(url.path) }
      }
    }
    return removed
  }
}
