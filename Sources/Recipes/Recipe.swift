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
    /// Train a cross-encoder (the base's sequence classifier: `XLMRobertaForSequenceClassification`,
    /// `RobertaForSequenceClassification`, `BertForSequenceClassification`; one logit per pair) instead
    /// of a sentence encoder; a bi-encoder base gets a fresh classification head.
    public var crossEncoder = false
    /// `truncate_dim`: the model is used at its embeddings' first N dimensions, as
    /// sentence-transformers' `SentenceTransformer(..., truncate_dim=N)`: the exported
    /// config_sentence_transformers.json carries it and evaluation sets default to it; training
    /// losses see the whole embedding. nil: the base model's, if it has one.
    public var truncateDim: Int? = nil
    /// Where `truncate_dim` was given (`checkTruncateDims` points there).
    var truncateDimKey: RecipeKey? = nil

    /// The text put before a query of a task with this instruction.
    public func instructionPrefix(_ task: String) -> String { instructionTemplate.prefix(task: task) }
  }

  /// How token rows become one row per text (the engine's `PoolingMode`).
  public enum Pooling: String, Sendable, CaseIterable { case mean, cls, max }

  /// pretrain: text pairs, in-batch negatives only (hard_negatives defaults to, and must be, 0),
  /// each batch from one source by default (mixing: per_source). finetune and instruct: as
  /// their settings say.
  public enum StageKind: String, Sendable, CaseIterable { case pretrain, finetune, instruct }
  public enum DataFormat: String, Sendable, CaseIterable {
    /// sentence1, sentence2, gold_label: (premise, entailment, contradiction) triplets.
    case nliTSV = "nli_tsv"
    /// sentence1, sentence2, score: graded pairs.
    case stsTSV = "sts_tsv"
    /// one JSON object per line: with `columns`, or without them by position (see `json`); a file
    /// whose first object has {query, positive} or {sentence1, sentence2, score} keeps the fixed
    /// keys: {query, positive, negative?, negatives?} or {sentence1, sentence2, score}.
    case jsonl
    /// one JSON array of objects; `columns` maps roles to keys, or without them columns are taken
    /// by position as sentence-transformers does (`score` or `label` is the score; the others in
    /// order: query, positive, negatives).
    case json
    /// CSV (RFC 4180) or TSV with a header row, columns as for `json`.
    case csv, tsv
    /// Parquet as pyarrow and `datasets` write it (text, list-of-text and number columns), columns
    /// as for `json`.
    case parquet
    /// FlagEmbedding's JSON lines: {query, pos: [...], neg: [...], pos_scores?, neg_scores?, prompt?}.
    case flagEmbedding = "flag_embedding"
    /// tevatron's JSON lines: {query, positive_passages: [{docid, title, text}], negative_passages}.
    case tevatron
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
    /// jsonl, json, csv, tsv, parquet: which columns hold which role (nil: by position, or jsonl's fixed keys).
    public var mapping: ColumnMapping?
    /// Rows that cannot give an example: an error (the default) or skipped and counted.
    public var onBadRow: OnBadRow = .error
    /// A row's score must lie in this range (else the row is bad).
    public var scoreRange: ClosedRange<Double>?
    /// jsonl, json, csv, tsv, parquet: only rows whose column (key) holds this text (value).
    public var keep: [String: String] = [:]
    /// The first N examples of the source (over its files in order); nil: all.
    public var limit: Int?
    /// The data set's name (a Hugging Face id such as `kor-nlu-datasets/KorNLI`) and licence
    /// (`cc-by-sa-4.0`), for the model card's metadata; nil: not stated.
    public var name: String?
    public var license: String?
    /// The languages of its texts (ISO 639-1 codes such as `ko`), for the model card.
    public var languages: [String] = []
    /// The source's own loss (`loss:` of the source); nil: the stage's.
    public var loss: SourceLoss?
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

  /// Which columns of a table-like source hold the texts of an example.
  public struct ColumnMapping: Sendable, Equatable {
    public var query: String
    /// Each a text column or a list-of-texts column; several positives make one example with
    /// several (one drawn per epoch).
    public var positives: [String]
    public var negatives: [String]
    /// A graded pair's score (then exactly one positive and no negatives).
    public var score: String?
    /// A text put before the query (per row, as FlagEmbedding's `prompt`).
    public var prompt: String?
    public init(query: String, positives: [String], negatives: [String] = [], score: String? = nil, prompt: String? = nil) {
      self.query = query
      self.positives = positives
      self.negatives = negatives
      self.score = score
      self.prompt = prompt
    }
  }

  /// What a source does with a row that cannot give an example.
  public enum OnBadRow: String, Sendable, CaseIterable {
    /// The run stops with an error naming the file, row or line, column and what was expected.
    case error
    /// The row is left out; the run reports how many were, and why.
    case skip
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
  /// InfoNCE's false-negative masking (GISTEmbed's margin strategies, the model as its guide): a
  /// candidate scoring above the positive's similarity minus `absolute`, or times 1 − `relative`.
  public struct FalseNegatives: Sendable, Equatable {
    public enum Margin: Sendable, Equatable {
      case absolute(Float)
      case relative(Float)
    }
    public var margin: Margin
    public init(margin: Margin) { self.margin = margin }
  }

  /// Matryoshka training: the stage's loss on the embeddings truncated to each of `dims`,
  /// weighted by `weights`.
  public struct Matryoshka: Sendable, Equatable {
    public var dims: [Int]
    public var weights: [Float]
    public init(dims: [Int], weights: [Float]) {
      self.dims = dims
      self.weights = weights
    }
  }

  public struct Distill: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
      /// KL(teacher ‖ student) of softmaxes at this temperature, ×T²
      case kl(temperature: Float)
      case marginMSE
      /// MSE to a bi-encoder teacher's embeddings of the texts (through a learned projection
      /// when the widths differ), plus `kl` × the KL of the in-batch similarity distributions.
      case embedding(EmbeddingTeacher)
    }
    /// A bi-encoder teacher: its directory, the weight of the in-batch KL term, and the prompt it
    /// embeds every text with (nil: its default prompt, if it has one).
    public struct EmbeddingTeacher: Sendable, Equatable {
      public var directory: String
      public var kl: Float
      public var prompt: String?
      public init(directory: String, kl: Float = 0, prompt: String? = nil) {
        self.directory = directory
        self.kl = kl
        self.prompt = prompt
      }
    }
    /// The embedding teacher, when the stage distills embeddings.
    public var embeddingTeacher: EmbeddingTeacher? {
      if case .embedding(let t) = kind { t } else { nil }
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
    /// InfoNCE stages: candidates masked as likely false negatives (GISTEmbed, the model as guide).
    public var falseNegatives: FalseNegatives? = nil
    /// InfoNCE and CoSENT stages: the loss also on the embeddings' leading dimensions.
    public var matryoshka: Matryoshka? = nil
    public var batchSize: Int
    public var epochs: Int?
    public var steps: Int?
    public var optimizer: Optimizer
    public var schedule: Schedule
    /// Gradients are clipped to this global norm; nil: no clipping (`max_grad_norm: null`).
    public var maxGradNorm: Float?
    /// The clipping norm of a stage that does not give `max_grad_norm`, as Hugging Face's Trainer.
    public static let defaultMaxGradNorm: Float = 1.0
    public var dropout: Bool
    /// Evaluate every N steps (and always at the end of the stage); nil: only at the end.
    public var evalEvery: Int?
    /// Checkpoint every N steps (and always at the end of the stage).
    public var checkpointEvery: Int?
    public var keepCheckpoints: Int
    /// InfoNCE through GradCache: texts per forward pass; nil: the whole batch at once.
    public var miniBatch: MiniBatch?
    public var mixing: Mixing
    /// The precision of this stage's matrix products; nil: the recipe's.
    public var precision: PrecisionChoice? = nil
    /// What a step with a non-finite loss or gradient norm does.
    public var onNonFinite: OnNonFinite = .stop
  }

  /// A stage's `on_nonfinite`: what a step whose loss or gradient norm is not finite does.
  public enum OnNonFinite: String, Sendable, CaseIterable {
    /// The run stops with an error naming the stage, the step (and, for a gradient, the first
    /// tensor with a non-finite one) and the last good checkpoint; no checkpoint is written.
    case stop
    /// The batch's update is skipped (no optimizer step, the gradients cleared); the step counts,
    /// so the schedule and the sampler go on, and `skipped_batches` in metrics.jsonl counts it.
    case skipBatch = "skip_batch"
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
      /// Paraphrase retrieval from an STS TSV: the first sentence of each pair scoring at least
      /// `minScore` finds the second among every sentence of the file.
      case stsRetrieval(path: String, minScore: Double)
      /// Entailment retrieval from an NLI file (KorNLI TSV, KLUE-NLI JSON): a premise finds the
      /// hypotheses it entails among every hypothesis, or the reverse.
      case nliRetrieval(path: String, direction: EntailmentDirection)

      /// Ranked as retrieval (every source but `sts`).
      public var isRetrieval: Bool {
        if case .sts = self { false } else { true }
      }
    }
    /// Which side of an entailment pair is the query (`direction:` of an nli_retrieval set).
    public enum EntailmentDirection: String, Sendable, CaseIterable {
      case premiseToHypothesis = "premise_to_hypothesis"
      case hypothesisToPremise = "hypothesis_to_premise"
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
    /// `truncate_dim`: every metric on the embeddings' first N dimensions (sentence-transformers'
    /// evaluators' truncate_dim); nil: the model's `truncate_dim`, if any.
    public var truncateDim: Int? = nil
    /// Where `truncate_dim` was given.
    var truncateDimKey: RecipeKey? = nil
    /// The metric that stands for the set in progress lines: spearman_cosine, or
    /// <similarity>_ndcg@10 (spearman for a cross-encoder).
    public var mainMetric: String {
      if crossEncoder { return "spearman" }
      return source.isRetrieval ? "\(similarities[0].rawValue)_ndcg@10" : "spearman_cosine"
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

  /// A step run before the stages, skipped when its product is already there (so a run that is
  /// started again, or resumed, does not redo it):
  ///   - teacher: train another recipe (a cross-encoder) unless its `model/` exists
  ///   - build: make a data set (`trainer data build`) unless the file exists
  ///   - mine: mine its hard negatives with the base model (`trainer mine`) unless the file holds
  ///     negatives mined with these settings
  ///   - score: score its examples with a teacher (`trainer score`) unless that teacher did
  public enum PrepareStep: Sendable, Equatable {
    case teacher(recipe: String)
    case build(output: String, examples: [DataSource], corpus: [DataSource])
    case mine(data: String, k: Int, window: ClosedRange<Int>, margin: Double?, relativeMargin: Double?, seed: UInt64)
    /// `teacher`: a model directory, or the recipe of a teacher step (its model/)
    case score(data: String, teacher: String)
  }

  /// `precision:` of a recipe or a stage: the encoder's matrix products in fp32, in bf16 with fp32
  /// accumulation, or `auto` (bf16 where the CPU has native bf16 dot products, fp32 elsewhere).
  public enum PrecisionChoice: String, Sendable, CaseIterable {
    case auto, fp32, bf16
  }

  public var file: String
  public var model: Model
  /// The precision of every stage that does not give its own (`precision:`, default auto).
  public var precision: PrecisionChoice = .auto
  public var seed: UInt64
  public var output: String
  public var evaluation: [EvalSet]
  public var best: Best?
  /// Evaluate the sets evaluated during training once before the first step (step 0, the
  /// baseline of the report); never on a resume.
  public var evaluateBeforeTraining = true
  public var stages: [Stage]
  /// Steps run before the stages (a teacher, data sets, mining, scoring).
  public var prepare: [PrepareStep] = []
  /// Interpolation with the base (or another) model at the end of the run; nil: none.
  public var merge: Merge?
  /// The recipe file's text as read, then a `# overrides` line and the `--set` strings as given
  /// (one a line; not applied to the text); hashed into checkpoints so a resume uses the same
  /// recipe and overrides, and written to the run's `recipe.yaml`.
  public var canonicalText: String
}
