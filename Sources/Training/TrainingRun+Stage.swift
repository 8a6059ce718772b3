import Autograd
import Foundation
import Losses
import Recipes

extension TrainingRun {
  /// Trains the current stage from where `progress` stands to its end (evaluating and writing
  /// checkpoints as the recipe says). False when the run stops at `maxSteps` (with a checkpoint).
  func trainStage(_ setup: Setup, _ progress: inout Progress, maxSteps: Int?) throws -> Bool {
    let index = progress.state.stage
    let stage = recipe.stages[index]
    let step = trainingStep(for: stage, setup)
    var epochBatches = batches(setup, stage: index, epoch: progress.state.epoch)
    let total: Int
    if let steps = stage.steps {
      total = steps
    } else {
      let epoch = progress.state.epoch
      total = (0..<(stage.epochs ?? 1)).reduce(0) { $0 + ($1 == epoch ? epochBatches.count : batches(setup, stage: index, epoch: $1).count) }
    }
    progress.state.stageName = stage.name
    progress.state.stageSteps = total
    let schedule = LearningRate(peak: stage.optimizer.lr, schedule: stage.schedule, totalSteps: total)
    let optimizer = AdamW(store: setup.encoder.store, settings: AdamW.Settings(stage.optimizer.settings))
    if let url = progress.optimizerToRestore {
      try Checkpoint.loadOptimizer(optimizer, from: url)
      progress.optimizerToRestore = nil
    }
    let miniBatch = try miniBatch(of: stage, objective: step.objective, setup)
    emit(.stageStarted(
      index: progress.state.stage, name: stage.name, examples: setup.stageData[index].examples.count, steps: total,
      resumedAt: progress.state.stageStep, miniBatch: miniBatch))

    while progress.state.stageStep < total {
      if let maxSteps, progress.state.globalStep >= maxSteps {
        try checkpoint(setup, &progress, optimizer: optimizer)
        return false
      }
      if try stopIfRequested(setup, &progress, optimizer: optimizer) { return false }
      if progress.state.batchInEpoch >= epochBatches.count {
        progress.state.epoch += 1
        progress.state.batchInEpoch = 0
        epochBatches = batches(setup, stage: index, epoch: progress.state.epoch)
      }
      let examples = setup.stageData[index].examples
      let batch = epochBatches[progress.state.batchInEpoch].map { examples[$0] }
      let m = try trainStep(
        batch, stage: stage, step: step, optimizer: optimizer, learningRate: schedule, stageSteps: total, setup, &progress,
        miniBatch: miniBatch)
      try appendMetrics(m)
      emit(.step(m))
      var last = progress.state.stageStep == total
      var improved = false
      if last || (stage.evalEvery.map { progress.state.stageStep % $0 == 0 } ?? false) {
        improved = try evaluate(setup, &progress, final: false)
      }
      if !last, let patience = recipe.best?.patience, (progress.state.evaluationsWithoutImprovement ?? 0) >= patience {
        // early stopping: the stage ends here, as if this had been its last step
        progress.state.stageSteps = progress.state.stageStep
        progress.state.stoppedEarly = true
        last = true
        emit(.stoppedEarly(stage: stage.name, step: progress.state.stageStep, evaluations: patience))
      }
      if last || improved || (stage.checkpointEvery.map { progress.state.stageStep % $0 == 0 } ?? false) {
        try checkpoint(setup, &progress, optimizer: optimizer)
      }
      if last { break }
    }
    return true
  }

  /// One optimizer step on `batch`: zeroed gradients, the objective's forward and backward
  /// (gradients summed over the ranks), clipping folded into AdamW, and the state advanced.
  func trainStep(
    _ batch: [TrainingExample], stage: Recipe.Stage, step: TrainingStep, optimizer: AdamW, learningRate schedule: LearningRate,
    stageSteps total: Int, _ setup: Setup, _ progress: inout Progress, miniBatch: Int?
  ) throws -> StepMetrics {
    let comm = communicator, store = setup.encoder.store
    let t0 = Date(), c0 = comm.collectiveSeconds
    store.zeroGrad()
    let r = try step.run(batch, dropout: stage.dropout, seed: Seeds.dropout(run: recipe.seed, globalStep: progress.state.globalStep), miniBatch: miniBatch)
    if comm.size > 1 { try store.reduceGradients(over: comm) }
    guard r.loss.isFinite else {
      throw TrainingError.nonFiniteLoss(stage: stage.name, step: progress.state.stageStep, lastCheckpoint: progress.lastCheckpoint?.path)
    }
    let norm = Float(store.gradientNorm())
    guard norm.isFinite else {
      throw TrainingError.nonFiniteLoss(stage: stage.name, step: progress.state.stageStep, lastCheckpoint: progress.lastCheckpoint?.path)
    }
    // clipping as torch.nn.utils.clip_grad_norm_, folded into the AdamW pass
    let clipScale = stage.maxGradNorm.map { min(1, $0 / (norm + 1e-6)) } ?? 1
    let lr = schedule.at(progress.state.stageStep)
    optimizer.update(lr: lr, gradientScale: clipScale)
    progress.savedWeights = nil
    let seconds = Date().timeIntervalSince(t0)
    progress.state.stageStep += 1
    progress.state.globalStep += 1
    progress.state.batchInEpoch += 1
    progress.state.optimizerStep = optimizer.step
    progress.state.learningRate = lr
    progress.state.lastLoss = r.loss
    let s = progress.state
    return StepMetrics(
      stage: stage.name, step: s.stageStep, stageSteps: total, globalStep: s.globalStep, epoch: s.epoch,
      loss: r.loss, gradNorm: norm, lr: lr, accuracy: r.metrics.accuracy, positiveSimilarity: r.metrics.positiveSimilarity,
      hardestNegativeSimilarity: r.metrics.hardestNegativeSimilarity, tokens: r.tokens,
      tokensPerSecond: Double(r.tokens) / seconds, seconds: seconds,
      communicationSeconds: comm.size > 1 ? comm.collectiveSeconds - c0 : nil)
  }

  /// The step of a stage: its objective, and its texts' preparation (instruct stages' texts
  /// carry their instruction already, and passages get none).
  func trainingStep(for stage: Recipe.Stage, _ setup: Setup) -> TrainingStep {
    let instruct = stage.kind == .instruct
    let texts = TextPreparation(
      tokenizer: setup.base.tokenizer, maxLength: recipe.model.maxLength, queryPrefix: instruct ? "" : recipe.model.queryPrefix,
      passagePrefix: instruct ? "" : recipe.model.passagePrefix, dataSets: setup.dataSets)
    var step = TrainingStep(encoder: setup.encoder, pooling: setup.pooling, objective: stage.loss.objective(distill: stage.distill), texts: texts)
    step.communicator = communicator
    return step
  }

  /// Stage `index`'s batches in `epoch` (example indices): a function of the seed, the stage and the epoch.
  func batches(_ setup: Setup, stage index: Int, epoch: Int) -> [[Int]] {
    let stage = recipe.stages[index], data = setup.stageData[index]
    let seed = Seeds.epoch(run: recipe.seed, stage: index, epoch: epoch)
    switch stage.mixing {
    case .mixed: return BatchSampler.epoch(data.examples, batchSize: stage.batchSize, seed: seed)
    case .perSource:
      let weights = stage.data.allSatisfy { $0.weight != nil } ? stage.data.map { $0.weight! } : nil
      return BatchSampler.perSourceEpoch(data.examples, sources: data.sources, weights: weights, batchSize: stage.batchSize, seed: seed)
    }
  }

  /// GradCache's texts per forward pass for `stage` (nil: the whole batch at once).
  func miniBatch(of stage: Recipe.Stage, objective: any Objective, _ setup: Setup) throws -> Int? {
    try EncoderMemory.miniBatch(
      stage.miniBatch, stage: stage.name, batchTexts: stage.batchSize * objective.textsPerExample, config: setup.encoder.config,
      parameters: setup.encoder.store.count, maxLength: recipe.model.maxLength)
  }
}

/// The random streams a run's results depend on (and so exact resume): each a function of the
/// recipe's seed and the run's position, never of what ran before.
enum Seeds {
  /// The sampler's seed of a stage's epoch.
  static func epoch(run seed: UInt64, stage: Int, epoch: Int) -> UInt64 { seed &+ UInt64(stage) &* 1_000_003 &+ UInt64(epoch) }

  /// The dropout seed of the step after `globalStep` steps.
  static func dropout(run seed: UInt64, globalStep: Int) -> UInt64 {
    var g = SplitMix64(seed: seed ^ (UInt64(globalStep + 1) &* 0xD1B5_4A32_D192_ED03))
    return g.next()
  }
}
