import Autograd
import Evaluation
import Recipes

/// The recipe's plain values as the engine's types, and the checks that need the engine's names.

extension PoolingMode {
  public init(_ pooling: Recipe.Pooling) {
    switch pooling {
    case .mean: self = .mean
    case .cls: self = .cls
    case .max: self = .max
    }
  }
}

extension PrecisionSetting {
  /// A recipe's `precision:` value.
  public init(_ choice: Recipe.PrecisionChoice) {
    switch choice {
    case .auto: self = .auto
    case .fp32: self = .fp32
    case .bf16: self = .bf16
    }
  }
}

extension Similarity {
  public init(_ similarity: Recipe.Similarity) {
    switch similarity {
    case .cosine: self = .cosine
    case .dot: self = .dot
    }
  }
}

extension AdamW.Settings {
  public init(_ s: Recipe.AdamWSettings) {
    self.init(beta1: s.beta1, beta2: s.beta2, eps: s.eps, weightDecay: s.weightDecay)
  }
}

extension Recipe.EvalSet {
  /// Every metric name the set reports (the evaluators' names).
  public var metricNames: [String] {
    if crossEncoder { return EvaluationSetData.crossEncoderMetricNames }
    return switch source {
    case .sts: STSMetrics.names()
    case .retrieval, .stsRetrieval, .nliRetrieval: similarities.flatMap { RetrievalMetrics.names(similarity: Evaluation.Similarity($0).rawValue) }
    }
  }
}

extension Recipe {
  /// Throws unless `best.metric` is a metric its evaluation set reports; the error names the
  /// recipe file, line and key. `TrainingRun.run` checks it first.
  public func checkBestMetric() throws {
    guard let best, let set = evaluation.first(where: { $0.name == best.set }) else { return }
    try best.checkMetric(reported: set.metricNames)
  }

  /// `Recipe.load`, then `checkBestMetric`: a recipe to train is refused as soon as it is read.
  public static func loadForTraining(path: String, overrides: [String] = []) throws -> Recipe {
    let recipe = try load(path: path, overrides: overrides)
    try recipe.checkBestMetric()
    return recipe
  }
}
