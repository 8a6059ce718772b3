import Autograd
import Evaluation
import Foundation
import Recipes
import SafeTensors
import TextEncoder

extension TrainingRun {
  /// Evaluates the sets evaluated during training, or (final) those evaluated once at the end,
  /// logging and reporting each. True when the recipe's best metric improved (its checkpoint
  /// must then be kept); early stopping counts the evaluations without improvement.
  ///
  /// `baseline`: the evaluation before the first step (stage `baseline`, global step 0) of the
  /// sets evaluated during training; it neither sets the best checkpoint nor counts for early
  /// stopping, and it draws from none of the run's random streams (dropout is off, the
  /// sampler's and dropout's seeds are functions of the position), so the weights a run trains
  /// do not depend on it.
  func evaluate(_ setup: Setup, _ progress: inout Progress, final: Bool, baseline: Bool = false) throws -> Bool {
    var improved = false
    let cache = EmbeddingCache()  // this round's weights: sets sharing texts embed them once
    for (set, data) in setup.evalSets where set.final == final {
      let stage = final ? "final" : baseline ? Self.baselineStage : progress.state.stageName
      try evaluateSet(set, data, setup, &progress, stage: stage, cache: cache) { metrics, progress in
        guard !final, !baseline, let best = recipe.best, best.set == set.name, let value = metrics[best.metric] else { return false }
        guard best.improves(value, on: progress.state.best?.value) else {
          progress.state.evaluationsWithoutImprovement = (progress.state.evaluationsWithoutImprovement ?? 0) + 1
          return false
        }
        progress.state.best = .init(
          set: set.name, metric: best.metric, value: value, globalStep: progress.state.globalStep,
          checkpoint: Checkpoint.name(globalStep: progress.state.globalStep))
        progress.state.evaluationsWithoutImprovement = 0
        improved = true
        return true
      }
    }
    return improved
  }

  /// Evaluates one set with the current weights, appends it to the state's evaluations and to
  /// metrics.jsonl (with `extra` keys) and reports it. `judge` sees the metrics before they are
  /// logged and says whether this is the best point so far (marked `"best": true`).
  @discardableResult
  func evaluateSet(
    _ set: Recipe.EvalSet, _ data: EvaluationSetData, _ setup: Setup, _ progress: inout Progress, stage: String,
    cache: EmbeddingCache, extra: [String: Any] = [:], judge: ([Metric], inout Progress) -> Bool = { _, _ in false }
  ) throws -> [Metric] {
    let t0 = Date()
    var evaluator = self.evaluator(for: set, setup)
    evaluator.cache = cache
    let metrics = recipe.model.crossEncoder
      ? try data.evaluateCrossEncoder(
        setup.encoder, tokenizer: setup.base.tokenizer, maxLength: recipe.model.maxLength, communicator: communicator)
      : try data.evaluate(with: evaluator, similarities: set.similarities.map(Similarity.init))
    let e = TrainerState.Evaluation(
      name: set.name, stage: stage, globalStep: progress.state.globalStep, mainMetric: set.mainMetric, metrics: metrics,
      seconds: Date().timeIntervalSince(t0))
    progress.state.evaluations.append(e)
    var line: [String: Any] = [
      "eval": set.name, "stage": e.stage, "global_step": e.globalStep, "seconds": e.seconds.isFinite ? e.seconds : NSNull(), "main_metric": e.mainMetric,
    ]
    line.merge(extra) { _, new in new }
    let isBest = judge(metrics, &progress)
    if isBest { line["best"] = true }
    for m in metrics { line[m.name] = m.jsonValue }
    try appendMetrics(line)
    emit(.evaluation(e, best: isBest))
    return metrics
  }

  /// The evaluator of `set`: an instruction set's queries formatted with its instruction (and
  /// its documents without a prefix), and the leading dimensions it is evaluated at.
  func evaluator(for set: Recipe.EvalSet, _ setup: Setup) -> Evaluator {
    var evaluator = setup.evaluator
    if let task = set.instruction {
      evaluator.queryPrefix = recipe.model.instructionPrefix(task)
      evaluator.passagePrefix = ""
    }
    evaluator.truncateDim = recipe.truncateDim(of: set, base: setup.base.truncateDim, width: setup.encoder.config.hiddenSize)
    return evaluator
  }

  /// Writes a checkpoint of the current state (rank 0; the replicas are checked first), marks
  /// it best when it is, and prunes older ones beyond the stage's `keep` (never the best).
  func checkpoint(_ setup: Setup, _ progress: inout Progress, optimizer: AdamW?) throws {
    let comm = communicator, state = progress.state
    let url = checkpointsDirectory.appendingPathComponent(Checkpoint.name(globalStep: state.globalStep))
    try ReplicaCheck.verify(setup.encoder.store, communicator: comm, when: "step \(state.globalStep)")
    progress.lastCheckpoint = url
    // the other ranks go on once the checkpoint is complete (they may load it: the best one at the end)
    defer { if comm.size > 1 { try? comm.waitForAll() } }
    guard comm.isRoot else { return }
    let started = DispatchTime.now().uptimeNanoseconds
    try Checkpoint.write(
      to: url, encoder: setup.encoder, layout: setup.layout, tokenizer: setup.tokenizerFiles, optimizer: optimizer,
      state: state, modelCard: modelCard(setup, evaluations: state.evaluations, best: state.best, stepsDone: state.globalStep),
      head: optimizer == nil ? nil : progress.head)
    progress.savedWeights = url.appendingPathComponent("model.safetensors")
    emit(.checkpoint(url, seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9))
    if let best = state.best, best.checkpoint == url.lastPathComponent { try Checkpoint.markBest(url) }
    let keep = recipe.stages[min(state.stage, recipe.stages.count - 1)].keepCheckpoints
    for old in Checkpoint.list(in: checkpointsDirectory).dropLast(keep) where old.url.lastPathComponent != state.best?.checkpoint {
      try? FileManager.default.removeItem(at: old.url)
    }
  }

  /// The end: the best checkpoint's weights if the recipe asks, the merge if it has one, the
  /// final evaluation sets, and the trained model as a sentence-transformers directory.
  func finish(_ setup: Setup, _ progress: inout Progress) throws {
    progress.state.stage = recipe.stages.count - 1
    if recipe.best?.loadAtEnd == true, let best = progress.state.best {
      let url = checkpointsDirectory.appendingPathComponent(best.checkpoint)
      let weights = url.appendingPathComponent("model.safetensors")
      progress.savedWeights = weights
      try setup.encoder.load(from: SafeTensorsFile(path: weights.path))
      emit(.loadedBest(url, best))
    }
    if let merge = recipe.merge { try self.merge(merge, setup, &progress) }
    _ = try evaluate(setup, &progress, final: true)
    let state = progress.state
    let modelURL = outputDirectory.appendingPathComponent("model")
    var writer = ModelDirectoryWriter(layout: setup.layout)
    writer.extraFiles["README.md"] = Data(modelCard(setup, evaluations: state.evaluations, best: state.best, stepsDone: state.globalStep).utf8)
    writer.weightsFile = progress.savedWeights?.path  // the last (or best) checkpoint's weights are these
    if communicator.isRoot {
      try writer.write(encoder: setup.encoder, tokenizer: setup.tokenizerFiles, to: modelURL.path, overwrite: true)
    }
    emit(.finished(model: modelURL, evaluations: state.evaluations, best: state.best))
  }
}
