import Autograd
import Communication
import Evaluation
import Foundation
import Recipes
import SafeTensors
import TextEncoder
import TextFiles
import Tokenization

/// Runs a recipe: its stages in order, each from the previous stage's weights, with AdamW, the
/// learning-rate schedule, gradient clipping, evaluation and checkpoints; resumes exactly from
/// any checkpoint. Reports through `observer` (the CLI prints); appends every step's metrics
/// to `<output>/metrics.jsonl`.
///
/// On several ranks (threads of one process, `trainer run`'s default, or processes under
/// `mpirun`) every rank runs this same loop over the same batches, each embedding its share of
/// every batch (`TrainingStep.embedAndBackward`); the gradients are summed over the ranks before
/// the optimizer step, so the replicas stay equal (checked at every checkpoint). Rank 0 alone
/// reports, logs, prepares and writes checkpoints.
public final class TrainingRun {
  /// A step's line of `metrics.jsonl` (numbers that are not finite are written as null).
  public struct StepMetrics: Encodable, Sendable {
    public var stage: String
    public var step: Int
    public var stageSteps: Int
    public var globalStep: Int
    public var epoch: Int
    public var loss: Float
    public var gradNorm: Float
    public var lr: Float
    public var accuracy: Float?
    public var positiveSimilarity: Float?
    public var hardestNegativeSimilarity: Float?
    public var tokens: Int
    public var tokensPerSecond: Double
    public var seconds: Double
    /// Data-parallel runs: this step's seconds in collectives (rank 0's, waits included).
    public var communicationSeconds: Double?
    /// The batch's update was skipped: its loss or gradient norm is not finite (`on_nonfinite: skip_batch`).
    public var skipped: Bool?
    /// Batches skipped so far in the run (nil: none).
    public var skippedBatches: Int?
    /// InfoNCE with false-negative masking: candidates masked per query.
    public var maskedFalseNegatives: Float?
    /// Stages whose batches come from one source at a time, over several (`logsPerSource`): the
    /// label of the batch's source, whose loss `loss` is; written as `source` and again as
    /// `loss_<source>` (so each source's losses form a column of their own).
    public var source: String? = nil
    /// The precision of the step's matrix products ("fp32" or "bf16").
    public var precision: String? = nil

    // snake case spelled out: `loss_<source>` keeps the source's label as it is, so these lines
    // are written without a key strategy
    enum CodingKeys: String, CodingKey {
      case stage, step, stageSteps = "stage_steps", globalStep = "global_step", epoch, loss, gradNorm = "grad_norm", lr, accuracy
      case positiveSimilarity = "positive_similarity", hardestNegativeSimilarity = "hardest_negative_similarity"
      case tokens, tokensPerSecond = "tokens_per_second", seconds, communicationSeconds = "communication_seconds", skipped
      case skippedBatches = "skipped_batches", maskedFalseNegatives = "masked_false_negatives", source, precision
    }

    /// `loss_<source>`: the key of a source's loss.
    public struct SourceLossKey: CodingKey {
      public var stringValue: String
      public var intValue: Int? { nil }
      public init(source: String) { stringValue = "loss_" + source }
      public init?(stringValue: String) { self.stringValue = stringValue }
      public init?(intValue: Int) { nil }
    }

    /// Writes the step; a number that is not finite (a skipped batch's loss) is written as null.
    public func encode(to encoder: Swift.Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(stage, forKey: .stage)
      try c.encode(step, forKey: .step)
      try c.encode(stageSteps, forKey: .stageSteps)
      try c.encode(globalStep, forKey: .globalStep)
      try c.encode(epoch, forKey: .epoch)
      try c.encodeFinite(loss, forKey: .loss)
      try c.encodeFinite(gradNorm, forKey: .gradNorm)
      try c.encodeFinite(lr, forKey: .lr)
      if let accuracy { try c.encodeFinite(accuracy, forKey: .accuracy) }
      if let positiveSimilarity { try c.encodeFinite(positiveSimilarity, forKey: .positiveSimilarity) }
      if let hardestNegativeSimilarity { try c.encodeFinite(hardestNegativeSimilarity, forKey: .hardestNegativeSimilarity) }
      try c.encode(tokens, forKey: .tokens)
      try c.encodeFinite(tokensPerSecond, forKey: .tokensPerSecond)
      try c.encodeFinite(seconds, forKey: .seconds)
      if let communicationSeconds { try c.encodeFinite(communicationSeconds, forKey: .communicationSeconds) }
      try c.encodeIfPresent(skipped, forKey: .skipped)
      try c.encodeIfPresent(skippedBatches, forKey: .skippedBatches)
      if let maskedFalseNegatives { try c.encodeFinite(maskedFalseNegatives, forKey: .maskedFalseNegatives) }
      try c.encodeIfPresent(precision, forKey: .precision)
      if let source {
        try c.encode(source, forKey: .source)
        var perSource = encoder.container(keyedBy: SourceLossKey.self)
        try perSource.encodeFinite(loss, forKey: SourceLossKey(source: source))
      }
    }
  }

  public enum Event {
    case warning(String)
    /// The precision of the encoder's matrix products, at the start of the run and of every
    /// stage whose precision differs from the one before (a description: "bf16 (auto: …)").
    case precision(stage: String, String)
    /// What a prepare step did (or why it was skipped).
    case preparing(String)
    case stageStarted(index: Int, name: String, examples: Int, steps: Int, resumedAt: Int, miniBatch: Int?)
    case step(StepMetrics)
    case evaluation(TrainerState.Evaluation, best: Bool)
    case stoppedEarly(stage: String, step: Int, evaluations: Int)
    case loadedBest(URL, TrainerState.Best)
    /// The trained weights were merged with `with`'s, the trained model weighing `weight`.
    case merged(with: String, weight: Double)
    /// A checkpoint was written, in `seconds` (rank 0's writing of its files).
    case checkpoint(URL, seconds: Double)
    /// A fresh run with `overwrite` moved the earlier run's files to this directory.
    case movedAside(URL)
    /// The run stopped when asked (`stopRequested`), after `globalStep` steps, with this checkpoint.
    case stopped(globalStep: Int, checkpoint: URL?)
    /// The model is written; `best` is the best checkpoint when the recipe names a `best` metric.
    case finished(model: URL, evaluations: [TrainerState.Evaluation], best: TrainerState.Best?)
  }

  public let recipe: Recipe
  /// Receives the run's events (rank 0's only; see `emit`).
  let observer: (Event) -> Void
  /// The ranks of a data-parallel run; one process by default.
  public let communicator: any Communicator
  public let outputDirectory: URL
  public var checkpointsDirectory: URL { outputDirectory.appendingPathComponent("checkpoints") }
  var metricsURL: URL { outputDirectory.appendingPathComponent("metrics.jsonl") }
  /// What the run ran on and when (`RunInfo`).
  var runInfoURL: URL { outputDirectory.appendingPathComponent("run.json") }

  /// A fresh run moves an earlier run's files aside (`<output>.old-YYYYMMDD-HHMMSS`) instead of refusing.
  public var overwrite = false
  /// Resuming checks the checkpoint's files against the checksums its state records.
  public var verifyChecksums = true
  /// Asked between steps (on rank 0): true ends the run after the current step, with a checkpoint.
  public var stopRequested: @Sendable () -> Bool = { false }

  public init(recipe: Recipe, communicator: any Communicator = SingleProcess(), observer: @escaping (Event) -> Void) {
    self.recipe = recipe
    self.communicator = communicator
    self.observer = observer
    outputDirectory = URL(fileURLWithPath: recipe.output)
  }

  /// Reports an event (rank 0 only).
  func emit(_ event: Event) { if communicator.isRoot { observer(event) } }

  /// The stage name of the evaluation before the first step (`evaluate_before_training`).
  public static let baselineStage = "baseline"

  /// FNV-1a of the recipe's text and `--set` strings (`Recipe.canonicalText`), stored in checkpoints.
  public var recipeHash: String { FNV1a.hex(recipe.canonicalText.utf8) }

  /// The newest complete checkpoint of this run's output directory, if any.
  public func latestCheckpoint() -> URL? { Checkpoint.list(in: checkpointsDirectory).last?.url }

  /// Where a run starts.
  public enum Resume: Sendable, Equatable {
    /// From the recipe's base model (an earlier run's metrics are replaced).
    case none
    /// From the newest checkpoint in the output directory (rank 0's, on every rank); an error if there is none.
    case latest
    /// From the newest checkpoint if there is one, else from the start.
    case latestIfAny
    case checkpoint(URL)
  }

  /// Trains: the prepare steps, then each stage's steps with evaluations and checkpoints, then
  /// the final evaluation and the model. `maxSteps` stops after that many steps of the whole run
  /// (counted from its start), writing a checkpoint.
  ///
  /// Rank 0 holds the output directory's lock (`RunLock`) until the run ends; a fresh run
  /// (`.none`) into a directory holding an earlier run's work is refused unless `overwrite`.
  /// Between steps the run asks `stopRequested` (rank 0's answer counts) and, when it says so,
  /// stops with a checkpoint.
  @discardableResult
  public func run(resume: Resume = .none, maxSteps: Int? = nil) throws -> [TrainerState.Evaluation] {
    try recipe.checkBestMetric()
    let precisions = try stagePrecisions()
    _ = try recipePrecision()
    let lock = try openOutputDirectory(fresh: resume == .none)
    defer { lock?.release() }
    let from = try checkpoint(toResume: resume)
    try FileManager.default.createDirectory(at: checkpointsDirectory, withIntermediateDirectories: true)
    // a teacher stopped on request: this run stops with it (the teacher reported its checkpoint)
    guard try prepare() else { return [] }
    let setup = try load()
    let started = Date()
    var progress = try start(setup, from: from)
    var info = RunInfo.current(ranks: communicator.size, startedAtStep: progress.state.globalStep)
    info.precision = precisionRecord(precisions)
    // the baseline evaluation runs in the first stage's precision (a finished run's last stage's: its final evaluation)
    let current = min(progress.state.stage, precisions.count - 1)
    setup.encoder.store.precision = precisions[current]
    let stage = recipe.stages[current]
    emit(.precision(stage: stage.name, Self.describe(precisions[current], setting: stage.precision ?? recipe.precision)))
    if communicator.isRoot { try info.write(to: runInfoURL) }
    if from == nil && recipe.evaluateBeforeTraining { _ = try evaluate(setup, &progress, final: false, baseline: true) }
    while progress.state.stage < recipe.stages.count {
      guard try trainStage(setup, &progress, precision: precisions[progress.state.stage], maxSteps: maxSteps) else { return progress.state.evaluations }
      progress.state.advanceToNextStage()
    }
    try finish(setup, &progress)
    info.finish(startDate: started)
    if communicator.isRoot { try info.write(to: runInfoURL) }
    return progress.state.evaluations
  }
}
