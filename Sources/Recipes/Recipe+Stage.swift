/// Reading a stage: its parts one by one, each key checked as it is read (its type, its range,
/// whether it applies to the model, the stage's kind or loss, or the source's format), then the
/// rules between the parts in `validate(stage:crossEncoder:keys:)`.
extension Recipe {
  static func parseStage(_ s: RecipeReader, index: Int, crossEncoder: Bool, built: Set<String> = []) throws -> Stage {
    try s.map { m in
      let name = try m.optional("name")?.string() ?? "stage\(index + 1)"
      let kindReader = m.optional("kind")
      let kind = try kindReader?.oneOf(StageKind.self, StageKind.allCases) ?? .finetune
      if crossEncoder, kind != .finetune, let kindReader { throw kindReader.fail("a cross-encoder recipe has finetune stages only") }
      let dataReaders = try m.required("data").list()
      var sourceLossReaders: [RecipeReader?] = []
      let data = try dataReaders.map { d in
        let (source, lossReader) = try parseSourceWithLoss(d, kind: kind, built: built, crossEncoder: crossEncoder)
        sourceLossReaders.append(lossReader)
        return source
      }
      let mixingReader = m.optional("mixing")
      let mixing = try mixingReader?.oneOf(Mixing.self, Mixing.allCases) ?? (kind == .pretrain ? .perSource : .mixed)
      // without a stage loss every source names its own; the first one's then stands for the stage
      let stageLossReader = m.optional("loss")
      guard let lossReader = stageLossReader ?? (data.allSatisfy { $0.loss != nil } ? sourceLossReaders.first ?? nil : nil) else {
        throw m.reader.fail("missing key 'loss' (give the stage a loss, or every data source its own)")
      }
      let own = try stageLossReader.map { try parseSourceLoss($0, kind: kind, crossEncoder: crossEncoder) }
      guard let stageLoss = own ?? data.first?.loss else { throw m.reader.fail("missing key 'loss'") }
      let (loss, distill, falseNegatives, matryoshka) = (stageLoss.loss, stageLoss.distill, stageLoss.falseNegatives, stageLoss.matryoshka)
      let batchSize = try positive(try m.required("batch_size"), default: 0)
      let epochs = try m.optional("epochs").map { try positive($0, default: 1) }
      let steps = try m.optional("steps").map { try positive($0, default: 1) }
      let optimizer = try parseOptimizer(m.optionalSection("optimizer"))
      let schedule = try parseSchedule(m.optionalSection("schedule"))
      let miniReader = m.optional("mini_batch"), budgetReader = m.optional("memory_budget_mb")
      // GradCache applies to every source's loss when some source trains with InfoNCE
      let lossForMiniBatch = data.indices.map { data[$0].loss?.loss ?? loss }.first { if case .infoNCE = $0 { true } else { false } } ?? loss
      let miniBatch = try parseMiniBatch(miniReader, budget: budgetReader, loss: lossForMiniBatch)
      // Hugging Face's Trainer clips at 1.0 unless told otherwise; `max_grad_norm: null` turns clipping off
      let clipReader = m.optional("max_grad_norm")
      let clip = try clipReader.map { $0.isNull ? nil : try $0.float(.positive) } ?? Stage.defaultMaxGradNorm
      let checkpoint = try m.optional("checkpoint").map { try parseCheckpoint($0) }
      var stage = Stage(
        name: name, kind: kind, data: data, loss: loss, distill: distill, batchSize: batchSize, epochs: epochs ?? (steps == nil ? 1 : nil),
        steps: steps, optimizer: optimizer, schedule: schedule, maxGradNorm: clip,
        dropout: try m.optional("dropout")?.bool() ?? true,
        evalEvery: try m.optional("eval_every").map { try positive($0, default: 1) },
        checkpointEvery: checkpoint?.every, keepCheckpoints: checkpoint?.keep ?? 2, miniBatch: miniBatch, mixing: mixing,
        onNonFinite: try m.optional("on_nonfinite")?.oneOf(OnNonFinite.self, OnNonFinite.allCases) ?? .stop)
      stage.falseNegatives = falseNegatives
      stage.precision = try m.optional("precision")?.oneOf(PrecisionChoice.self, PrecisionChoice.allCases)
      stage.matryoshka = matryoshka
      try validate(
        stage: stage, crossEncoder: crossEncoder,
        keys: StageKeys(stage: s, mixing: mixingReader, loss: lossReader, miniBatch: miniReader, sourceLosses: sourceLossReaders))
      return stage
    }
  }

  /// The readers of the keys that `validate(stage:crossEncoder:keys:)` errors name.
  struct StageKeys {
    var stage: RecipeReader
    var mixing: RecipeReader?
    var loss: RecipeReader
    var miniBatch: RecipeReader?
    /// Each data source's own `loss` (nil where it has none).
    var sourceLosses: [RecipeReader?] = []
  }

  /// The rules between a stage's parts: its sources and their mixing, its loss and its sources'
  /// formats and the model, epochs and steps, the mini-batch and the batch.
  static func validate(stage: Stage, crossEncoder: Bool, keys: StageKeys) throws {
    let m = keys.stage
    let data = stage.data
    if stage.mixing == .mixed, data.contains(where: { $0.weight != nil }) {
      throw (keys.mixing ?? m).fail("source weights need mixing: per_source")
    }
    if data.contains(where: { $0.weight != nil }) && data.contains(where: { $0.weight == nil }) {
      throw m.fail("give every data source of the stage a weight, or none", path: m.path + ".data")
    }
    guard !data.isEmpty else { throw m.fail("a stage needs at least one data source", path: m.path + ".data") }
    if stage.hasSourceLosses, data.count > 1, stage.mixing == .mixed {
      let k = data.firstIndex { $0.loss != nil } ?? 0
      throw ((k < keys.sourceLosses.count ? keys.sourceLosses[k] : nil) ?? keys.mixing ?? m).fail(
        "a source's own loss needs mixing: per_source (each batch from one source, trained with that source's loss)")
    }
    // embedding distillation is a stage's loss: its teacher's embeddings are stored in the
    // stage's hdf5 data sets
    for (k, own) in data.enumerated().compactMap({ k, d in d.loss.map { (k, $0) } }) where own.distill?.embeddingTeacher != nil {
      let reader = k < keys.sourceLosses.count ? keys.sourceLosses[k] ?? keys.loss : keys.loss
      throw reader.fail("embedding distillation is a stage's loss, not a data source's")
    }
    if let teacher = stage.distill?.embeddingTeacher {
      if stage.hasSourceLosses { throw keys.loss.fail("embedding distillation does not combine with data sources' own losses") }
      try validateEmbeddingDistillation(stage: stage, teacher: teacher, keys: keys)
    }
    // each loss against the formats of the sources it trains on: the stage's against those
    // without their own (named when there are several), each source's own against its format
    let labels = stage.sourceLabels
    for (k, source) in data.enumerated() {
      let l = stage.loss(ofSource: k)
      let own = k < keys.sourceLosses.count ? keys.sourceLosses[k] : nil
      let reader = own ?? keys.loss
      let crossLoss = switch l.loss {
      case .binary, .listwise: true
      case .infoNCE, .cosent: false
      }
      if crossEncoder, !crossLoss {
        throw reader.fail("a cross-encoder trains with binary or listwise")
      }
      if let problem = mismatch(of: l, format: source.format) {
        let named = data.count > 1 ? "source '\(labels[k])' (data.\(k), \(source.format.rawValue)): " : ""
        throw reader.fail(named + problem + (own == nil && stage.hasSourceLosses ? " (the stage's loss; a source may name its own)" : ""))
      }
    }
    if stage.epochs != nil && stage.steps != nil { throw m.fail("give epochs or steps, not both") }
    if let miniReader = keys.miniBatch, case .texts(let n) = stage.miniBatch, n > stage.batchSize {
      throw miniReader.fail("mini_batch \(n) is larger than the batch (batch_size \(stage.batchSize))")
    }
  }

  /// One data source of a stage of this kind; `built` holds the data sets prepare steps make.
  static func parseSource(_ d: RecipeReader, kind: StageKind, built: Set<String>) throws -> DataSource {
    try parseSourceWithLoss(d, kind: kind, built: built, crossEncoder: nil).source
  }

  /// One data source, with the reader of its own `loss` (which a stage's source may give: not
  /// allowed when `crossEncoder` is nil, as in a prepare step's data).
  static func parseSourceWithLoss(_ d: RecipeReader, kind: StageKind, built: Set<String>, crossEncoder: Bool?) throws
    -> (source: DataSource, loss: RecipeReader?)
  {
    var lossReader: RecipeReader?
    let source = try d.map { dm in
      let format = try dm.required("format").oneOf(DataFormat.self, DataFormat.allCases)
      let pathReader = try dm.required("path")
      // a data set a prepare step builds need not exist yet
      let paths = try format == .hdf5 && built.contains(pathReader.string()) ? [pathReader.string()] : expand(pathReader)
      var columns = ["sentence1", "sentence2"]
      var mapping: ColumnMapping?
      if let c = dm.optional("columns"), format.takesColumnMapping {
        mapping = try parseMapping(c)
      } else if let c = dm.optional("columns") {
        guard format == .pairsTSV else { throw c.fail("columns apply to pairs_tsv, jsonl, json, csv, tsv and parquet sources") }
        columns = try c.list().map { try $0.string() }
        guard columns.count == 2, columns[0] != columns[1] else { throw c.fail("expected two different column names: [query, positive]") }
      }
      let weight = try dm.optional("weight").map { r -> Double in
        let w = try r.double()
        guard w > 0 else { throw r.fail("weight must be positive, got \(w)") }
        return w
      }
      let instruction = try dm.optional("instruction").map { r -> String in
        guard kind == .instruct else { throw r.fail("instruction applies to sources of instruct stages") }
        return try r.string()
      }
      let promptName = try dm.optional("prompt_name")?.string()
      let minScore = try dm.optional("min_score").map { r -> Double in
        guard format == .pairsTSV else { throw r.fail("min_score applies to pairs_tsv sources") }
        return try r.double()
      }
      if format == .hdf5 && kind == .instruct {
        throw dm.reader.fail("instruct stages read text files (their queries get the instruction); hdf5 data sets are tokenized already",
                             path: dm.reader.path + ".format")
      }
      let negatives = try dm.optional("negatives").map { r -> NegativeSource in
        guard format == .hdf5 else { throw r.fail("negatives applies to hdf5 sources") }
        return try r.oneOf(NegativeSource.self, NegativeSource.allCases)
      } ?? .auto
      if kind == .instruct && instruction == nil {
        throw dm.reader.fail("a source of an instruct stage needs an instruction", path: dm.reader.path + ".instruction")
      }
      var source = DataSource(
        format: format, paths: paths, columns: columns, weight: weight, instruction: instruction, promptName: promptName,
        minScore: minScore, negatives: negatives)
      source.mapping = mapping
      source.limit = try dm.optional("limit").map { try positive($0, default: 1) }
      for key in ["on_bad_row", "score_range", "where"] {
        guard let r = dm.optional(key) else { continue }
        guard format.readsRows else { throw r.fail("\(key) applies to jsonl, json, csv, tsv, parquet, flag_embedding and tevatron sources") }
        switch key {
        case "on_bad_row": source.onBadRow = try r.oneOf(OnBadRow.self, OnBadRow.allCases)
        case "score_range": source.scoreRange = try parseScoreRange(r)
        default:
          guard format.takesColumnMapping else { throw r.fail("where applies to jsonl, json, csv, tsv and parquet sources") }
          source.keep = try parseKeep(r)
        }
      }
      source.name = try dm.optional("name")?.string()
      source.license = try dm.optional("license")?.string()
      if let l = dm.optional("language") {
        source.languages = try (try? l.list()).map { try $0.map { try $0.string() } } ?? [try l.string()]
      }
      if let crossEncoder, let l = dm.optional("loss") {
        source.loss = try parseSourceLoss(l, kind: kind, crossEncoder: crossEncoder)
        lossReader = l
      }
      return source
    }
    return (source, lossReader)
  }
}

/// The stage's training settings: optimizer, schedule, mini-batches, checkpoints.
extension Recipe {
  static func parseOptimizer(_ r: RecipeReader) throws -> Optimizer {
    try r.map { om in
      // the defaults are rounded from Double, as the values of a recipe are
      var betas: [Float] = [Float(0.9 as Double), Float(0.999 as Double)]
      if let betasReader = om.optional("betas") {
        let items = try betasReader.list()
        guard items.count == 2 else { throw betasReader.fail("betas must be two numbers in [0, 1), got \(items.count)") }
        betas = try items.map { try $0.float(.belowOne) }
      }
      let lrReader = om.optional("lr")
      let lr = try lrReader?.float(.positive) ?? Float(2e-5 as Double)
      let eps = try om.optional("eps")?.float(.positive) ?? Float(1e-8 as Double)
      let decayReader = om.optional("weight_decay")
      let weightDecay = try decayReader?.float(.nonNegative) ?? Float(0.01 as Double)
      // each step multiplies a decayed weight by 1 − lr × weight_decay
      if !(lr * weightDecay < 1) {
        throw (decayReader ?? lrReader ?? om.reader).fail("lr × weight_decay must be below 1 (each step multiplies the weights by 1 − lr × weight_decay), got \(lr * weightDecay)")
      }
      return Optimizer(lr: lr, settings: AdamWSettings(beta1: betas[0], beta2: betas[1], eps: eps, weightDecay: weightDecay))
    }
  }

  static func parseSchedule(_ r: RecipeReader) throws -> Schedule {
    try r.map { sm in
      let ratio = try sm.optional("warmup_ratio").map { r -> Double in
        let v = try r.double()
        guard (0...1).contains(v) else { throw r.fail("warmup_ratio must be in [0, 1], got \(v)") }
        return v
      }
      let wsteps = try sm.optional("warmup_steps")?.int(atLeast: 0)
      if ratio != nil && wsteps != nil { throw sm.reader.fail("give warmup_ratio or warmup_steps, not both") }
      return Schedule(
        warmupRatio: ratio, warmupSteps: wsteps,
        decay: try sm.optional("decay")?.oneOf(Decay.self, Decay.allCases) ?? .linear)
    }
  }

  /// `mini_batch` (not for a cosent stage; a stage whose sources have their own losses takes it when one of them is
  /// infonce, and runs every source's loss through GradCache): a number of texts, or `auto` with `memory_budget_mb`.
  static func parseMiniBatch(_ miniReader: RecipeReader?, budget budgetReader: RecipeReader?, loss: Loss) throws -> MiniBatch? {
    guard let miniReader else {
      if let budgetReader { throw budgetReader.fail("memory_budget_mb goes with mini_batch: auto") }
      return nil
    }
    if case .cosent = loss { throw miniReader.fail("mini_batch (GradCache) applies to the infonce loss") }
    if (try? miniReader.string()) == "auto" {
      guard let budgetReader else {
        throw miniReader.fail("mini_batch: auto needs memory_budget_mb (the peak resident memory to stay within)")
      }
      return .auto(megabytes: try positive(budgetReader, default: 1))
    }
    return .texts(try positive(miniReader, default: 1))
  }

  /// `checkpoint`: every N steps (nil: only at the end of each stage), keeping the last `keep`.
  static func parseCheckpoint(_ r: RecipeReader) throws -> (every: Int?, keep: Int?) {
    try r.map { cm in
      (try cm.optional("every").map { try positive($0, default: 1) }, try cm.optional("keep").map { try positive($0, default: 1) })
    }
  }
}
