import DataSets
import Tokenization

/// A cross-encoder's batch: every (query, candidate) pair as `<s> q </s></s> c </s>` (no
/// prefixes), with its label, and per example the pairs it contributed (positive first).
struct CrossEncoderBatch {
  var pairs: [[Int32]] = []
  var labels: [Float] = []
  var groups: [[Int]] = []

  /// `hardNegatives`: at most that many negatives per example (nil: all); a graded pair's label
  /// is its score / `maxScore`, clamped to [0, 1].
  init(_ examples: [TrainingExample], step: TrainingStep, hardNegatives: Int?, maxScore: Float) throws {
    let tok = step.tokenizer
    func add(_ a: [Int32], _ b: [Int32], _ label: Float) -> Int {
      pairs.append(tok.composePair(a, b, maxLength: step.maxLength))
      labels.append(label)
      return pairs.count - 1
    }
    for e in examples {
      switch e {
      case .triplet(let q, let p, let n):
        let qi = tok.pieceIds(q)
        groups.append([add(qi, tok.pieceIds(p), 1)] + n.prefix(hardNegatives ?? n.count).map { add(qi, tok.pieceIds($0), 0) })
      case .pair(let a, let b, let score):
        groups.append([add(tok.pieceIds(a), tok.pieceIds(b), min(max(score / maxScore, 0), 1))])
      case .indexed(let file, let q, let p, let n, _):
        guard let d = step.dataSets?.files[file] else { preconditionFailure("an hdf5 example without its data set") }
        let qi = try d.ids(q)
        groups.append([add(qi, try d.ids(p), 1)] + (try n.prefix(hardNegatives ?? n.count).map { add(qi, try d.ids($0), 0) }))
      }
    }
  }
}
