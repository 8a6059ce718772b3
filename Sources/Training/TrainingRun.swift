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
/// Under `mpirun` (`communicator` with several ranks) every rank runs this same loop over the
/// same batches, each embedding its share of every batch (`TrainingStep.dataParallel`); the
/// gradients are summed over the ranks before the optimizer step, so the replicas stay equal
/// (checked at every checkpoint). Rank 0 alone reports, logs, prepares and writes checkpoints.
public final class TrainingRun {
  public struct StepMetrics: Codable, Sendable {
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
  }

  public enum Event {
    case warning(String)
    /// What a prepare step did (or why it was skipped).
    case preparing(String)
    case stageStarted(index: Int, name: String, examples: Int, steps: Int, resumedAt: Int, miniBatch: Int?)
    case step(StepMetrics)
    case evaluation(TrainerState.Evaluation, best: Bool)
    case stoppedEarly(stage: String, step: Int, evaluations: Int)
    case loadedBest(URL, TrainerState.Best)
    case checkpoint(URL)
    case finished(model: URL, evaluations: [TrainerState.Evaluation])
  }

  public let recipe: Recipe
  let reportEvent: (Event) -> Void
  /// The ranks of a data-parallel run; one process by default.
  public var communicator: any Communicator = SingleProcess()
  public let outputDirectory: URL
  public var checkpointsDirectory: URL { outputDirectory.appendingPathComponent("checkpoints") }
  var metricsURL: URL { outputDirectory.appendingPathComponent("metrics.jsonl") }

  public init(recipe: Recipe, observer: @escaping (Event) -> Void) {
    self.recipe = recipe
    self.reportEvent = observer
    outputDirectory = URL(fileURLWithPath: recipe.output)
  }

  /// Reports an event (rank 0 only).
  func observer(_ event: Event) { if communicator.isRoot { reportEvent(event) } }

  /// FNV-1a of the recipe text after overrides, stored in checkpoints.
  public var recipeHash: String { FNV1a.hex(recipe.canonicalText.utf8) }

  /// The newest complete checkpoint of this run's output directory, if any.
  public func latestCheckpoint() -> URL? { Checkpoint.list(in: checkpointsDirectory).last?.url }

  /// The checkpoint to resume from: rank 0's newest, on every rank (so all resume from the same one).
  public func checkpointToResume() throws -> URL? {
    guard communicator.size > 1 else { return latestCheckpoint() }
    let path = try communicator.broadcast(communicator.isRoot ? latestCheckpoint()?.path ?? "" : "")
    return path.isEmpty ? nil : URL(fileURLWithPath: path)
  }

  /// Trains. `resume` continues from a checkpoint directory; `maxSteps` stops after that many
  /// steps of the whole run (counted from its start), writing a checkpoint.
  @discardableResult
  public func run(resume: URL? = nil, maxSteps: Int? = nil) throws -> [TrainerState.Evaluation] {
    let fm = FileManager.default
    let comm = communicator, root = comm.isRoot
    try fm.createDirectory(at: checkpointsDirectory, withIntermediateDirectories: true)
    try prepare()
    // data, evaluation sets, and the overlap warning
    let dataSets = DataSetFiles()
    let stageData = try StageData.load(recipe, dataSets: dataSets)
    let evalSets = try recipe.evaluation.map { set in (set, try EvaluationSetData.load(set)) }
    let trainingTexts = Set(stageData.flatMap { $0.examples.flatMap(\.texts) })
    for (set, data) in evalSets {
      let texts = data.checkedTexts
      let shared = texts.intersection(trainingTexts).count
      if shared > 0 {
        observer(.warning("\(shared) of the \(texts.count) \(data.checkedWhat) of evaluation set '\(set.name)' also occur in the training data"))
      }
    }
    if root { try Data(recipe.canonicalText.utf8).write(to: outputDirectory.appendingPathComponent("recipe.yaml"), options: .atomic) }

    let base = try SentenceEncoder(directory: recipe.model.base, crossEncoderHeadSeed: recipe.model.crossEncoder ? recipe.seed : nil)
    try dataSets.check(tokenizer: base.tokenizer)
    let encoder = base.encoder
    let pooling = recipe.model.pooling ?? base.pooling
    // instruct stages' prompts go into the exported model, so sentence-transformers applies them
    var prompts = base.prompts
    for stage in recipe.stages where stage.kind == .instruct {
      for (k, source) in stage.data.enumerated() {
        prompts[source.promptName ?? "\(stage.name)-\(k + 1)"] = recipe.model.instructionPrefix(source.instruction!)
      }
    }
    let layout = SentenceTransformersLayout(
      pooling: pooling, normalize: base.normalize, maxSeqLength: recipe.model.maxLength, prompts: prompts)
    let spm = try Data(contentsOf: URL(fileURLWithPath: recipe.model.base).appendingPathComponent("sentencepiece.bpe.model"))
    /// The step of a stage: instruct stages' texts carry their instruction already, and passages get none.
    func step(for stage: Recipe.Stage) -> TrainingStep {
      let instruct = stage.kind == .instruct
      var step = TrainingStep(
        encoder: encoder, tokenizer: base.tokenizer, pooling: pooling, maxLength: recipe.model.maxLength,
        queryPrefix: instruct ? "" : recipe.model.queryPrefix, passagePrefix: instruct ? "" : recipe.model.passagePrefix)
      step.dataSets = dataSets
      step.distill = stage.distill
      step.communicator = comm
      return step
    }

    // where to start
    var state: TrainerState
    var optimizerToRestore: URL?
    if let resume {
      state = try TrainerState.read(resume.appendingPathComponent("trainer_state.json"))
      guard state.recipeHash == recipeHash else {
        throw TrainingError.checkpoint(
          path: resume.path, detail: "was written by a different recipe (or other --set overrides); resume with the same recipe")
      }
      try encoder.load(from: SafeTensorsFile(path: resume.appendingPathComponent("model.safetensors").path))
      optimizerToRestore = state.stageStep < state.stageSteps ? resume : nil
      if state.stageStep >= state.stageSteps { state.advanceToNextStage() }  // the checkpoint closed its stage
      try truncateMetrics(after: state.globalStep)
      if (state.worldSize ?? 1) != comm.size {
        observer(.warning(
          "\(resume.lastPathComponent) was written by a run on \(state.worldSize ?? 1) rank(s), this one has \(comm.size): "
            + "the batches are the same, the dropout masks are not, so the run will not repeat the original bit for bit"))
      }
      // the link follows the resumed state (a later run from this checkpoint may have moved it)
      if root, let best = state.best, fm.fileExists(atPath: checkpointsDirectory.appendingPathComponent(best.checkpoint).path) {
        try Checkpoint.markBest(checkpointsDirectory.appendingPathComponent(best.checkpoint))
      }
    } else {
      if root { try? fm.removeItem(at: metricsURL) }
      state = TrainerState(
        stage: 0, stageName: recipe.stages[0].name, stageStep: 0, stageSteps: 0, globalStep: 0, epoch: 0,
        batchInEpoch: 0, optimizerStep: 0, learningRate: 0, seed: recipe.seed, recipeHash: recipeHash, evaluations: [],
        lastLoss: nil)
    }
    state.worldSize = comm.size
    try ReplicaCheck.verify(encoder.store, communicator: comm, when: resume.map { "loading \($0.path)" } ?? "loading \(recipe.model.base)")
    var lastCheckpoint = resume
    // a model.safetensors on disk that holds exactly the current weights (model/ links it)
    var savedWeights: URL?

    var evaluator = Evaluator(
      encoder: encoder, tokenizer: base.tokenizer, pooling: pooling, normalize: base.normalize,
      maxLength: recipe.model.maxLength, queryPrefix: recipe.model.queryPrefix, passagePrefix: recipe.model.passagePrefix)
    evaluator.communicator = comm

    /// The sets evaluated during training, or (final) those evaluated once at the end. Returns
    /// true when the recipe's best metric improved (its checkpoint must then be kept).
    func evaluate(final: Bool) throws -> Bool {
      var improved = false
      for (set, data) in evalSets where set.final == final {
        let t0 = Date()
        var setEvaluator = evaluator
        if let task = set.instruction {
          setEvaluator.queryPrefix = recipe.model.instructionPrefix(task)
          setEvaluator.passagePrefix = ""
        }
        let metrics = recipe.model.crossEncoder
          ? try data.evaluateCrossEncoder(encoder, tokenizer: base.tokenizer, maxLength: recipe.model.maxLength, communicator: comm)
          : try data.evaluate(with: setEvaluator, similarities: set.similarities)
        let e = TrainerState.Evaluation(
          name: set.name, stage: final ? "final" : state.stageName, globalStep: state.globalStep, mainMetric: set.mainMetric,
          metrics: metrics, seconds: Date().timeIntervalSince(t0))
        state.evaluations.append(e)
        var isBest = false
        if !final, let best = recipe.best, best.set == set.name, let value = metrics[best.metric] {
          if best.improves(value, on: state.best?.value) {
            state.best = .init(
              set: set.name, metric: best.metric, value: value, globalStep: state.globalStep,
              checkpoint: Checkpoint.name(globalStep: state.globalStep))
            state.evaluationsWithoutImprovement = 0
            improved = true
            isBest = true
          } else {
            state.evaluationsWithoutImprovement = (state.evaluationsWithoutImprovement ?? 0) + 1
          }
        }
        var line: [String: Any] = [
          "eval": set.name, "stage": e.stage, "global_step": e.globalStep, "seconds": e.seconds, "main_metric": e.mainMetric,
        ]
        if isBest { line["best"] = true }
        for m in metrics { line[m.name] = m.jsonValue }
        try appendMetrics(line)
        observer(.evaluation(e, best: isBest))
      }
      return improved
    }

    func checkpoint(_ optimizer: AdamW?) throws {
      let url = checkpointsDirectory.appendingPathComponent(Checkpoint.name(globalStep: state.globalStep))
      try ReplicaCheck.verify(encoder.store, communicator: comm, when: "step \(state.globalStep)")
      lastCheckpoint = url
      // the other ranks go on once the checkpoint is complete (they may load it: the best one at the end)
      defer { if comm.size > 1 { try? comm.waitForAll() } }
      guard root else { return }
      try Checkpoint.write(
        to: url, encoder: encoder, layout: layout, sentencePieceModel: spm, optimizer: optimizer, state: state,
        modelCard: modelCard(evaluations: state.evaluations, best: state.best, stepsDone: state.globalStep))
      savedWeights = url.appendingPathComponent("model.safetensors")
      observer(.checkpoint(url))
      if let best = state.best, best.checkpoint == url.lastPathComponent { try Checkpoint.markBest(url) }
      let keep = recipe.stages[min(state.stage, recipe.stages.count - 1)].keepCheckpoints
      for old in Checkpoint.list(in: checkpointsDirectory).dropLast(keep) where old.url.lastPathComponent != state.best?.checkpoint {
        try? fm.removeItem(at: old.url)
      }
    }

    while state.stage < recipe.stages.count {
      let stage = recipe.stages[state.stage]
      let examples = stageData[state.stage].examples
      let stageStep = step(for: stage)
      // the epochs' batches: a function of the seed, the stage and the epoch
      func batches(epoch: Int) -> [[Int]] {
        let seed = recipe.seed &+ UInt64(state.stage) &* 1_000_003 &+ UInt64(epoch)
        switch stage.mixing {
        case .mixed: return BatchSampler.epoch(examples, batchSize: stage.batchSize, seed: seed)
        case .perSource:
          let weights = stage.data.allSatisfy { $0.weight != nil } ? stage.data.map { $0.weight! } : nil
          return BatchSampler.perSourceEpoch(
            examples, sources: stageData[state.stage].sources, weights: weights, batchSize: stage.batchSize, seed: seed)
        }
      }
      var epochBatches = batches(epoch: state.epoch)
      let total: Int
      if let steps = stage.steps {
        total = steps
      } else {
        total = (0..<(stage.epochs ?? 1)).reduce(0) { $0 + ($1 == state.epoch ? epochBatches.count : batches(epoch: $1).count) }
      }
      state.stageName = stage.name
      state.stageSteps = total
      let schedule = LearningRate(peak: stage.optimizer.lr, schedule: stage.schedule, totalSteps: total)
      let optimizer = AdamW(store: encoder.store, settings: stage.optimizer.settings)
      if let url = optimizerToRestore {
        try Checkpoint.loadOptimizer(optimizer, from: url)
        optimizerToRestore = nil
      }
      var textsPerExample = 2
      switch stage.loss {
      case .infoNCE(_, _, let k): textsPerExample = 2 + k
      case .listwise(let k): textsPerExample = 2 * (1 + k)  // pairs are two texts long
      case .binary, .cosent: break
      }
      let miniBatch = try EncoderMemory.miniBatch(
        stage.miniBatch, stage: stage.name, batchTexts: stage.batchSize * textsPerExample, config: encoder.config,
        parameters: encoder.store.count, maxLength: recipe.model.maxLength)
      observer(.stageStarted(
        index: state.stage, name: stage.name, examples: examples.count, steps: total, resumedAt: state.stageStep, miniBatch: miniBatch))

      while state.stageStep < total {
        if let maxSteps, state.globalStep >= maxSteps {
          try checkpoint(optimizer)
          return state.evaluations
        }
        if state.batchInEpoch >= epochBatches.count {
          state.epoch += 1
          state.batchInEpoch = 0
          epochBatches = batches(epoch: state.epoch)
        }
        let batch = epochBatches[state.batchInEpoch].map { examples[$0] }
        let t0 = Date(), c0 = comm.collectiveSeconds
        encoder.store.zeroGrad()
        var dropoutSeed = SplitMix64(seed: recipe.seed ^ (UInt64(state.globalStep + 1) &* 0xD1B5_4A32_D192_ED03))
        let r = try stageStep.run(batch, loss: stage.loss, dropout: stage.dropout, seed: dropoutSeed.next(), miniBatch: miniBatch)
        if comm.size > 1 { try encoder.store.reduceGradients(over: comm) }
        guard r.loss.isFinite else {
          throw TrainingError.nonFiniteLoss(stage: stage.name, step: state.stageStep, lastCheckpoint: lastCheckpoint?.path)
        }
        let norm = Float(encoder.store.gradientNorm())
        guard norm.isFinite else {
          throw TrainingError.nonFiniteLoss(stage: stage.name, step: state.stageStep, lastCheckpoint: lastCheckpoint?.path)
        }
        // clipping as torch.nn.utils.clip_grad_norm_, folded into the AdamW pass
        let clipScale = stage.maxGradNorm.map { min(1, $0 / (norm + 1e-6)) } ?? 1
        let lr = schedule.at(state.stageStep)
        optimizer.update(lr: lr, gradientScale: clipScale)
        savedWeights = nil
        let seconds = Date().timeIntervalSince(t0)
        state.stageStep += 1
        state.globalStep += 1
        state.batchInEpoch += 1
        state.optimizerStep = optimizer.step
        state.learningRate = lr
        state.lastLoss = r.loss
        let m = StepMetrics(
          stage: stage.name, step: state.stageStep, stageSteps: total, globalStep: state.globalStep, epoch: state.epoch,
          loss: r.loss, gradNorm: norm, lr: lr, accuracy: r.accuracy, positiveSimilarity: r.positiveSimilarity,
          hardestNegativeSimilarity: r.hardestNegativeSimilarity, tokens: r.tokens,
          tokensPerSecond: Double(r.tokens) / seconds, seconds: seconds,
          communicationSeconds: comm.size > 1 ? comm.collectiveSeconds - c0 : nil)
        try appendMetrics(m)
        observer(.step(m))
        var last = state.stageStep == total
        var improved = false
        if last || (stage.evalEvery.map { state.stageStep % $0 == 0 } ?? false) { improved = try evaluate(final: false) }
        if !last, let patience = recipe.best?.patience, (state.evaluationsWithoutImprovement ?? 0) >= patience {
          // early stopping: the stage ends here, as if this had been its last step
          state.stageSteps = state.stageStep
          state.stoppedEarly = true
          last = true
          observer(.stoppedEarly(stage: stage.name, step: state.stageStep, evaluations: patience))
        }
        if last || improved || (stage.checkpointEvery.map { state.stageStep % $0 == 0 } ?? false) { try checkpoint(optimizer) }
        if last { break }
      }
      state.advanceToNextStage()
    }

    // the end: final evaluation sets, and the trained model as a sentence-transformers directory
    state.stage = recipe.stages.count - 1
    if recipe.best?.loadAtEnd == true, let best = state.best {
      let url = checkpointsDirectory.appendingPathComponent(best.checkpoint)
      savedWeights = url.appendingPathComponent("model.safetensors")
      try encoder.load(from: SafeTensorsFile(path: savedWeights!.path))
      observer(.loadedBest(url, best))
    }
    _ = try evaluate(final: true)
    let modelURL = outputDirectory.appendingPathComponent("model")
    var writer = ModelDirectoryWriter(layout: layout)
    writer.extraFiles["README.md"] = Data(modelCard(evaluations: state.evaluations, best: state.best, stepsDone: state.globalStep).utf8)
    writer.weightsFile = savedWeights?.path  // the last (or best) checkpoint's weights are these
    if root { try writer.write(encoder: encoder, sentencePieceModel: spm, to: modelURL.path, overwrite: true) }
    observer(.finished(model: modelURL, evaluations: state.evaluations))
    return state.evaluations
  }
}
