import Autograd
import Evaluation
import Foundation
import Recipes
import SafeTensors
import TextEncoder

extension TrainingRun {
  /// What a run reads once: the training and evaluation data, the model, and how it is exported.
  struct Setup {
    var stageData: [StageData]
    var dataSets: DataSetFiles
    var evalSets: [(Recipe.EvalSet, EvaluationSetData)]
    var base: SentenceEncoder
    var encoder: Encoder { base.encoder }
    var pooling: PoolingMode
    /// The exported model's sentence-transformers files (with the instruct stages' prompts).
    var layout: SentenceTransformersLayout
    var tokenizerFiles: TokenizerFiles
    var evaluator: Evaluator
    /// For the model card: the base model's name, licence and languages, and each stage's data statistics.
    var baseInfo: BaseModelInfo
    var statistics: [DataStatistics]
  }

  /// Where a run stands between its steps.
  struct Progress {
    var state: TrainerState
    /// The optimizer moments to load when the stage starts (a resumed stage).
    var optimizerToRestore: URL?
    var lastCheckpoint: URL?
    /// A model.safetensors on disk that holds exactly the current weights (model/ links it).
    var savedWeights: URL?
    /// The current stage's loss parameters (a projection) and their optimizer, saved with checkpoints.
    var head: ObjectiveHead?
  }

  /// Loads the data (warning of evaluation texts that occur in it), writes `recipe.yaml` and
  /// loads the base model.
  func load() throws -> Setup {
    let dataSets = DataSetFiles()
    let stageData = try StageData.load(recipe, dataSets: dataSets)
    for (stage, data) in zip(recipe.stages, stageData) {
      if let summary = data.report.summary { emit(.warning("stage '\(stage.name)' data: \(summary)")) }
    }
    let evalSets = try recipe.evaluation.map { set in (set, try EvaluationSetData.load(set)) }
    let trainingTexts = Set(stageData.flatMap { $0.examples.flatMap(\.texts) })
    for (set, data) in evalSets {
      let texts = data.checkedTexts
      let shared = texts.intersection(trainingTexts).count
      if shared > 0 {
        emit(.warning("\(shared) of the \(texts.count) \(data.checkedWhat) of evaluation set '\(set.name)' also occur in the training data"))
      }
    }
    if communicator.isRoot {
      try Data(recipe.canonicalText.utf8).write(to: outputDirectory.appendingPathComponent("recipe.yaml"), options: .atomic)
    }

    let base = try SentenceEncoder(directory: recipe.model.base, crossEncoderHeadSeed: recipe.model.crossEncoder ? recipe.seed : nil)
    try dataSets.check(tokenizer: base.tokenizer)
    for file in dataSets.files { try file.checkTokenIds(vocabularySize: base.config.vocabSize) }
    for stage in recipe.stages {
      if let dims = stage.matryoshka?.dims, let wide = dims.first(where: { $0 > base.config.hiddenSize }) {
        throw TrainingError.matryoshkaDimension(stage: stage.name, dimension: wide, hiddenSize: base.config.hiddenSize)
      }
      for (k, source) in stage.data.enumerated() {
        if let dims = source.loss?.matryoshka?.dims, let wide = dims.first(where: { $0 > base.config.hiddenSize }) {
          throw TrainingError.matryoshkaDimension(
            stage: stage.name, dimension: wide, hiddenSize: base.config.hiddenSize, key: "data.\(k).loss")
        }
      }
    }
    try recipe.checkTruncateDims(width: base.config.hiddenSize)
    let pooling = recipe.model.pooling.map(PoolingMode.init) ?? base.pooling
    // the prompts training used go into the exported model, so sentence-transformers applies them
    let (prompts, defaultPrompt) = recipe.exportedPrompts(base: base.prompts)
    let layout = SentenceTransformersLayout(
      pooling: pooling, normalize: base.normalize, maxSeqLength: recipe.model.maxLength, prompts: prompts,
      defaultPromptName: defaultPrompt, truncateDim: recipe.exportedTruncateDim(base: base.truncateDim, width: base.config.hiddenSize))
    let tokenizerFiles = try TokenizerFiles.read(directory: URL(fileURLWithPath: recipe.model.base))
    var evaluator = Evaluator(
      encoder: base.encoder, tokenizer: base.tokenizer, pooling: pooling, normalize: base.normalize,
      maxLength: recipe.model.maxLength, queryPrefix: recipe.model.queryPrefix, passagePrefix: recipe.model.passagePrefix)
    evaluator.communicator = communicator
    var setup = Setup(
      stageData: stageData, dataSets: dataSets, evalSets: evalSets, base: base, pooling: pooling, layout: layout,
      tokenizerFiles: tokenizerFiles, evaluator: evaluator, baseInfo: BaseModelInfo.read(directory: recipe.model.base), statistics: [])
    if communicator.isRoot {
      setup.statistics = try recipe.stages.indices.map { i in
        let stage = recipe.stages[i]
        guard stage.hasSourceLosses else {
          return try DataStatistics.measure(stage: stage.name, examples: stageData[i].examples, step: trainingStep(for: stage, setup, index: i))
        }
        // each example as its source's loss reads it
        let steps = stage.data.indices.map { trainingStep(for: stage.trainingSource($0), setup, index: i) }
        let sources = stageData[i].sources
        return try DataStatistics.measure(stage: stage.name, examples: stageData[i].examples) { e in
          steps[sources.firstIndex { $0.contains(e) } ?? 0]
        }
      }
    }
    return setup
  }

  /// The state to start from: a checkpoint's (its weights loaded, its later metric lines
  /// dropped), or the start of the recipe.
  func start(_ setup: Setup, from resume: URL?) throws -> Progress {
    let fm = FileManager.default
    let comm = communicator
    var state: TrainerState
    var optimizerToRestore: URL?
    if let resume {
      let stateURL = resume.appendingPathComponent("trainer_state.json")
      state = try TrainerState.read(stateURL)
      guard state.recipeHash == recipeHash else {
        throw TrainingError.checkpoint(
          path: resume.path, detail: "was written by a different recipe (or other --set overrides); resume with the same recipe")
      }
      try state.validate(against: recipe, file: stateURL, checkpointName: resume.lastPathComponent)
      if state.stageStep < state.stageSteps {
        let count = batches(setup, stage: state.stage, epoch: state.epoch).count
        guard state.batchInEpoch <= count else {
          throw RunDirectoryError.badState(
            path: stateURL.path, key: "batch_in_epoch", detail: "\(state.batchInEpoch), but epoch \(state.epoch) of stage '\(state.stageName)' has \(count) batches")
        }
      }
      try setup.encoder.load(from: SafeTensorsFile(path: resume.appendingPathComponent("model.safetensors").path))
      optimizerToRestore = state.stageStep < state.stageSteps ? resume : nil
      // resuming under another precision than the checkpoint's stage trained in (absent: fp32, before bf16 existed)
      let written = state.precision ?? Precision.fp32.rawValue, now = try stagePrecisions()[min(state.stage, recipe.stages.count - 1)]
      if written != now.rawValue {
        emit(.warning(
          "\(resume.lastPathComponent) was trained with \(written) matrix products, this run continues in \(now.rawValue): "
            + "the run will not repeat the original bit for bit"))
      }
      if state.stageStep >= state.stageSteps { state.advanceToNextStage() }  // the checkpoint closed its stage
      try truncateMetrics(after: state.globalStep)
      if (state.worldSize ?? 1) != comm.size {
        emit(.warning(
          "\(resume.lastPathComponent) was written by a run on \(state.worldSize ?? 1) rank(s), this one has \(comm.size): "
            + "the batches are the same, the dropout masks are not, so the run will not repeat the original bit for bit"))
      }
      // the link follows the resumed state (a later run from this checkpoint may have moved it)
      if comm.isRoot, let best = state.best, fm.fileExists(atPath: checkpointsDirectory.appendingPathComponent(best.checkpoint).path) {
        try Checkpoint.markBest(checkpointsDirectory.appendingPathComponent(best.checkpoint))
      }
    } else {
      if comm.isRoot { try? fm.removeItem(at: metricsURL) }
      state = TrainerState(
        stage: 0, stageName: recipe.stages[0].name, stageStep: 0, stageSteps: 0, globalStep: 0, epoch: 0,
        batchInEpoch: 0, optimizerStep: 0, learningRate: 0, seed: recipe.seed, recipeHash: recipeHash, evaluations: [],
        lastLoss: nil)
    }
    state.worldSize = comm.size
    try ReplicaCheck.verify(
      setup.encoder.store, communicator: comm, when: resume.map { "loading \($0.path)" } ?? "loading \(recipe.model.base)")
    return Progress(state: state, optimizerToRestore: optimizerToRestore, lastCheckpoint: resume, savedWeights: nil)
  }
}
