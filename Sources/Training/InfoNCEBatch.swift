import DataSets
import Tokenization

/// The token sequences and identities of an InfoNCE batch: every query, then every positive,
/// then each query's first `hardNegatives` negatives in order; texts of hdf5 data sets are
/// composed from their stored ids, never re-tokenized.
struct InfoNCEBatch {
  var queries: [[Int32]] = [], positives: [[Int32]] = [], negatives: [[Int32]] = []
  var queryKeys: [String] = [], positiveKeys: [String] = [], negativeKeys: [String] = []
  /// The query each negative belongs to.
  var negativeOwners: [Int] = []
  /// Per query, the teacher's scores of [positive, negatives…], if the example has them.
  var teacher: [[Float]?] = []

  init(_ examples: [TrainingExample], step: TrainingStep, hardNegatives: Int) throws {
    let tok = step.tokenizer
    let queryHead = tok.pieceIds(step.queryPrefix), passageHead = tok.pieceIds(step.passagePrefix)
    for (i, e) in examples.enumerated() {
      switch e {
      case .triplet(let q, let p, let n):
        queries.append(tok.encode(q, prefix: step.queryPrefix, maxLength: step.maxLength))
        positives.append(tok.encode(p, prefix: step.passagePrefix, maxLength: step.maxLength))
        queryKeys.append(q)
        positiveKeys.append(p)
        for x in n.prefix(hardNegatives) {
          negatives.append(tok.encode(x, prefix: step.passagePrefix, maxLength: step.maxLength))
          negativeKeys.append(x)
          negativeOwners.append(i)
        }
        teacher.append(nil)
      case .indexed(let file, let q, let p, let n, let scores):
        guard let d = step.dataSets?.files[file] else { preconditionFailure("an hdf5 example without its data set") }
        queries.append(tok.compose(prefix: queryHead, text: try d.ids(q), maxLength: step.maxLength))
        positives.append(tok.compose(prefix: passageHead, text: try d.ids(p), maxLength: step.maxLength))
        queryKeys.append(TrainingExample.key(file: file, row: q))
        positiveKeys.append(TrainingExample.key(file: file, row: p))
        for x in n.prefix(hardNegatives) {
          negatives.append(tok.compose(prefix: passageHead, text: try d.ids(x), maxLength: step.maxLength))
          negativeKeys.append(TrainingExample.key(file: file, row: x))
          negativeOwners.append(i)
        }
        teacher.append(scores)
      case .pair:
        preconditionFailure("InfoNCE needs (query, positive[, negatives]) examples")
      }
    }
  }

  /// For distillation: each query's candidate columns in the (queries × candidates) score
  /// matrix, the teacher's scores of them, and which are absent (a query short of negatives, or
  /// a score the teacher left out), as (queries, width) tables.
  func teacherTable(width W: Int) throws -> (columns: [Int], scores: [Float], absent: [Bool]) {
    let n = queries.count
    var columns = [Int](repeating: 0, count: n * W), scores = [Float](repeating: 0, count: n * W)
    var absent = [Bool](repeating: true, count: n * W)
    var filled = [Int](repeating: 1, count: n)
    for i in 0..<n {
      guard let t = teacher[i] else { throw TrainingError.noTeacherScores(example: i) }
      columns[i * W] = i
      scores[i * W] = t[0]
      absent[i * W] = !t[0].isFinite
    }
    for (k, owner) in negativeOwners.enumerated() {
      let j = filled[owner]
      filled[owner] += 1
      let t = teacher[owner]!
      columns[owner * W + j] = n + k
      if j < t.count && t[j].isFinite {
        scores[owner * W + j] = t[j]
        absent[owner * W + j] = false
      }
    }
    return (columns, scores, absent)
  }
}
