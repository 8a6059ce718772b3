import Autograd
import Communication
import TextEncoder
import Tokenization

/// Embeds evaluation sets with an encoder (dropout off) and computes their metrics: STS as
/// sentence-transformers' EmbeddingSimilarityEvaluator, retrieval as its
/// InformationRetrievalEvaluator. With `truncateDim` every metric is taken on the embeddings'
/// first N dimensions, as those evaluators' `truncate_dim` does.
public struct Evaluator {
  public var encoder: Encoder
  public var tokenizer: Tokenizer
  public var pooling: PoolingMode
  public var normalize: Bool
  /// Tokens per text at most (nil: the tokenizer's).
  public var maxLength: Int?
  /// Put before STS sentences and retrieval queries.
  public var queryPrefix: String
  /// Put before retrieval documents.
  public var passagePrefix: String
  public var batchSize: Int
  /// The leading dimensions the metrics use (sentence-transformers' `truncate_dim`: cut after
  /// Normalize, not renormalized); nil or the whole width: all of them.
  public var truncateDim: Int? = nil
  /// Data-parallel runs: each rank embeds its share of a set's texts, and every rank gets all
  /// of them (and so the same metrics).
  public var communicator: any Communicator = SingleProcess()
  /// Embeddings shared with the other sets of the same evaluation round (nil: none).
  public var cache: EmbeddingCache?

  public init(
    encoder: Encoder, tokenizer: Tokenizer, pooling: PoolingMode, normalize: Bool, maxLength: Int?, queryPrefix: String,
    passagePrefix: String, batchSize: Int = 256
  ) {
    self.encoder = encoder
    self.tokenizer = tokenizer
    self.pooling = pooling
    self.normalize = normalize
    self.maxLength = maxLength
    self.queryPrefix = queryPrefix
    self.passagePrefix = passagePrefix
    self.batchSize = batchSize
  }

  /// Pearson and Spearman of cosine, Euclidean, Manhattan and dot similarity against the gold
  /// scores. Each distinct sentence is embedded once.
  public func sts(_ pairs: [ScoredPair]) throws -> [Metric] {
    guard pairs.count >= 2 else {
      throw EvaluationError.tooSmall(
        path: "STS set", detail: "\(pairs.count) sentence pair\(pairs.count == 1 ? "" : "s"); an STS evaluation needs at least 2 (a correlation)")
    }
    var index: [String: Int] = [:]
    var texts: [String] = []
    for p in pairs { for t in [p.first, p.second] where index[t] == nil { index[t] = texts.count; texts.append(t) } }
    let C = dimension
    let e = try embed(texts, prefix: queryPrefix)
    var e1 = [Float](), e2 = [Float]()
    e1.reserveCapacity(pairs.count * C)
    e2.reserveCapacity(pairs.count * C)
    for p in pairs {
      let a = index[p.first]! * C, b = index[p.second]! * C
      e1 += e[a..<(a + C)]
      e2 += e[b..<(b + C)]
    }
    return STSMetrics.compute(embeddings1: e1, embeddings2: e2, dimension: C, gold: pairs.map { Double($0.score) })
  }

  /// accuracy@k, precision@k, recall@k, nDCG@10, MRR@10 and MAP@100 for each similarity.
  public func retrieval(
    _ data: RetrievalData, similarities: [Similarity] = [.cosine], cutoffs: RetrievalMetrics.Cutoffs = .init()
  ) throws -> [Metric] {
    guard !data.queryTexts.isEmpty, !data.corpusTexts.isEmpty else {
      throw EvaluationError.tooSmall(
        path: "retrieval set", detail: "\(data.queryTexts.count) queries, \(data.corpusTexts.count) documents; it needs at least 1 of each")
    }
    let C = dimension
    let queries = try embed(data.queryTexts, prefix: queryPrefix)
    let corpus = try embed(data.corpusTexts, prefix: passagePrefix)
    var out: [Metric] = []
    for s in similarities {
      let ranked = Ranking.top(
        queries: queries, corpus: corpus, dimension: C, corpusIDs: data.corpusIDs, similarity: s, depth: cutoffs.depth)
      out += RetrievalMetrics.compute(
        rankings: ranked.map { $0.map { data.corpusIDs[$0] } }, relevant: data.relevant, cutoffs: cutoffs,
        similarity: s.rawValue)
    }
    return out
  }

  /// The floats per embedding the metrics see: `truncateDim` (at most the model's width).
  public var dimension: Int { EmbeddingTruncation.dimension(truncateDim, width: encoder.config.hiddenSize) }

  /// The texts' embeddings, `dimension` floats a row (the whole rows taken from, and kept in,
  /// the cache if there is one).
  func embed(_ texts: [String], prefix: String) throws -> [Float] {
    let width = encoder.config.hiddenSize
    let whole = try cache.map { try embedCached(texts, prefix: prefix, cache: $0) } ?? embedWhole(texts, prefix: prefix)
    return EmbeddingTruncation.leadingColumns(whole, width: width, dimension: dimension)
  }

  /// On several ranks each embeds a contiguous share of the texts with near-equal token counts
  /// (sets are often ordered by source, short captions before long news).
  func embedWhole(_ texts: [String], prefix: String) throws -> [Float] {
    let comm = communicator, C = encoder.config.hiddenSize
    guard comm.size > 1 else {
      // one rank tokenizes batch by batch: a large corpus is never held tokenized whole
      return try encoder.embed(
        texts: texts, tokenizer: tokenizer, prefix: prefix, maxLength: maxLength, pooling: pooling, normalize: normalize,
        batchSize: batchSize)
    }
    let sequences = try texts.map { try tokenizer.encode($0, prefix: prefix, maxLength: maxLength) }
    let shares = comm.shares(lengths: sequences.map(\.count))
    let mine = Array(sequences[shares[comm.rank]])
    let e = try encoder.embed(sequences: mine, pooling: pooling, normalize: normalize, batchSize: batchSize)
    return try e.withUnsafeBufferPointer { try comm.allGather($0, counts: shares.map { $0.count * C }) }
  }
}
