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
    public init(from decoder: Swift.Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      name = try c.decode(String.self, forKey: .name)
      stage = try c.decode(String.self, forKey: .stage)
      globalStep = try c.decode(Int.self, forKey: .globalStep)
      if let metrics = try c.decodeIfPresent([NullableMetric].self, forKey: .metrics) {
        self.metrics = metrics.map { Metric($0.name, $0.value ?? .nan) }
        mainMetric = try c.decode(String.self, forKey: .mainMetric)
      } else {
        metrics = [Metric("spearman_cosine", try c.decodeFinite(Double.self, forKey: .spearman))]
        mainMetric = "spearman_cosine"
      }
      seconds = try c.decodeIfPresent(Double?.self, forKey: .seconds).map { $0 ?? .nan } ?? 0
    }

    public func encode(to encoder: Swift.Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(name, forKey: .name)
      try c.encode(stage, forKey: .stage)
      try c.encode(globalStep, forKey: .globalStep)
      try c.encode(mainMetric, forKey: .mainMetric)
      try c.encode(metrics.map { NullableMetric(name: $0.name, value: $0.value.isFinite ? $0.value : nil) }, forKey: .metrics)
      try c.encodeFinite(seconds, forKey: .seconds)
    }

    /// A metric as the file holds it: null where the value is not finite (JSON has no NaN).
    struct NullableMetric: Codable {
      var name: String
      var value: Double?

      func encode(to encoder: Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        if let value { try c.encode(value, forKey: .value) } else { try c.encodeNil(forKey: .value) }
      }
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

    enum CodingKeys: String, CodingKey { case set, metric, value, globalStep, checkpoint }

    public init(set: String, metric: String, value: Double, globalStep: Int, checkpoint: String) {
      self.set = set
      self.metric = metric
      self.value = value
      self.globalStep = globalStep
      self.checkpoint = checkpoint
    }

    public init(from decoder: Swift.Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      set = try c.decode(String.self, forKey: .set)
      metric = try c.decode(String.self, forKey: .metric)
      value = try c.decodeFinite(Double.self, forKey: .value)
      globalStep = try c.decode(Int.self, forKey: .globalStep)
      checkpoint = try c.decode(String.self, forKey: .checkpoint)
    }

    public func encode(to encoder: Swift.Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(set, forKey: .set)
      try c.encode(metric, forKey: .metric)
      try c.encodeFinite(value, forKey: .value)
      try c.encode(globalStep, forKey: .globalStep)
      try c.encode(checkpoint, forKey: .checkpoint)
    }
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
  /// XXH64 of every other file of the checkpoint ("xxh64:" and 16 hex digits) by its path in
  /// the checkpoint directory; `--resume` verifies them (absent in checkpoints of earlier versions).
  public var checksums: [String: String]?
  /// The precision of the matrix products of the stage that wrote the state ("fp32" or "bf16";
  /// absent in checkpoints of earlier versions, which were fp32).
  public var precision: String?

  public init(
    stage: Int, stageName: String, stageStep: Int, stageSteps: Int, globalStep: Int, epoch: Int, batchInEpoch: Int,
    optimizerStep: Int, learningRate: Float, seed: UInt64, recipeHash: String, evaluations: [Evaluation], lastLoss: Float?,
    best: Best? = nil, evaluationsWithoutImprovement: Int? = nil, stoppedEarly: Bool? = nil, worldSize: Int? = nil,
    checksums: [String: String]? = nil, skippedBatches: Int? = nil
  ) {
    self.stage = stage
    self.stageName = stageName
    self.stageStep = stageStep
    self.stageSteps = stageSteps
    self.globalStep = globalStep
    self.epoch = epoch
    self.batchInEpoch = batchInEpoch
    self.optimizerStep = optimizerStep
    self.learningRate = learningRate
    self.seed = seed
    self.recipeHash = recipeHash
    self.evaluations = evaluations
    self.lastLoss = lastLoss
    self.best = best
    self.evaluationsWithoutImprovement = evaluationsWithoutImprovement
    self.stoppedEarly = stoppedEarly
    self.worldSize = worldSize
    self.checksums = checksums
    self.skippedBatches = skippedBatches
  }

  enum CodingKeys: String, CodingKey {
    case stage, stageName, stageStep, stageSteps, globalStep, epoch, batchInEpoch, optimizerStep, learningRate, seed
    case recipeHash, evaluations, lastLoss, best, evaluationsWithoutImprovement, stoppedEarly, worldSize, checksums, skippedBatches
    case precision
  }

  /// Reads a state; a null learning rate or loss (not finite when written) reads as NaN.
  public init(from decoder: Swift.Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    stage = try c.decode(Int.self, forKey: .stage)
    stageName = try c.decode(String.self, forKey: .stageName)
    stageStep = try c.decode(Int.self, forKey: .stageStep)
    stageSteps = try c.decode(Int.self, forKey: .stageSteps)
    globalStep = try c.decode(Int.self, forKey: .globalStep)
    epoch = try c.decode(Int.self, forKey: .epoch)
    batchInEpoch = try c.decode(Int.self, forKey: .batchInEpoch)
    optimizerStep = try c.decode(Int.self, forKey: .optimizerStep)
    learningRate = try c.decodeFinite(Float.self, forKey: .learningRate)
    seed = try c.decode(UInt64.self, forKey: .seed)
    recipeHash = try c.decode(String.self, forKey: .recipeHash)
    evaluations = try c.decode([Evaluation].self, forKey: .evaluations)
    lastLoss = c.contains(.lastLoss) ? try c.decodeFinite(Float.self, forKey: .lastLoss) : nil
    best = try c.decodeIfPresent(Best.self, forKey: .best)
    evaluationsWithoutImprovement = try c.decodeIfPresent(Int.self, forKey: .evaluationsWithoutImprovement)
    stoppedEarly = try c.decodeIfPresent(Bool.self, forKey: .stoppedEarly)
    worldSize = try c.decodeIfPresent(Int.self, forKey: .worldSize)
    checksums = try c.decodeIfPresent([String: String].self, forKey: .checksums)
    skippedBatches = try c.decodeIfPresent(Int.self, forKey: .skippedBatches)
    precision = try c.decodeIfPresent(String.self, forKey: .precision)
  }

  /// Writes the state; a learning rate or loss that is not finite is written as null.
  public func encode(to encoder: Swift.Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(stage, forKey: .stage)
    try c.encode(stageName, forKey: .stageName)
    try c.encode(stageStep, forKey: .stageStep)
    try c.encode(stageSteps, forKey: .stageSteps)
    try c.encode(globalStep, forKey: .globalStep)
    try c.encode(epoch, forKey: .epoch)
    try c.encode(batchInEpoch, forKey: .batchInEpoch)
    try c.encode(optimizerStep, forKey: .optimizerStep)
    try c.encodeFinite(learningRate, forKey: .learningRate)
    try c.encode(seed, forKey: .seed)
    try c.encode(recipeHash, forKey: .recipeHash)
    try c.encode(evaluations, forKey: .evaluations)
    if let lastLoss { try c.encodeFinite(lastLoss, forKey: .lastLoss) }
    try c.encodeIfPresent(best, forKey: .best)
    try c.encodeIfPresent(evaluationsWithoutImprovement, forKey: .evaluationsWithoutImprovement)
    try c.encodeIfPresent(stoppedEarly, forKey: .stoppedEarly)
    try c.encodeIfPresent(worldSize, forKey: .worldSize)
    try c.encodeIfPresent(checksums, forKey: .checksums)
    try c.encodeIfPresent(skippedBatches, forKey: .skippedBatches)
    try c.encodeIfPresent(precision, forKey: .precision)
  }

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

/// JSON has no NaN or infinity: such values are written as null and read back as NaN.
extension KeyedEncodingContainer {
  mutating func encodeFinite<T: BinaryFloatingPoint & Encodable>(_ value: T, forKey key: Key) throws {
    if value.isFinite { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
  }
}

extension KeyedDecodingContainer {
  /// The number under `key`; NaN where it is null.
  func decodeFinite<T: BinaryFloatingPoint & Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
    try decodeNil(forKey: key) ? .nan : decode(T.self, forKey: key)
  }
}
