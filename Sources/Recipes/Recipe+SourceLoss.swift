/// Several losses in one stage: a data source may name its own loss (`loss:` of the source, the
/// same keys as a stage's), which its batches train with; the stage's `loss` is the default of
/// the others.
extension Recipe {
  /// A loss with its options, as a stage or a data source names it.
  public struct SourceLoss: Sendable, Equatable {
    public var loss: Loss
    /// InfoNCE: distillation from the source's teacher scores.
    public var distill: Distill?
    /// InfoNCE: candidates masked as likely false negatives.
    public var falseNegatives: FalseNegatives?
    /// InfoNCE and CoSENT: the loss also on the embeddings' leading dimensions.
    public var matryoshka: Matryoshka?
    public init(loss: Loss, distill: Distill? = nil, falseNegatives: FalseNegatives? = nil, matryoshka: Matryoshka? = nil) {
      self.loss = loss
      self.distill = distill
      self.falseNegatives = falseNegatives
      self.matryoshka = matryoshka
    }
  }

  /// A `loss` section (of a stage or of a data source) for a stage of this kind.
  static func parseSourceLoss(_ r: RecipeReader, kind: StageKind, crossEncoder: Bool) throws -> SourceLoss {
    let (loss, distill, falseNegatives, matryoshka) = try parseLoss(r, kind: kind, crossEncoder: crossEncoder)
    return SourceLoss(loss: loss, distill: distill, falseNegatives: falseNegatives, matryoshka: matryoshka)
  }

  /// Why `loss` cannot train on a source of `format` (nil: it can). Formats whose examples are
  /// known only once read (jsonl, json, csv, tsv, parquet) pass here and are checked on their
  /// first example when the run loads its data.
  static func mismatch(of l: SourceLoss, format: DataFormat) -> String? {
    switch l.loss {
    case .listwise where format == .stsTSV || format == .pairsTSV:
      "listwise needs hard negatives (nli_tsv, jsonl with negatives, hdf5), not pairs"
    case .infoNCE where format == .stsTSV:
      "infonce needs (query, positive[, negative]) data, not sts_tsv pairs"
    case .infoNCE where l.distill != nil && l.distill?.embeddingTeacher == nil && ![.hdf5, .flagEmbedding].contains(format):
      "distill needs teacher scores, which hdf5 sources (trainer score) and flag_embedding sources (pos_scores, neg_scores) hold"
    case .infoNCE(_, _, 0) where l.distill != nil && l.distill?.embeddingTeacher == nil:
      "distill compares each query's positive and hard negatives: give hard_negatives > 0"
    case .cosent where format == .hdf5:
      "cosent needs graded pairs; hdf5 data sets hold (query, positive, negatives) examples"
    case .cosent where format == .nliTSV || format == .pairsTSV:
      "cosent needs graded pairs (sts_tsv or jsonl with score), not nli_tsv triplets or pairs_tsv pairs"
    default: nil
    }
  }
}

extension Recipe.Stage {
  /// The stage's own loss with its options (the default of sources without one).
  public var stageLoss: Recipe.SourceLoss {
    Recipe.SourceLoss(loss: loss, distill: distill, falseNegatives: falseNegatives, matryoshka: matryoshka)
  }

  /// The loss source `k`'s batches train with: its own, else the stage's.
  public func loss(ofSource k: Int) -> Recipe.SourceLoss { data[k].loss ?? stageLoss }

  /// Some data source names its own loss.
  public var hasSourceLosses: Bool { data.contains { $0.loss != nil } }

  /// Each step's loss is also logged under its source (`source`, `loss_<label>` in
  /// metrics.jsonl, the report and the progress line): batches come from one source at a time
  /// and there are several.
  public var logsPerSource: Bool { mixing == .perSource && data.count > 1 }

  /// Each source's label in the logs: its `name`, else `source<k + 1>`; a label two sources
  /// share gets `_<k + 1>` after it.
  public var sourceLabels: [String] {
    let base = data.enumerated().map { $1.name ?? "source\($0 + 1)" }
    return base.enumerated().map { k, label in base.filter { $0 == label }.count > 1 ? "\(label)_\(k + 1)" : label }
  }

  /// The stage with source `k`'s loss as its own (what that source's batches train with).
  public func trainingSource(_ k: Int) -> Recipe.Stage {
    var s = self
    let l = loss(ofSource: k)
    s.loss = l.loss
    s.distill = l.distill
    s.falseNegatives = l.falseNegatives
    s.matryoshka = l.matryoshka
    return s
  }
}
