import Foundation

public enum TrainingError: Error, CustomStringConvertible {
  case emptyData(path: String)
  case badData(path: String, line: Int, detail: String)
  case batchLargerThanData(stage: String, batchSize: Int, examples: Int)
  case nonFiniteLoss(stage: String, step: Int, lastCheckpoint: String?)
  case checkpoint(path: String, detail: String)
  /// `--resume` with no checkpoint to resume from.
  case noCheckpoint(directory: String)
  case memoryBudget(stage: String, megabytes: Int, needed: Int)
  case batchLargerThanDistinctTexts(stage: String, source: String, batchSize: Int, texts: Int)
  case notTriplets(paths: [String])
  case replicasDiffer(rank: Int, when: String)

  public var description: String {
    switch self {
    case .emptyData(let p): "\(p): no training examples in this file"
    case .badData(let p, let l, let d): "\(p):\(l): \(d)"
    case .batchLargerThanData(let s, let b, let n): "stage '\(s)': batch size \(b) is larger than its \(n) examples"
    case .nonFiniteLoss(let s, let step, let c):
      "stage '\(s)', step \(step): the loss is not finite; training stopped" + (c.map { ". The last good checkpoint is \($0)" } ?? "")
    case .checkpoint(let p, let d): "\(p): \(d)"
    case .noCheckpoint(let d): "--resume: no checkpoint in \(d)"
    case .batchLargerThanDistinctTexts(let s, let src, let b, let n):
      "stage '\(s)': batch size \(b) is larger than the \(n) distinct texts of \(src) (a batch never repeats a text)"
    case .notTriplets(let p):
      "\(p.joined(separator: ", ")): graded pairs are not (query, positive) examples; use pairs_tsv (with min_score in a recipe)"
    case .replicasDiffer(let r, let when):
      "rank \(r)'s weights differ from rank 0's (\(when)): every rank must load the same model and checkpoint files "
        + "(the same paths on every host) and run the same trainer build"
    case .memoryBudget(let s, let mb, let needed):
      "stage '\(s)': memory_budget_mb \(mb) is below the \(needed) MB that the weights, gradients, optimizer moments and one text need"
    }
  }
}
