import Losses
import Recipes

/// A stage's training examples, read and checked: every source's examples in order (an instruct
/// stage's queries, and both sides of its graded pairs, formatted with the source's
/// instruction), and where each source's examples sit.
struct StageData {
  var examples: [TrainingExample]
  var sources: [Range<Int>]
  /// What reading the stage's sources left out (skipped rows, dropped negatives).
  var report = LoadReport()
  /// Embedding distillation: the width of the teacher's embeddings.
  var teacherDims: Int?

  /// Every stage of `recipe`. A stage whose batch size exceeds its examples, or the distinct
  /// texts of the pool its batches draw from (one source under per_source mixing), is an
  /// error: a batch never repeats a text.
  static func load(_ recipe: Recipe, dataSets: DataSetFiles) throws -> [StageData] {
    try recipe.stages.enumerated().map { index, stage in
      var report = LoadReport()
      // a source reads teacher scores when the loss it trains with distills from scores
      let loaded = try stage.data.indices.flatMap { k in
        let distill = stage.loss(ofSource: k).distill
        return try TrainingData.loadSources(
          [stage.data[k]], dataSets: dataSets, teacher: distill != nil && distill?.embeddingTeacher == nil, report: &report)
      }
      try checkLosses(of: stage, index: index, loaded)
      let teacherDims = try stage.distill?.embeddingTeacher.map { try dataSets.loadTeacherEmbeddings(of: stage.data.flatMap(\.paths), stage: stage.name, teacher: $0) }
      let perSource = zip(stage.data, loaded).map { source, examples in
        guard stage.kind == .instruct, let task = source.instruction else { return examples }
        let p = recipe.model.instructionPrefix(task)
        return examples.map { e -> TrainingExample in
          switch e {
          case .triplet(let q, let pos, let neg): return .triplet(query: p + q, positive: pos, negatives: neg)
          case .pair(let a, let b, let score): return .pair(p + a, p + b, score: score)
          case .group(var g):
            g.query = p + g.query
            return .group(g)
          case .indexed: return e  // refused by the recipe: instruct sources are text files
          }
        }
      }
      let count = perSource.reduce(0) { $0 + $1.count }
      if stage.batchSize > count {
        throw TrainingError.batchLargerThanData(stage: stage.name, batchSize: stage.batchSize, examples: count)
      }
      let pools = stage.mixing == .perSource
        ? perSource.enumerated().map { ($1, stage.data[$0].paths.joined(separator: ", ")) }
        : [(perSource.flatMap { $0 }, "its data")]
      for (pool, name) in pools {
        let distinct = Set(pool.flatMap(\.texts)).count
        if distinct < stage.batchSize {
          throw TrainingError.batchLargerThanDistinctTexts(stage: stage.name, source: name, batchSize: stage.batchSize, texts: distinct)
        }
      }
      var start = 0
      let ranges = perSource.map { src -> Range<Int> in
        defer { start += src.count }
        return start..<(start + src.count)
      }
      return StageData(examples: perSource.flatMap { $0 }, sources: ranges, report: report, teacherDims: teacherDims)
    }
  }

  /// Each source's first example read by the objective the source trains with, so that a loss
  /// its examples cannot feed (CoSENT on a table source without scores, InfoNCE on graded pairs)
  /// stops the run before training, naming the stage, the source and the loss's key. A
  /// source's examples are all of one kind.
  static func checkLosses(of stage: Recipe.Stage, index: Int, _ loaded: [[TrainingExample]]) throws {
    let labels = stage.sourceLabels
    for (k, examples) in loaded.enumerated() {
      guard let first = examples.first else { continue }
      do {
        _ = try stage.trainingSource(k).objective.batch([first.lossExample])
      } catch LossError.unsuitableExample(let objective, _, let needs) {
        let key = stage.data[k].loss == nil ? "stages.\(index).loss" : "stages.\(index).data.\(k).loss"
        throw TrainingError.sourceLoss(
          stage: stage.name, source: labels[k], key: key,
          detail: "\(objective) needs \(needs), and this source's examples are \(first.kindDescription)")
      } catch {
        // other problems of an example (a missing teacher score) show where training meets them
      }
    }
  }

  /// The batches of every epoch of `stage` when they do not depend on the epoch's shuffle: no
  /// text is shared by two examples of a pool (the examples its batches draw from), so the
  /// sampler never defers one and a pool of n examples gives ⌈n / batch⌉ batches; per-source
  /// weights then set each source's count as `BatchSampler.perSourceEpoch` does. Nil when some
  /// pool's examples share a text.
  func batchesPerEpoch(of stage: Recipe.Stage) -> Int? {
    let pools = stage.mixing == .perSource ? sources : [0..<examples.count]
    var counts: [Int] = []
    for pool in pools {
      var owner: [String: Int] = [:]
      for i in pool {
        for text in examples[i].texts where owner[text, default: i] != i { return nil }
        for text in examples[i].texts { owner[text] = i }
      }
      counts.append((pool.count + stage.batchSize - 1) / max(stage.batchSize, 1))
    }
    if stage.mixing == .perSource, stage.data.allSatisfy({ $0.weight != nil }) {
      let weights = stage.data.map { $0.weight! }
      let total = Double(counts.reduce(0, +)), sum = weights.reduce(0, +)
      counts = weights.map { max(1, Int(($0 / sum * total).rounded())) }
    }
    return counts.reduce(0, +)
  }
}

extension TrainingExample {
  /// What kind of example this is, for errors.
  fileprivate var kindDescription: String {
    switch self {
    case .pair: "graded pairs (with a score)"
    case .triplet(_, _, let negatives): negatives.isEmpty ? "(query, positive) pairs" : "(query, positive, negatives) examples"
    case .indexed: "(query, positive, negatives) examples of a data set"
    case .group: "queries with positives (and negatives)"
    }
  }
}
