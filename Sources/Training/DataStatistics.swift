import Losses

/// A stage's training data as the model card describes it: the number of examples, and over
/// the first `sampleLimit` of them the token length of each kind of text the stage's objective
/// encodes (prefix and special tokens included, truncated at `max_length`, as trained), and
/// the graded pairs' scores. sentence-transformers' cards do the same over their first 1,000.
struct DataStatistics: Equatable {
  struct Column: Equatable {
    /// query, positive, negative (every hard negative trained with), sentence1, sentence2, pair
    var name: String
    var count: Int
    var minTokens: Int
    var meanTokens: Double
    var maxTokens: Int
  }

  var stage: String
  var examples: Int
  var sampled: Int
  var columns: [Column]
  /// Graded pairs: min, mean and max of their scores.
  var scores: (min: Float, mean: Double, max: Float)?

  static let sampleLimit = 1000

  static func == (a: DataStatistics, b: DataStatistics) -> Bool {
    a.stage == b.stage && a.examples == b.examples && a.sampled == b.sampled && a.columns == b.columns
      && a.scores?.min == b.scores?.min && a.scores?.mean == b.scores?.mean && a.scores?.max == b.scores?.max
  }

  /// The statistics of `examples` as `step` prepares them.
  static func measure(stage: String, examples: [TrainingExample], step: TrainingStep) throws -> DataStatistics {
    try measure(stage: stage, examples: examples, step: { _ in step })
  }

  /// The statistics of `examples`, example i as `step(i)` prepares it (in a stage of several
  /// losses, the step of its source's).
  static func measure(stage: String, examples: [TrainingExample], step stepOf: (Int) -> TrainingStep) throws -> DataStatistics {
    let sample = examples.prefix(sampleLimit)
    var lengths: [String: [Int]] = [:], order: [String] = []
    var scores: [Float] = []
    for (i, example) in sample.enumerated() {
      let step = stepOf(i)
      let lossExample = try step.texts.lossExamples([example], teacherEmbeddings: step.objective is EmbeddingDistillation)[0]
      if let s = lossExample.score { scores.append(s) }
      let inputs = try step.objective.batch([lossExample]).inputs
      let sequences = try step.texts.sequences(inputs, of: [example])
      for (input, ids) in zip(inputs, sequences) {
        let name = columnName(input, pair: lossExample.score != nil)
        if lengths[name] == nil { order.append(name) }
        lengths[name, default: []].append(ids.count)
      }
    }
    let columns = order.map { name in
      let l = lengths[name]!
      return Column(
        name: name, count: l.count, minTokens: l.min()!, meanTokens: Double(l.reduce(0, +)) / Double(l.count), maxTokens: l.max()!)
    }
    let scoreSummary = scores.isEmpty
      ? nil : (min: scores.min()!, mean: scores.reduce(0.0) { $0 + Double($1) } / Double(scores.count), max: scores.max()!)
    return DataStatistics(stage: stage, examples: examples.count, sampled: sample.count, columns: columns, scores: scoreSummary)
  }

  static func columnName(_ input: LossInput, pair: Bool) -> String {
    switch input {
    case .pair: "pair"
    case .text(_, .query, _): pair ? "sentence1" : "query"
    case .text(_, .positive, _): pair ? "sentence2" : "positive"
    case .text(_, .negative, _): "negative"
    }
  }
}
