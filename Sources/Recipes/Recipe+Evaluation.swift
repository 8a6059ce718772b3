/// Reading the `evaluation` and `best` sections.
extension Recipe {
  /// The evaluation sets, each named once; a cross-encoder's are sts_tsv sets without instruction.
  static func parseEvaluation(_ readers: [RecipeReader], crossEncoder: Bool) throws -> [EvalSet] {
    let evaluation = try readers.map { reader in
      var set = try parseEvalSet(reader)
      if crossEncoder {
        guard case .sts = set.source else { throw reader.fail("a cross-encoder is evaluated on sts_tsv sets (the correlation of its scores)") }
        if set.instruction != nil { throw reader.fail("a cross-encoder's evaluation sets take no instruction") }
        if let key = set.truncateDimKey { throw key.fail("a cross-encoder's evaluation sets take no truncate_dim (it has no embeddings)") }
        set.crossEncoder = true
      }
      return set
    }
    var names = Set<String>()
    for (e, reader) in zip(evaluation, readers) where !names.insert(e.name).inserted {
      throw reader.fail("evaluation set name '\(e.name)' is used twice")
    }
    return evaluation
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
      case "sts_retrieval", "nli_retrieval":
        guard let path else { throw em.reader.fail("an \(format) evaluation set needs a path", path: em.reader.path + ".path") }
        for (key, r) in [("corpus", corpus), ("queries", queries), ("qrels", qrels)] {
          if let r { throw r.fail("'\(key)' belongs to retrieval sets (format: retrieval), not \(format)") }
        }
        if format == "sts_retrieval" {
          if let r = em.optional("direction") { throw r.fail("'direction' belongs to nli_retrieval sets") }
          let minScore = try em.optional("min_score").map { r -> Double in
            let v = try r.double()
            guard v.isFinite else { throw r.fail("expected a finite score, got \(v)") }
            return v
          } ?? 4.0
          source = .stsRetrieval(path: try existing(path, directory: false), minScore: minScore)
        } else {
          if let r = em.optional("min_score") { throw r.fail("'min_score' belongs to sts_retrieval sets") }
          let direction = try em.optional("direction")?.oneOf(EvalSet.EntailmentDirection.self, EvalSet.EntailmentDirection.allCases)
          source = .nliRetrieval(path: try existing(path, directory: false), direction: direction ?? .premiseToHypothesis)
        }
      default:
        throw em.reader.fail(
          "expected format sts_tsv, retrieval, sts_retrieval or nli_retrieval, got '\(format)'", path: em.reader.path + ".format")
      }
      let similarities = try sims.map { r -> [Similarity] in
        let list = try r.list().map { try $0.oneOf(Similarity.self, Similarity.allCases) }
        guard !list.isEmpty else { throw r.fail("expected at least one similarity (cosine, dot)") }
        return list
      } ?? [.cosine]
      let name = try em.required("name").string(), final = try em.optional("final")?.bool() ?? false
      // STS metrics are correlations, which need two pairs
      let limit = try em.optional("limit").map { r in
        if case .sts = source { try r.int(atLeast: 2, "an STS set's correlations need two pairs") } else { try r.int(atLeast: 1) }
      }
      let truncateReader = em.optional("truncate_dim")
      return EvalSet(
        name: name, source: source, final: final, limit: limit, similarities: similarities,
        instruction: try em.optional("instruction")?.string(), truncateDim: try truncateReader?.int(atLeast: 1),
        truncateDimKey: truncateReader?.key)
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
      let minDelta = try bm.optional("min_delta").map { r -> Double in
        let v = try r.double()
        guard v >= 0 else { throw r.fail("min_delta must not be negative, got \(v)") }
        return v
      } ?? 0
      return Best(
        set: name, metric: metric, greaterIsBetter: mode, patience: try bm.optional("patience").map { try positive($0, default: 1) },
        minDelta: minDelta, loadAtEnd: try bm.optional("load_at_end")?.bool() ?? false, metricKey: (metricReader ?? setReader).key)
    }
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

extension Recipe {
  /// The leading dimensions the exported model is used at: the recipe's `truncate_dim`, else the
  /// base model's (`baseTruncateDim`); nil when that is none or not below `width` (the whole
  /// embedding, as sentence-transformers takes min(width, truncate_dim)).
  public func exportedTruncateDim(base baseTruncateDim: Int?, width: Int) -> Int? {
    (model.truncateDim ?? baseTruncateDim).flatMap { $0 < width ? $0 : nil }
  }

  /// The leading dimensions `set` is evaluated at: its own `truncate_dim`, else the exported
  /// model's; nil: the whole embedding.
  public func truncateDim(of set: EvalSet, base baseTruncateDim: Int?, width: Int) -> Int? {
    if let d = set.truncateDim { return d < width ? d : nil }
    return exportedTruncateDim(base: baseTruncateDim, width: width)
  }

  /// Throws unless every `truncate_dim` the recipe gives (the model's, the evaluation sets') is
  /// at most `width`, the base model's embedding width; the error names the recipe file, line
  /// and key. `TrainingRun` checks it when the base model is loaded.
  public func checkTruncateDims(width: Int) throws {
    let given = [(model.truncateDim, model.truncateDimKey)] + evaluation.map { ($0.truncateDim, $0.truncateDimKey) }
    for case let (d?, key?) in given where d > width {
      throw key.fail("truncate_dim \(d) is above the width of the base model's embeddings (\(width))")
    }
  }
}
