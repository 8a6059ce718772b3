import Foundation

/// Why a run cannot use its output directory or resume from a checkpoint.
public enum RunDirectoryError: Error, CustomStringConvertible {
  /// The recipe's `output` is empty.
  case emptyOutput(recipe: String)
  /// Another run holds the directory's lock.
  case locked(path: String, holder: String)
  /// A fresh run (no --resume) into a directory that holds a run.
  case notEmpty(path: String, entries: [String])
  /// A checkpoint that cannot be resumed from, and the newest one before it that can.
  case damagedCheckpoint(path: String, reason: String, previous: String?, recipe: String)
  /// A trainer_state.json value out of range for the recipe or the checkpoint.
  case badState(path: String, key: String, detail: String)

  public var description: String {
    switch self {
    case .emptyOutput(let r):
      "\(r): output is empty; name the run's directory (e.g. --set output=checkpoints/NAME)"
    case .locked(let p, let h):
      "\(p): the output directory is in use by another trainer run (\(h))"
    case .notEmpty(let p, let e):
      "\(p) already holds a run (\(e.prefix(5).joined(separator: ", "))\(e.count > 5 ? ", …" : "")): "
        + "continue it with --resume, or pass --overwrite to move it aside and start again"
    case .damagedCheckpoint(let p, let r, let prev, let recipe):
      "checkpoint \(p) is damaged (\(r)); "
        + (prev.map { "resume from the one before it with `trainer resume \($0) --recipe \(recipe)` (with the same --set options)" }
          ?? "there is no earlier checkpoint to resume from")
    case .badState(let p, let k, let d):
      "\(p): \(k): \(d)"
    }
  }
}
