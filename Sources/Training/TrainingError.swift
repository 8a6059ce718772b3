import Foundation

public enum TrainingError: Error, CustomStringConvertible {
  case emptyData(path: String)
  case badData(path: String, line: Int, detail: String)
  case batchLargerThanData(stage: String, batchSize: Int, examples: Int)
  case nonFiniteLoss(stage: String, step: Int, value: Float, lastCheckpoint: String?)
  /// `tensor`: the first parameter whose gradient holds a non-finite value, at `index` (nil:
  /// every gradient is finite but their norm overflows).
  case nonFiniteGradient(stage: String, step: Int, tensor: String?, index: Int, value: Float, lastCheckpoint: String?)
  /// A stage's epochs whose step total would need each epoch sampled beyond the budget.
  case tooManyEpochs(stage: String, index: Int, epochs: Int, examples: Int, limit: Int)
  case tooManySteps(stage: String, index: Int, epochs: Int, batchesPerEpoch: Int)
  case checkpoint(path: String, detail: String)
  /// `--resume` with no checkpoint to resume from.
  case noCheckpoint(directory: String)
  case memoryBudget(stage: String, megabytes: Int, needed: Int)
  case batchLargerThanDistinctTexts(stage: String, source: String, batchSize: Int, texts: Int)
  case notTriplets(paths: [String])
  case replicasDiffer(rank: Int, when: String)
  /// A Matryoshka dimension above the embedding width.
  case matryoshkaDimension(stage: String, dimension: Int, hiddenSize: Int, key: String = "loss")
  /// A source's examples that the loss it trains with (`key`: its own, or the stage's) cannot read.
  case sourceLoss(stage: String, source: String, key: String, detail: String)
  /// Embedding distillation: a data set without (the right) teacher embeddings.
  case teacherEmbeddings(stage: String, path: String, detail: String)
  /// A `precision:` this CPU cannot run.
  case precision(file: String, key: String, detail: String)

  /// A non-finite value as people write it: NaN (whatever its sign bit), inf, -inf.
  static func show(_ v: Float) -> String { v.isNaN ? "NaN" : "\(v)" }

  /// Where a stopped run can resume from.
  static func lastGood(_ checkpoint: String?) -> String {
    checkpoint.map { "The last good checkpoint is \($0) (no checkpoint of this step was written)" }
      ?? "No checkpoint was written before this step"
  }

  public var description: String {
    switch self {
    case .emptyData(let p): "\(p): no training examples in this file"
    case .badData(let p, let l, let d): "\(p):\(l): \(d)"
    case .batchLargerThanData(let s, let b, let n): "stage '\(s)': batch size \(b) is larger than its \(n) examples"
    case .nonFiniteLoss(let s, let step, let v, let c):
      "stage '\(s)', step \(step): the loss is \(Self.show(v)), not finite; training stopped before the update. " + Self.lastGood(c)
    case .nonFiniteGradient(let s, let step, let t, let i, let v, let c):
      "stage '\(s)', step \(step): "
        + (t.map { "the gradient of \($0) is \(Self.show(v)) at index \(i)" } ?? "the gradient norm is \(Self.show(v)) (every gradient is finite)")
        + "; training stopped before the update. " + Self.lastGood(c)
    case .tooManyEpochs(let s, let i, let e, let n, let limit):
      "stage '\(s)': stages.\(i).epochs: \(e) epochs of \(n) examples that share texts: the step total needs every epoch's "
        + "batches (the sampler defers duplicates, so their number varies by epoch); give at most \(limit) epochs, or steps instead"
    case .tooManySteps(let s, let i, let e, let b):
      "stage '\(s)': stages.\(i).epochs: \(e) epochs of \(b) batches are more steps than can be counted (at most \(Int.max))"
    case .checkpoint(let p, let d): "\(p): \(d)"
    case .precision(let f, let k, let d): "\(f): \(k): \(d)"
    case .noCheckpoint(let d): "--resume: no checkpoint in \(d)"
    case .batchLargerThanDistinctTexts(let s, let src, let b, let n):
      "stage '\(s)': batch size \(b) is larger than the \(n) distinct texts of \(src) (a batch never repeats a text)"
    case .notTriplets(let p):
      "\(p.joined(separator: ", ")): graded pairs are not (query, positive) examples; use pairs_tsv (with min_score in a recipe)"
    case .teacherEmbeddings(let s, let p, let d): "stage '\(s)': loss.distill.teacher: \(p): \(d)"
    case .matryoshkaDimension(let s, let d, let h, let key):
      "stage '\(s)': \(key).matryoshka.dims: \(d) is above the model's embedding width \(h)"
    case .sourceLoss(let s, let src, let key, let detail):
      "stage '\(s)', source '\(src)': \(key): \(detail)"
    case .replicasDiffer(let r, let when):
      "rank \(r)'s weights differ from rank 0's (\(when)): every rank must load the same model and checkpoint files "
        + "(the same paths on every host) and run the same trainer build"
    case .memoryBudget(let s, let mb, let needed):
      "stage '\(s)': memory_budget_mb \(mb) is below the \(needed) MB that the weights, gradients, optimizer moments and one text need"
    }
  }
}
