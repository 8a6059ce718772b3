import Autograd
import Foundation
import Losses
import Recipes

extension TrainingRun {
  /// Trains the current stage from where `progress` stands to its end (evaluating and writing
  /// checkpoints as the recipe says). False when the run stops at `maxSteps` (with a checkpoint).
  func trainStage(_ setup: Setup, _ progress: inout Progress, precision: Precision, maxSteps: Int?) throws -> Bool {
    let index = progress.state.stage
    let stage = recipe.stages[index]
    // the stage's matrix products (and its evaluations) in its precision
    // (the run says its precision at its start; a stage says its own when it changes)
    if progress.state.stageStep == 0, index > 0, progress.state.precision != precision.rawValue {
      emit(.precision(stage: stage.name, Self.describe(precision, setting: stage.precision ?? recipe.precision)))
    }
    setup.encoder.store.precision = precision
    progress.state.precision = precision.rawValue
    // one step per source when sources name their own losses (a batch trains with its source's)
    let steps = stage.hasSourceLosses
      ? stage.data.indices.map { trainingStep(for: stage.trainingSource($0), setup, index: index) }
      : [trainingStep(for: stage, setup, index: index)]
    let labels = stage.sourceLabels
    var epochBatches = batches(setup, stage: index, epoch: progress.state.epoch)
    let total = try stepTotal(setup, stage: index, epoch: progress.state.epoch, batchesOfEpoch: epochBatches.count)
    progress.state.stageName = stage.name
    progress.state.stageSteps = total
    let schedule = LearningRate(peak: stage.optimizer.lr, schedule: stage.schedule, totalSteps: total)
    let optimizer = AdamW(store: setup.encoder.store, settings: AdamW.Settings(stage.optimizer.settings))
    // the loss's own parameters (a projection) train beside the encoder's
    progress.head = steps[0].objective.parameters.map { ObjectiveHead(store: $0, settings: optimizer.settings) }  // (embedding distillation: one loss in the stage)
    if let url = progress.optimizerToRestore {
      try Checkpoint.loadOptimizer(optimizer, from: url)
      try progress.head?.load(from: url)
      progress.optimizerToRestore = nil
    }
    let miniBatches = try steps.map { try miniBatch(of: stage, objective: $0.objective, setup) }
    emit(.stageStarted(
      index: progress.state.stage, name: stage.name, examples: setup.stageData[index].examples.count, steps: total,
      resumedAt: progress.state.stageStep, miniBatch: miniBatches[0]))

    while progress.state.stageStep < total {
      if let maxSteps, progress.state.globalStep >= maxSteps {
        try checkpointOnce(setup, &progress, optimizer: optimizer)
        return false
      }
      if try stopIfRequested(setup, &progress, optimizer: optimizer) { return false }
      if progress.state.batchInEpoch >= epochBatches.count {
        progress.state.epoch += 1
        progress.state.batchInEpoch = 0
        epochBatches = batches(setup, stage: index, epoch: progress.state.epoch)
      }
      let examples = setup.stageData[index].examples
      let epoch = progress.state.epoch
      let indices = epochBatches[progress.state.batchInEpoch]
      let batch = indices.map {
        examples[$0].drawingPositive(seed: Seeds.positive(run: recipe.seed, stage: index, epoch: epoch, example: $0))
      }
      // the batch's source (every example of a batch is of one when the stage has several losses or logs per source)
      let source = indices.first.flatMap { i in setup.stageData[index].sources.firstIndex { $0.contains(i) } } ?? 0
      let k = steps.count > 1 ? source : 0
      var m = try trainStep(
        batch, stage: stage, step: steps[k], optimizer: optimizer, learningRate: schedule, stageSteps: total, setup, &progress,
        miniBatch: miniBatches[k])
      if stage.logsPerSource { m.source = labels[source] }
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
    let comm = communicator, store = setup.encoder.store, head = progress.head
    let t0 = Date(), c0 = comm.collectiveSeconds
    store.zeroGrad()
    head?.store.zeroGrad()
    let r = try step.run(batch, dropout: stage.dropout, seed: Seeds.dropout(run: recipe.seed, globalStep: progress.state.globalStep), miniBatch: miniBatch)
    if comm.size > 1 {
      try store.reduceGradients(over: comm)
      try head?.store.reduceGradients(over: comm)
    }
    // every rank holds the summed loss and gradients, so every rank decides alike; the norm
    // covers the loss's own parameters too
    let norm: Float
    if !r.loss.isFinite {
      norm = .nan
    } else if let head {
      let a = store.gradientNorm(), b = head.store.gradientNorm()
      norm = Float((a * a + b * b).squareRoot())
    } else {
      norm = Float(store.gradientNorm())
    }
    let lr = schedule.at(progress.state.stageStep)
    var skipped = false
    if let problem = Self.nonFinite(
      loss: r.loss, gradientNorm: norm, gradients: store, stage: stage.name, step: progress.state.stageStep + 1,
      lastCheckpoint: progress.lastCheckpoint?.path, headGradients: head?.store)
    {
      guard stage.onNonFinite == .skipBatch else { throw problem }
      // no update: the gradients are dropped, the step counts (the schedule and sampler go on)
      store.zeroGrad()
      head?.store.zeroGrad()
      skipped = true
      progress.state.skippedBatches = (progress.state.skippedBatches ?? 0) + 1
      emit(.warning("\(problem); the batch is skipped (on_nonfinite: skip_batch)"))
    } else {
      // clipping as torch.nn.utils.clip_grad_norm_, folded into the AdamW pass
      let clipScale = stage.maxGradNorm.map { min(1, $0 / (norm + 1e-6)) } ?? 1
      optimizer.update(lr: lr, gradientScale: clipScale)
      head?.optimizer.update(lr: lr, gradientScale: clipScale)
      progress.savedWeights = nil
      progress.state.lastLoss = r.loss
    }
    let seconds = Date().timeIntervalSince(t0)
    progress.state.stageStep += 1
    progress.state.globalStep += 1
    progress.state.batchInEpoch += 1
    progress.state.optimizerStep = optimizer.step
    progress.state.learningRate = lr
    let s = progress.state
    return StepMetrics(
      stage: stage.name, step: s.stageStep, stageSteps: total, globalStep: s.globalStep, epoch: s.epoch,
      loss: r.loss, gradNorm: norm, lr: lr, accuracy: r.metrics.accuracy, positiveSimilarity: r.metrics.positiveSimilarity,
      hardestNegativeSimilarity: r.metrics.hardestNegativeSimilarity, tokens: r.tokens,
      tokensPerSecond: Double(r.tokens) / seconds, seconds: seconds,
      communicationSeconds: comm.size > 1 ? comm.collectiveSeconds - c0 : nil,
      skipped: skipped ? true : nil, skippedBatches: s.skippedBatches, maskedFalseNegatives: r.metrics.maskedFalseNegatives,
      precision: s.precision)
  }

  /// The error of a step whose loss or gradient norm is not finite (nil when both are): the
  /// stage, the step (counted from 1, as the progress line does), for a gradient the first
  /// tensor holding a non-finite one, and the last checkpoint, written before this step.
  static func nonFinite(
    loss: Float, gradientNorm norm: Float, gradients store: ParameterStore, stage: String, step: Int, lastCheckpoint last: String?,
    headGradients head: ParameterStore? = nil
  ) -> TrainingError? {
    guard loss.isFinite else { return .nonFiniteLoss(stage: stage, step: step, value: loss, lastCheckpoint: last) }
    guard !norm.isFinite else { return nil }
    for (s, prefix) in [(store, "")] + (head.map { [($0, "loss.")] } ?? []) {
      for view in s.views {
        let g = s.denseGradient(view.name)
        if let i = (0..<view.count).first(where: { !g[$0].isFinite }) {
          return .nonFiniteGradient(stage: stage, step: step, tensor: prefix + view.name, index: i, value: g[i], lastCheckpoint: last)
        }
      }
    }
    return .nonFiniteGradient(stage: stage, step: step, tensor: nil, index: 0, value: norm, lastCheckpoint: last)
  }

  /// The steps of stage `index`: its `steps`, or the batches of all its epochs (the current
  /// `epoch` has `batchesOfEpoch`). A run of few epochs samples each epoch for its count (the
  /// no-duplicate sampler's deferrals make it depend on the shuffle). Beyond
  /// `epochSamplingBudget` sampled examples the count comes from `StageData.batchesPerEpoch`,
  /// exact when no two examples of a pool share a text; otherwise the epochs are refused.
  func stepTotal(_ setup: Setup, stage index: Int, epoch: Int, batchesOfEpoch: Int) throws -> Int {
    let stage = recipe.stages[index], data = setup.stageData[index]
    if let steps = stage.steps { return steps }
    let epochs = stage.epochs ?? 1
    let (sampled, over) = epochs.multipliedReportingOverflow(by: max(data.examples.count, 1))
    if !over && sampled <= Self.epochSamplingBudget {
      return (0..<epochs).reduce(0) { $0 + ($1 == epoch ? batchesOfEpoch : batches(setup, stage: index, epoch: $1).count) }
    }
    guard let perEpoch = data.batchesPerEpoch(of: stage) else {
      throw TrainingError.tooManyEpochs(
        stage: stage.name, index: index, epochs: epochs, examples: data.examples.count,
        limit: max(1, Self.epochSamplingBudget / max(data.examples.count, 1)))
    }
    let (total, overflow) = perEpoch.multipliedReportingOverflow(by: epochs)
    guard !overflow else { throw TrainingError.tooManySteps(stage: stage.name, index: index, epochs: epochs, batchesPerEpoch: perEpoch) }
    return total
  }

  /// Examples the step total may sample (epochs × examples) before it must be known otherwise:
  /// a few seconds of sampling.
  static let epochSamplingBudget = 20_000_000

  /// The step of a stage: its objective, and its texts' preparation (instruct stages' texts
  /// carry their instruction already, and passages get none).
  func trainingStep(for stage: Recipe.Stage, _ setup: Setup, index: Int) -> TrainingStep {
    let instruct = stage.kind == .instruct
    let texts = TextPreparation(
      tokenizer: setup.base.tokenizer, maxLength: recipe.model.maxLength, queryPrefix: instruct ? "" : recipe.model.queryPrefix,
      passagePrefix: instruct ? "" : recipe.model.passagePrefix, dataSets: setup.dataSets)
    // embedding distillation to a teacher of another width learns a projection, drawn anew for the stage
    let hidden = setup.encoder.config.hiddenSize
    let projection = setup.stageData[index].teacherDims.flatMap { dims in
      dims == hidden ? nil : EmbeddingDistillation.Projection(studentDim: hidden, teacherDim: dims, seed: Seeds.projection(run: recipe.seed, stage: index))
    }
    let objective = stage.objective(normalize: setup.base.normalize, projection: projection)
    var step = TrainingStep(encoder: setup.encoder, pooling: setup.pooling, objective: objective, texts: texts)
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

  /// The seed that draws the positive of example `example` (of a query with several) in a
  /// stage's epoch.
  static func positive(run seed: UInt64, stage: Int, epoch: Int, example: Int) -> UInt64 {
    var g = SplitMix64(seed: Seeds.epoch(run: seed, stage: stage, epoch: epoch) ^ (UInt64(example + 1) &* 0x9E37_79B9_7F4A_7C15))
    return g.next()
  }

  /// The seed of the initial projection of stage `stage`'s embedding distillation.
  static func projection(run seed: UInt64, stage: Int) -> UInt64 {
    var g = SplitMix64(seed: seed ^ (UInt64(stage + 1) &* 0xA24B_AED4_963E_E407))
    return g.next()
  }

  /// The dropout seed of the step after `globalStep` steps.
  static func dropout(run seed: UInt64, globalStep: Int) -> UInt64 {
    var g = SplitMix64(seed: seed ^ (UInt64(globalStep + 1) &* 0xD1B5_4A32_D192_ED03))
    return g.next()
  }
}
