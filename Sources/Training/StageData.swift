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
    try recipe.stages.map { stage in
      var report = LoadReport()
      let scores = stage.distill != nil && stage.distill?.embeddingTeacher == nil
      let loaded = try TrainingData.loadSources(stage.data, dataSets: dataSets, teacher: scores, report: &report)
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
