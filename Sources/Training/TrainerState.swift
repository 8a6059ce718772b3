import Evaluation
import Foundation

/// Where a run stands, saved in every checkpoint as `trainer_state.json`: enough to continue
/// exactly (the sampler and dropout are functions of the seed and these positions).
public struct TrainerState: Codable, Sendable, Equatable {
  /// One evaluation of one set: every metric it reports, and the one that stands for it.
  public struct Evaluation: Codable, Sendable, Equatable {
    public var name: String
    /// The stage it followed, or "final" (the sets evaluated once at the end).
    public var stage: String
    public var globalStep: Int
    public var mainMetric: String
    public var metrics: [Metric]
    public var seconds: Double
    public var main: Double? { metrics[mainMetric] }

    public init(name: String, stage: String, globalStep: Int, mainMetric: String, metrics: [Metric], seconds: Double) {
      self.name = name
      self.stage = stage
      self.globalStep = globalStep
      self.mainMetric = mainMetric
      self.metrics = metrics
      self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey { case name, stage, globalStep, mainMetric, metrics, seconds, spearman }

    /// Also reads the checkpoints of earlier versions, whose evaluations held only `spearman`.
    public init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      name = try c.decode(String.self, forKey: .name)
      stage = try c.decode(String.self, forKey: .stage)
      globalStep = try c.decode(Int.self, forKey: .globalStep)
      if let metrics = try c.decodeIfPresent([Metric].self, forKey: .metrics) {
        self.metrics = metrics
        mainMetric = try c.decode(String.self, forKey: .mainMetric)
      } else {
        metrics = [Metric("spearman_cosine", try c.decode(Double.self, forKey: .spearman))]
        mainMetric = "spearman_cosine"
      }
      seconds = try c.decodeIfPresent(Double.self, forKey: .seconds) ?? 0
    }

    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(name, forKey: .name)
      try c.encode(stage, forKey: .stage)
      try c.encode(globalStep, forKey: .globalStep)
      try c.encode(mainMetric, forKey: .mainMetric)
      try c.encode(metrics, forKey: .metrics)
      try c.encode(seconds, forKey: .seconds)
    }
  }

  /// The best evaluation so far of the recipe's `best` metric, and the checkpoint holding it.
  public struct Best: Codable, Sendable, Equatable {
    public var set: String
    public var metric: String
    public var value: Double
    public var globalStep: Int
    /// The checkpoint directory's name (step-NNNNNNN).
    public var checkpoint: String
  }

  /// Index of the stage in the recipe, and its name.
  public var stage: Int
  public var stageName: String
  /// Steps done in this stage, and the stage's total.
  public var stageStep: Int
  public var stageSteps: Int
  /// Steps done in the whole run.
  public var globalStep: Int
  /// Epoch and batch within the epoch of the next step.
  public var epoch: Int
  public var batchInEpoch: Int
  /// AdamW steps taken in this stage (its bias correction), and the learning rate of the last step.
  public var optimizerStep: Int
  public var learningRate: Float
  /// The run's seed; dropout masks and sampler shuffles are derived from it.
  public var seed: UInt64
  public var recipeHash: String
  public var evaluations: [Evaluation]
  public var lastLoss: Float?
  /// The best checkpoint so far (when the recipe names a `best` metric).
  public var best: Best?
  /// Evaluations of the best metric in this stage since it last improved (early stopping).
  public var evaluationsWithoutImprovement: Int?
  /// The stage ended early (early stopping) at stageStep.
  public var stoppedEarly: Bool?
  /// The data-parallel ranks that trained up to here (absent: 1).
  public var worldSize: Int?
  /// Batches skipped so far in the run for a non-finite loss or gradient (`on_nonfinite: skip_batch`; absent: none).
  public var skippedBatches: Int?

  /// The position at the start of the next stage (a fresh sampler epoch and optimizer).
  public mutating func advanceToNextStage() {
    stage += 1
    stageStep = 0
    epoch = 0
    batchInEpoch = 0
    optimizerStep = 0
    evaluationsWithoutImprovement = nil
    stoppedEarly = nil
  }

  public static func read(_ url: URL) throws -> TrainerState {
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw TrainingError.checkpoint(path: url.path, detail: "cannot read trainer_state.json")
    }
    do {
      let d = JSONDecoder()
      d.keyDecodingStrategy = .convertFromSnakeCase
      return try d.decode(TrainerState.self, from: data)
    } catch {
      throw TrainingError.checkpoint(path: url.path, detail: "not a trainer state: \(error)")
    }
  }

  public func jsonData() throws -> Data {
    let e = JSONEncoder()
    e.keyEncodingStrategy = .convertToSnakeCase
    e.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try e.encode(self)
  }
}
