import Foundation

/// A training recipe: the base model, how texts are prepared, and an ordered list of stages,
/// each starting from the previous stage's weights. Read from YAML by `Recipe.load`.
///
/// Its values are plain (strings, numbers, its own enums); `Training` maps them to the engine's
/// types (`Recipe+Engine.swift`).
public struct Recipe: Sendable {
  public struct Model: Sendable, Equatable {
    /// A Hugging Face / sentence-transformers directory.
    public var base: String
    /// Pooling; nil keeps the model directory's.
    public var pooling: Pooling?
    /// Tokens per text at most, special tokens and prefix included.
    public var maxLength: Int
    /// Put before every query text (and before every text of symmetric data such as STS).
    public var queryPrefix: String
    /// Put before every passage text (positives and negatives).
    public var passagePrefix: String
    /// How instruct stages format queries: `{task}` is the source's instruction, `{text}` (at the
    /// end, so it works as a sentence-transformers prompt) the query.
    public var instructionTemplate: InstructionTemplate
    /// Train a cross-encoder (`XLMRobertaForSequenceClassification`, one logit per pair) instead
    /// of a sentence encoder; a bi-encoder base gets a fresh classification head.
    public var crossEncoder = false

    /// The text put before a query of a task with this instruction.
    public func instructionPrefix(_ task: String) -> String { instructionTemplate.prefix(task: task) }
  }

  /// How token rows become one row per text (the engine's `PoolingMode`).
  public enum Pooling: String, Sendable, CaseIterable { case mean, cls }

  /// pretrain: text pairs, in-batch negatives only (hard_negatives defaults to, and must be, 0),
  /// each batch from one source by default (mixing: per_source). finetune and instruct: as
  /// their settings say.
  public enum StageKind: String, Sendable, CaseIterable { case pretrain, finetune, instruct }
  public enum DataFormat: String, Sendable, CaseIterable {
    /// sentence1, sentence2, gold_label: (premise, entailment, contradiction) triplets.
    case nliTSV = "nli_tsv"
    /// sentence1, sentence2, score: graded pairs.
    case stsTSV = "sts_tsv"
    /// one JSON object per line: {query, positive, negative?} or {sentence1, sentence2, score}.
    case jsonl
    /// text pairs (title/body, question/answer, translations) from two columns of a TSV with a
    /// header: (query, positive) with in-batch negatives only.
    case pairsTSV = "pairs_tsv"
    /// a data set made by `trainer data build` (tokenized once; mined negatives and teacher
    /// scores from `trainer mine` and `trainer score`), read without re-tokenizing.
    case hdf5
  }

  /// hdf5 sources: which hard negatives the examples get.
  public enum NegativeSource: String, Sendable, CaseIterable {
    /// those of `trainer mine` if the file has them, else those from the data
    case auto, mined, data
  }

  public struct DataSource: Sendable, Equatable {
    public var format: DataFormat
    /// Files (a `*` pattern in the file name expands, sorted).
    public var paths: [String]
    /// pairs_tsv: the query and positive columns (default sentence1, sentence2).
    public var columns: [String]
    /// pairs_tsv: keep only rows whose `score` column is at least this (paraphrase pairs of an
    /// STS file).
    public var minScore: Double?
    /// mixing: per_source: the share of batches drawn from this source (default: its size).
    public var weight: Double?
    /// instruct stages: the task instruction of this source's queries, and the name its prompt
    /// gets in the exported model's config_sentence_transformers.json.
    public var instruction: String?
    public var promptName: String?
    /// hdf5: which hard negatives to train with.
    public var negatives: NegativeSource
    public init(
      format: DataFormat, paths: [String], columns: [String] = ["sentence1", "sentence2"], weight: Double? = nil,
      instruction: String? = nil, promptName: String? = nil, minScore: Double? = nil, negatives: NegativeSource = .auto
    ) {
      self.negatives = negatives
      self.minScore = minScore
      self.format = format
      self.paths = paths
      self.columns = columns
      self.weight = weight
      self.instruction = instruction
      self.promptName = promptName
    }
  }

  /// How a stage's sources share batches.
  public enum Mixing: String, Sendable, CaseIterable {
    /// Every batch from the examples of all sources together.
    case mixed
    /// Every batch from one source (as E5's pretraining does, so in-batch negatives are of one
    /// kind); sources take turns in a seeded order, in proportion to their size or weight.
    case perSource = "per_source"
  }

  public enum Loss: Sendable, Equatable {
    /// InfoNCE: in-batch negatives plus up to `hardNegatives` of each example's hard negatives;
    /// optional q↔p symmetric term.
    case infoNCE(temperature: Float, symmetric: Bool, hardNegatives: Int)
    /// CoSENT on graded pairs, scale = 1 / temperature of the cosine differences.
    case cosent(scale: Float)
    /// Cross-encoders: binary cross-entropy of each pair's logit against its label (a positive
    /// 1, a hard negative 0, a graded pair score / maxScore, KorSTS's 0–5 by default).
    case binary(maxScore: Float)
    /// Cross-encoders: per query, cross-entropy of the logits of [positive, hard negatives…]
    /// with the positive as the target.
    case listwise(hardNegatives: Int)
  }

  /// Distillation from teacher scores stored in hdf5 sources, added to an InfoNCE loss:
  ///   loss = infoNCEWeight · InfoNCE + weight · distillation.
  public struct Distill: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
      /// KL(teacher ‖ student) of softmaxes at this temperature, ×T²
      case kl(temperature: Float)
      case marginMSE
    }
    public var kind: Kind
    public var weight: Float
    public var infoNCEWeight: Float
    public init(kind: Kind, weight: Float, infoNCEWeight: Float) {
      self.kind = kind
      self.weight = weight
      self.infoNCEWeight = infoNCEWeight
    }
  }

  public enum Decay: String, Sendable, CaseIterable { case linear, cosine, constant }

  public struct Optimizer: Sendable, Equatable {
    public var lr: Float
    public var settings: AdamWSettings
  }

  /// AdamW's hyperparameters (the engine's `AdamW.Settings`).
  public struct AdamWSettings: Sendable, Equatable {
    public var beta1: Float
    public var beta2: Float
    public var eps: Float
    public var weightDecay: Float
    public init(beta1: Float, beta2: Float, eps: Float, weightDecay: Float) {
      self.beta1 = beta1
      self.beta2 = beta2
      self.eps = eps
      self.weightDecay = weightDecay
    }
  }

  public struct Schedule: Sendable, Equatable {
    public var warmupRatio: Double?
    public var warmupSteps: Int?
    public var decay: Decay
    public init(warmupRatio: Double?, warmupSteps: Int?, decay: Decay) {
      self.warmupRatio = warmupRatio
      self.warmupSteps = warmupSteps
      self.decay = decay
    }
  }

  public struct Stage: Sendable {
    public var name: String
    public var kind: StageKind
    public var data: [DataSource]
    public var loss: Loss
    /// InfoNCE stages: distillation from the sources' teacher scores.
    public var distill: Distill?
    public var batchSize: Int
    public var epochs: Int?
    public var steps: Int?
    public var optimizer: Optimizer
    public var schedule: Schedule
    public var maxGradNorm: Float?
    public var dropout: Bool
    /// Evaluate every N steps (and always at the end of the stage); nil: only at the end.
    public var evalEvery: Int?
    /// Checkpoint every N steps (and always at the end of the stage).
    public var checkpointEvery: Int?
    public var keepCheckpoints: Int
    /// InfoNCE through GradCache: texts per forward pass; nil: the whole batch at once.
    public var miniBatch: MiniBatch?
    public var mixing: Mixing
  }

  public enum MiniBatch: Sendable, Equatable {
    case texts(Int)
    /// The largest mini-batch whose estimated peak memory fits `megabytes`.
    case auto(megabytes: Int)
  }

  public struct EvalSet: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
      /// sentence1, sentence2, score TSV (KorSTS): Pearson and Spearman of four similarities.
      case sts(path: String)
      /// BEIR-style corpus, queries (JSONL or TSV) and qrels (TSV): accuracy, precision,
      /// recall, MRR, nDCG and MAP at the usual cut-offs.
      case retrieval(corpus: String, queries: String, qrels: String)
    }
    public var name: String
    public var source: Source
    /// During training (at the cadence) or only at the end of the run.
    public var final: Bool
    /// STS: only the first N pairs; retrieval: only the first N queries (quick checks); nil: all.
    public var limit: Int?
    /// Retrieval: the similarities to rank by (the first is the set's main one).
    public var similarities: [Similarity]
    /// Queries (and STS sentences) formatted with this task instruction (the model's
    /// instruction template) instead of query_prefix; documents then get no prefix.
    public var instruction: String?
    /// Scored by a cross-encoder: the correlation of its logits with the gold scores.
    public var crossEncoder = false
    /// The metric that stands for the set in progress lines: spearman_cosine, or
    /// <similarity>_ndcg@10 (spearman for a cross-encoder).
    public var mainMetric: String {
      if crossEncoder { return "spearman" }
      return switch source {
      case .sts: "spearman_cosine"
      case .retrieval: "\(similarities[0].rawValue)_ndcg@10"
      }
    }
  }

  /// What retrieval sets rank by (the engine's `Similarity`).
  public enum Similarity: String, Sendable, CaseIterable { case cosine, dot }

  /// Which checkpoint is the best, by one metric of one evaluation set evaluated during
  /// training; optionally early stopping on it, and the best weights as the final model.
  public struct Best: Sendable, Equatable {
    public var set: String
    public var metric: String
    /// true: higher is better (correlations, retrieval metrics).
    public var greaterIsBetter: Bool
    /// Stop a stage after this many evaluations in a row without an improvement of more than
    /// `minDelta` (the stage counts as finished; the next one starts); nil: never.
    public var patience: Int?
    public var minDelta: Double
    /// At the end of the run, load the best checkpoint's weights before the final evaluation and
    /// the export of `model/`.
    public var loadAtEnd: Bool
    /// Where the metric was named (the `set` key when it is the set's main one); the error of
    /// `checkMetric(reported:)` points there.
    var metricKey: RecipeKey

    /// Whether `value` beats `best` by more than minDelta.
    public func improves(_ value: Double, on best: Double?) -> Bool {
      guard value.isFinite else { return false }
      guard let best else { return true }
      return greaterIsBetter ? value > best + minDelta : value < best - minDelta
    }
  }

  public var file: String
  public var model: Model
  public var seed: UInt64
  public var output: String
  public var evaluation: [EvalSet]
  public var best: Best?
  public var stages: [Stage]
  /// Steps run before the stages (a teacher, data sets, mining, scoring).
  public var prepare: [PrepareStep] = []
  /// The YAML text after overrides, hashed into checkpoints so a resume uses the same recipe.
  public var canonicalText: String

  /// Reads and checks a recipe. `overrides` are `key.path=value` strings (`--set`).
  public static func load(path: String, overrides: [String] = []) throws -> Recipe {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
      throw RecipeError(file: path, line: 0, path: "", message: "cannot read the recipe file")
    }
    var tree = try YAMLTree.parse(text, file: path)
    for o in overrides {
      guard let eq = o.firstIndex(of: "=") else {
        throw RecipeError(file: "--set", line: 0, path: o, message: "expected key.path=value")
      }
      tree = try tree.setting(String(o[..<eq]), to: String(o[o.index(after: eq)...]))
    }
    var recipe = try parse(RecipeReader(file: path, tree: tree, path: ""))
    recipe.canonicalText = text + "\n# overrides\n" + overrides.joined(separator: "\n")
    return recipe
  }

  static func parse(_ r: RecipeReader) throws -> Recipe {
    try r.map { m in
      let model = try m.required("model").map { mm in
        Model(
          base: try existing(try mm.required("base"), directory: true),
          pooling: try mm.optional("pooling")?.oneOf(Pooling.self, Pooling.allCases),
          maxLength: try positive(mm.optional("max_length"), default: 512),
          queryPrefix: try mm.optional("query_prefix")?.string() ?? "",
          passagePrefix: try mm.optional("passage_prefix")?.string() ?? "",
          instructionTemplate: try mm.optional("instruction_template").map { r -> InstructionTemplate in
            guard let t = InstructionTemplate(try r.string()) else {
              throw r.fail("the instruction template must end with {text} (once), e.g. \"Instruct: {task}\\nQuery: {text}\"")
            }
            return t
          } ?? .standard,
          crossEncoder: try mm.optional("cross_encoder")?.bool() ?? false)
      }
      let seed = try m.optional("seed")?.int() ?? 0
      guard seed >= 0 else { throw m.reader.fail("seed must not be negative", path: "seed") }
      let output = try m.required("output").string()
      let evaluationReaders = try m.optional("evaluation")?.list() ?? []
      let evaluation = try evaluationReaders.map { reader in
        var set = try parseEvalSet(reader)
        if model.crossEncoder {
          guard case .sts = set.source else { throw reader.fail("a cross-encoder is evaluated on sts_tsv sets (the correlation of its scores)") }
          if set.instruction != nil { throw reader.fail("a cross-encoder's evaluation sets take no instruction") }
          set.crossEncoder = true
        }
        return set
      }
      var names = Set<String>()
      for (e, reader) in zip(evaluation, evaluationReaders) where !names.insert(e.name).inserted {
        throw reader.fail("evaluation set name '\(e.name)' is used twice")
      }
      let best = try m.optional("best").map { try parseBest($0, evaluation: evaluation) }
      let prepare = try (m.optional("prepare")?.list() ?? []).map { try parsePrepare($0) }
      let built = Set(prepare.compactMap { step -> String? in if case .build(let output, _, _) = step { output } else { nil } })
      let stageReaders = try m.required("stages").list()
      guard !stageReaders.isEmpty else { throw m.reader.fail("a recipe needs at least one stage", path: "stages") }
      let stages = try stageReaders.enumerated().map { i, s in
        try parseStage(s, index: i, crossEncoder: model.crossEncoder, built: built)
      }
      var recipe = Recipe(
        file: r.file, model: model, seed: UInt64(seed), output: output, evaluation: evaluation, best: best, stages: stages,
        canonicalText: "")
      recipe.prepare = prepare
      return recipe
    }
  }

  static func parseEvalSet(_ e: RecipeReader) throws -> EvalSet {
    try e.map { em in
      let format = try em.optional("format")?.string() ?? "sts_tsv"
      let path = em.optional("path"), corpus = em.optional("corpus"), queries = em.optional("queries")
      let qrels = em.optional("qrels"), sims = em.optional("similarities")
      let source: EvalSet.Source
      switch format {
      case "sts_tsv":
        guard let path else { throw em.reader.fail("an sts_tsv evaluation set needs a path", path: em.reader.path + ".path") }
        for (key, r) in [("corpus", corpus), ("queries", queries), ("qrels", qrels), ("similarities", sims)] {
          if let r { throw r.fail("'\(key)' belongs to retrieval sets (format: retrieval), not sts_tsv") }
        }
        source = .sts(path: try existing(path, directory: false))
      case "retrieval":
        if let path { throw path.fail("a retrieval set takes corpus, queries and qrels, not a path") }
        func file(_ r: RecipeReader?, _ key: String) throws -> String {
          guard let r else { throw em.reader.fail("a retrieval evaluation set needs '\(key)'", path: em.reader.path + "." + key) }
          return try existing(r, directory: false)
        }
        source = .retrieval(corpus: try file(corpus, "corpus"), queries: try file(queries, "queries"), qrels: try file(qrels, "qrels"))
      default:
        throw em.reader.fail("expected format sts_tsv or retrieval, got '\(format)'", path: em.reader.path + ".format")
      }
      let similarities = try sims.map { r -> [Similarity] in
        let list = try r.list().map { try $0.oneOf(Similarity.self, Similarity.allCases) }
        guard !list.isEmpty else { throw r.fail("expected at least one similarity (cosine, dot)") }
        return list
      } ?? [.cosine]
      return EvalSet(
        name: try em.required("name").string(), source: source, final: try em.optional("final")?.bool() ?? false,
        limit: try em.optional("limit").map { try positive($0, default: 1) }, similarities: similarities,
        instruction: try em.optional("instruction")?.string())
    }
  }

  /// The best-checkpoint policy. Whether its metric is one the set reports is checked by
  /// `Best.checkMetric(reported:)` when the run starts (the metric names are the evaluators').
  static func parseBest(_ b: RecipeReader, evaluation: [EvalSet]) throws -> Best {
    try b.map { bm in
      let setReader = try bm.required("set")
      let name = try setReader.string()
      guard let set = evaluation.first(where: { $0.name == name }) else {
        throw setReader.fail("no evaluation set named '\(name)' (sets: \(evaluation.map(\.name).joined(separator: ", ")))")
      }
      guard !set.final else { throw setReader.fail("'\(name)' is evaluated only at the end (final: true); choose a set evaluated during training") }
      let metricReader = bm.optional("metric")
      let metric = try metricReader?.string() ?? set.mainMetric
      let mode = try bm.optional("mode").map { r -> Bool in
        switch try r.string() {
        case "max": return true
        case "min": return false
        case let other: throw r.fail("expected max or min, got '\(other)'")
        }
      } ?? true
      let minDelta = try bm.optional("min_delta")?.double() ?? 0
      guard minDelta >= 0 else { throw bm.reader.fail("min_delta must not be negative", path: bm.reader.path + ".min_delta") }
      return Best(
        set: name, metric: metric, greaterIsBetter: mode, patience: try bm.optional("patience").map { try positive($0, default: 1) },
        minDelta: minDelta, loadAtEnd: try bm.optional("load_at_end")?.bool() ?? false, metricKey: (metricReader ?? setReader).key)
    }
  }

  static func parseStage(_ s: RecipeReader, index: Int, crossEncoder: Bool, built: Set<String> = []) throws -> Stage {
    try s.map { m in
      let name = try m.optional("name")?.string() ?? "stage\(index + 1)"
      let kindReader = m.optional("kind")
      let kind = try kindReader?.oneOf(StageKind.self, StageKind.allCases) ?? .finetune
      if crossEncoder, kind != .finetune, let kindReader { throw kindReader.fail("a cross-encoder recipe has finetune stages only") }
      let data = try m.required("data").list().map { d in
        try d.map { dm in
          let format = try dm.required("format").oneOf(DataFormat.self, DataFormat.allCases)
          let pathReader = try dm.required("path")
          // a data set a prepare step builds need not exist yet
          let paths = try format == .hdf5 && built.contains(pathReader.string()) ? [pathReader.string()] : expand(pathReader)
          var columns = ["sentence1", "sentence2"]
          if let c = dm.optional("columns") {
            guard format == .pairsTSV else { throw c.fail("columns apply to pairs_tsv sources") }
            columns = try c.list().map { try $0.string() }
            guard columns.count == 2, columns[0] != columns[1] else { throw c.fail("expected two different column names: [query, positive]") }
          }
          let weight = try dm.optional("weight").map { r -> Double in
            let w = try r.double()
            guard w > 0 else { throw r.fail("weight must be positive") }
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
          return DataSource(
            format: format, paths: paths, columns: columns, weight: weight, instruction: instruction, promptName: promptName,
            minScore: minScore, negatives: negatives)
        }
      }
      let mixingReader = m.optional("mixing")
      let mixing = try mixingReader?.oneOf(Mixing.self, Mixing.allCases) ?? (kind == .pretrain ? .perSource : .mixed)
      if mixing == .mixed, data.contains(where: { $0.weight != nil }) {
        throw (mixingReader ?? s).fail("source weights need mixing: per_source")
      }
      if data.contains(where: { $0.weight != nil }) && data.contains(where: { $0.weight == nil }) {
        throw m.reader.fail("give every data source of the stage a weight, or none", path: m.reader.path + ".data")
      }
      guard !data.isEmpty else { throw m.reader.fail("a stage needs at least one data source", path: s.path + ".data") }
      let lossReader = try m.required("loss")
      var distill: Distill?
      let loss: Loss = try lossReader.map { lm in
        let kindReader = try lm.required("kind")
        switch try kindReader.string() {
        case "infonce":
          distill = try lm.optional("distill").map { r in
            try r.map { dm in
              let kind: Distill.Kind
              let kr = try dm.required("kind")
              switch try kr.string() {
              case "kl":
                let t = try dm.optional("temperature")?.double() ?? 1
                guard t > 0 else { throw dm.reader.fail("temperature must be positive", path: dm.reader.path + ".temperature") }
                kind = .kl(temperature: Float(t))
              case "margin_mse":
                if let t = dm.optional("temperature") { throw t.fail("margin_mse has no temperature") }
                kind = .marginMSE
              case let other: throw kr.fail("unknown distillation loss '\(other)' (known: kl, margin_mse)")
              }
              let weight = try dm.optional("weight")?.double() ?? 1
              let nce = try dm.optional("infonce_weight")?.double() ?? 1
              guard weight >= 0, nce >= 0, weight + nce > 0 else {
                throw dm.reader.fail("weight and infonce_weight must be 0 or more, not both 0")
              }
              return Distill(kind: kind, weight: Float(weight), infoNCEWeight: Float(nce))
            }
          }
          let t = try lm.optional("temperature")?.double() ?? 0.05
          guard t > 0 else { throw lm.reader.fail("temperature must be positive", path: lm.reader.path + ".temperature") }
          return .infoNCE(
            temperature: Float(t), symmetric: try lm.optional("symmetric")?.bool() ?? false,
            hardNegatives: try lm.optional("hard_negatives").map { r -> Int in
              let k = try r.int()
              guard k >= 0 else { throw r.fail("expected 0 or more hard negatives per query, got \(k)") }
              if kind == .pretrain && k > 0 { throw r.fail("a pretrain stage uses in-batch negatives only (hard_negatives: 0)") }
              return k
            } ?? (kind == .pretrain ? 0 : 1))
        case "binary":
          guard crossEncoder else { throw kindReader.fail("binary is a cross-encoder loss (model: {cross_encoder: true})") }
          let maxScore = try lm.optional("max_score")?.double() ?? 5
          guard maxScore > 0 else { throw lm.reader.fail("max_score must be positive", path: lm.reader.path + ".max_score") }
          return .binary(maxScore: Float(maxScore))
        case "listwise":
          guard crossEncoder else { throw kindReader.fail("listwise is a cross-encoder loss (model: {cross_encoder: true})") }
          let k = try lm.optional("hard_negatives").map { r -> Int in
            let k = try r.int()
            guard k > 0 else { throw r.fail("listwise ranks the positive among hard negatives: expected 1 or more, got \(k)") }
            return k
          } ?? 1
          return .listwise(hardNegatives: k)
        case "cosent":
          let scale = try lm.optional("scale")?.double() ?? 20
          guard scale > 0 else { throw lm.reader.fail("scale must be positive", path: lm.reader.path + ".scale") }
          return .cosent(scale: Float(scale))
        case let other:
          throw kindReader.fail("unknown loss '\(other)' (known: infonce, cosent; for cross-encoders binary, listwise)")
        }
      }
      let formats = Set(data.map(\.format))
      let crossLoss = switch loss {
      case .binary, .listwise: true
      case .infoNCE, .cosent: false
      }
      if crossEncoder, !crossLoss {
        throw lossReader.fail("a cross-encoder trains with binary or listwise")
      }
      switch loss {
      case .listwise where formats.contains(.stsTSV) || formats.contains(.pairsTSV):
        throw lossReader.fail("listwise needs hard negatives (nli_tsv, jsonl with negatives, hdf5), not pairs")
      case .infoNCE where formats.contains(.stsTSV):
        throw lossReader.fail("infonce needs (query, positive[, negative]) data, not sts_tsv pairs")
      case .infoNCE where distill != nil && formats != [.hdf5]:
        throw lossReader.fail("distill needs teacher scores, which only hdf5 sources hold (trainer score)")
      case .infoNCE(_, _, 0) where distill != nil:
        throw lossReader.fail("distill compares each query's positive and hard negatives: give hard_negatives > 0")
      case .cosent where formats.contains(.hdf5):
        throw lossReader.fail("cosent needs graded pairs; hdf5 data sets hold (query, positive, negatives) examples")
      case .cosent where formats.contains(.nliTSV) || formats.contains(.pairsTSV):
        throw lossReader.fail("cosent needs graded pairs (sts_tsv or jsonl with score), not nli_tsv triplets or pairs_tsv pairs")
      default: break
      }
      let batchSize = try positive(try m.required("batch_size"), default: 0)
      let epochs = try m.optional("epochs").map { try positive($0, default: 1) }
      let steps = try m.optional("steps").map { try positive($0, default: 1) }
      if epochs != nil && steps != nil { throw m.reader.fail("give epochs or steps, not both") }
      let optimizer = try m.optionalSection("optimizer").map { om in
        let betas = try om.optional("betas")?.list().map { try $0.double() } ?? [0.9, 0.999]
        guard betas.count == 2, betas.allSatisfy({ $0 >= 0 && $0 < 1 }) else {
          throw om.reader.fail("betas must be two numbers in [0, 1)", path: om.reader.path + ".betas")
        }
        let lr = try om.optional("lr")?.double() ?? 2e-5
        guard lr > 0 else { throw om.reader.fail("lr must be positive", path: om.reader.path + ".lr") }
        return Optimizer(
          lr: Float(lr),
          settings: AdamWSettings(
            beta1: Float(betas[0]), beta2: Float(betas[1]), eps: Float(try om.optional("eps")?.double() ?? 1e-8),
            weightDecay: Float(try om.optional("weight_decay")?.double() ?? 0.01)))
      }
      let schedule = try m.optionalSection("schedule").map { sm in
        let ratio = try sm.optional("warmup_ratio")?.double()
        let wsteps = try sm.optional("warmup_steps")?.int()
        if let ratio, !(0...1).contains(ratio) { throw sm.reader.fail("warmup_ratio must be in [0, 1]", path: sm.reader.path + ".warmup_ratio") }
        if ratio != nil && wsteps != nil { throw sm.reader.fail("give warmup_ratio or warmup_steps, not both") }
        return Schedule(
          warmupRatio: ratio, warmupSteps: wsteps,
          decay: try sm.optional("decay")?.oneOf(Decay.self, Decay.allCases) ?? .linear)
      }
      let miniReader = m.optional("mini_batch"), budgetReader = m.optional("memory_budget_mb")
      var miniBatch: MiniBatch?
      if let miniReader {
        if case .cosent = loss { throw miniReader.fail("mini_batch (GradCache) applies to the infonce loss") }
        if (try? miniReader.string()) == "auto" {
          guard let budgetReader else {
            throw miniReader.fail("mini_batch: auto needs memory_budget_mb (the peak resident memory to stay within)")
          }
          miniBatch = .auto(megabytes: try positive(budgetReader, default: 1))
        } else {
          let n = try positive(miniReader, default: 1)
          guard n <= batchSize else { throw miniReader.fail("mini_batch \(n) is larger than the batch (batch_size \(batchSize))") }
          miniBatch = .texts(n)
        }
      } else if let budgetReader {
        throw budgetReader.fail("memory_budget_mb goes with mini_batch: auto")
      }
      let clip = try m.optional("max_grad_norm")?.double()
      let checkpoint = try m.optional("checkpoint")?.map { cm in
        (try cm.optional("every").map { try positive($0, default: 1) }, try cm.optional("keep").map { try positive($0, default: 1) })
      }
      return Stage(
        name: name, kind: kind, data: data, loss: loss, distill: distill, batchSize: batchSize, epochs: epochs ?? (steps == nil ? 1 : nil),
        steps: steps, optimizer: optimizer, schedule: schedule, maxGradNorm: clip.map(Float.init),
        dropout: try m.optional("dropout")?.bool() ?? true,
        evalEvery: try m.optional("eval_every").map { try positive($0, default: 1) },
        checkpointEvery: checkpoint?.0 ?? nil, keepCheckpoints: checkpoint?.1 ?? 2, miniBatch: miniBatch, mixing: mixing)
    }
  }

  static func positive(_ r: RecipeReader?, default d: Int) throws -> Int {
    guard let r else { return d }
    let v = try r.int()
    guard v > 0 else { throw r.fail("expected a positive integer, got \(v)") }
    return v
  }

  static func existing(_ r: RecipeReader, directory: Bool) throws -> String {
    let p = try r.string()
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue == directory else {
      throw r.fail(directory ? "model directory '\(p)' not found" : "file '\(p)' not found")
    }
    return p
  }

  /// A path whose file name may hold `*` patterns; at least one file must match.
  static func expand(_ r: RecipeReader) throws -> [String] {
    let p = try r.string()
    guard let matches = glob(p) else { return [try existing(r, directory: false)] }
    guard !matches.isEmpty else { throw r.fail("no file matches '\(p)'") }
    return matches
  }

  /// The files a path whose file name holds `*` or `?` matches, sorted (empty: none); nil for a
  /// path without a pattern.
  static func glob(_ path: String) -> [String]? {
    let name = URL(fileURLWithPath: path).lastPathComponent
    guard name.contains("*") || name.contains("?") else { return nil }
    let dir = (path as NSString).deletingLastPathComponent
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []
    return entries.filter { fnmatch(name, $0, 0) == 0 }.sorted().map { dir.isEmpty ? $0 : dir + "/" + $0 }
  }

}

extension Recipe.Best {
  /// Throws unless `metric` is one of `reported`, the metric names of the set; the error names
  /// the recipe file, line and key that gave the metric.
  public func checkMetric(reported: [String]) throws {
    guard reported.contains(metric) else {
      throw metricKey.fail("'\(set)' has no metric '\(metric)' (it reports: \(reported.joined(separator: ", ")))")
    }
  }
}
