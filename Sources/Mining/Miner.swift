import Foundation
import DataSets
import HDF5Files
import TextEncoder

/// Mines hard negatives for every example of a data set: embeds the corpus (passage prefix) and
/// the examples' queries (query prefix) with a model, retrieves each query's top hits by exact
/// inner product over unit vectors (cosine), chooses negatives by `NegativeSelection`, and
/// writes them with a summary into the data set's `/mined` group.
///
/// Embeddings go to a cache directory beside the data set a chunk at a time; a stopped run
/// started again with the same model, prefixes and data reuses every finished chunk. The
/// search reads one chunk at a time, so memory does not grow with the corpus.
public struct Miner {
  public var model: SentenceEncoder
  public var selection: NegativeSelection
  public var queryPrefix: String
  public var passagePrefix: String
  public var maxLength: Int?
  public var batchSize = 64
  public var rowsPerChunk = 8192
  public var queriesPerBlock = 16_384
  public var precision: EmbeddingChunks.Precision = .f32

  public init(model: SentenceEncoder, selection: NegativeSelection, queryPrefix: String, passagePrefix: String, maxLength: Int? = nil) {
    self.model = model
    self.selection = selection
    self.queryPrefix = queryPrefix
    self.passagePrefix = passagePrefix
    self.maxLength = maxLength
  }

  public enum Phase: String, Sendable { case corpus = "embedding the corpus", queries = "embedding the queries", search = "searching" }

  /// Mines `dataPath` in place (the file is replaced only once the result is complete).
  /// `progress` may throw to stop the run (what is done so far is kept for the next run).
  public func mine(dataPath: String, progress: ((Phase, Int, Int) throws -> Void)? = nil) throws -> MiningSummary {
    let started = Date()
    let data = try DataSetFile(path: dataPath, tokenizer: model.tokenizer)
    let cacheRoot = URL(fileURLWithPath: dataPath + ".mine")
    // what the cached embeddings depend on: the model's weights file, the corpus, the length cap
    let weights = (try? FileManager.default.attributesOfItem(atPath: model.directory + "/model.safetensors")) ?? [:]
    let corpusHash = data.offsets.withUnsafeBytes { FNV1a.hex($0) }
    let key = "model \(model.directory) \(model.tokenizer.model.fingerprint) \(weights[.size] ?? "") \(weights[.modificationDate] ?? "")\n"
      + "data \(dataPath) \(data.corpusCount) \(data.exampleCount) \(data.tokenizer) \(corpusHash)\n"
      + "max length \(maxLength ?? model.tokenizer.maxLength)"
    let dim = model.config.hiddenSize

    let corpus = try EmbeddingChunks(
      directory: cacheRoot.appendingPathComponent("corpus"), key: key + "\nprefix \(passagePrefix)", rows: data.corpusCount, dim: dim,
      rowsPerChunk: rowsPerChunk, precision: precision)
    try embed(rows: Array(0..<data.corpusCount), of: data, prefix: passagePrefix, into: corpus) { try progress?(.corpus, $0, data.corpusCount) }

    // the distinct queries: their corpus rows' embeddings, or embedded with their own prefix
    let queryRows = Array(Set(data.query.map { Int($0) })).sorted()
    let queryVectors: [Float]
    if queryPrefix == passagePrefix {
      queryVectors = try gather(queryRows, from: corpus)
    } else {
      let queries = try EmbeddingChunks(
        directory: cacheRoot.appendingPathComponent("queries"), key: key + "\nprefix \(queryPrefix)\nrows \(FNV1a.hex(queryRows.description.utf8))",
        rows: queryRows.count, dim: dim, rowsPerChunk: rowsPerChunk, precision: precision)
      try embed(rows: queryRows, of: data, prefix: queryPrefix, into: queries) { try progress?(.queries, $0, queryRows.count) }
      queryVectors = try (0..<queries.chunkCount).flatMap { try queries.read($0) }
    }

    // each distinct query's hits, one block of queries at a time
    let given = data.negativeWidth
    let depth = min(selection.depth(given: given), data.corpusCount)
    var hits = [Int32](repeating: -1, count: queryRows.count * depth), hitScores = [Float](repeating: -.infinity, count: queryRows.count * depth)
    let searchStart = Date()
    for blockStart in stride(from: 0, to: queryRows.count, by: queriesPerBlock) {
      let block = blockStart..<min(blockStart + queriesPerBlock, queryRows.count)
      let top = try TopK.search(
        queries: Array(queryVectors[(block.lowerBound * dim)..<(block.upperBound * dim)]), dim: dim, k: depth,
        blocks: corpus.blocks()) { try progress?(.search, blockStart * data.corpusCount + $0 * block.count, queryRows.count * data.corpusCount) }
      hits.replaceSubrange((block.lowerBound * depth)..<(block.upperBound * depth), with: top.ids)
      hitScores.replaceSubrange((block.lowerBound * depth)..<(block.upperBound * depth), with: top.scores)
    }
    let searchSeconds = Date().timeIntervalSince(searchStart)

    // positives' scores, then each example's negatives
    let slot = Dictionary(uniqueKeysWithValues: queryRows.enumerated().map { ($1, $0) })
    let positiveVectors = try gather(data.positive.map { Int($0) }, from: corpus)
    var summary = MiningSummary(selection: selection, examples: data.exampleCount, corpus: data.corpusCount, queries: queryRows.count)
    let k = selection.count
    var negatives = [Int64](repeating: -1, count: data.exampleCount * k), scores = [Float](repeating: .nan, count: data.exampleCount * k)
    var positiveScores = [Float](repeating: 0, count: data.exampleCount)
    for e in 0..<data.exampleCount {
      let s = slot[Int(data.query[e])]!
      var dot: Float = 0
      for d in 0..<dim { dot += queryVectors[s * dim + d] * positiveVectors[e * dim + d] }
      positiveScores[e] = dot
      let outcome = selection.choose(
        row: e, hits: hits[(s * depth)..<((s + 1) * depth)], scores: hitScores[(s * depth)..<((s + 1) * depth)],
        query: Int32(data.query[e]), positive: Int32(data.positive[e]), positiveScore: dot,
        given: Set(data.negatives(of: e).map { Int32($0) }))
      for (j, (n, sc)) in zip(outcome.negatives, outcome.scores).enumerated() {
        negatives[e * k + j] = Int64(n)
        scores[e * k + j] = sc
      }
      summary.add(outcome, positiveScore: dot)
    }
    summary.searchSeconds = searchSeconds
    summary.seconds = Date().timeIntervalSince(started)

    try MinedNegatives.write(
      into: dataPath, negatives: negatives, scores: scores, positiveScores: positiveScores, k: k,
      attributes: [
        "model": model.directory, "model_tokenizer": model.tokenizer.model.fingerprint,
        "rank_window": "\(selection.window.lowerBound)-\(selection.window.upperBound)",
        "margin": selection.margin.map { "\($0)" } ?? "none", "relative_margin": selection.relativeMargin.map { "\($0)" } ?? "none",
        "seed": "\(selection.seed)", "query_prefix": queryPrefix, "passage_prefix": passagePrefix,
        "max_length": "\(maxLength ?? model.tokenizer.maxLength)",
        "date": ISO8601DateFormatter().string(from: Date()), "summary": summary.json,
      ])
    try? FileManager.default.removeItem(at: cacheRoot)
    return summary
  }

  /// Embeds corpus rows `rows` (unit vectors) into the chunks not yet stored.
  func embed(rows: [Int], of data: DataSetFile, prefix: String, into chunks: EmbeddingChunks, progress: (Int) throws -> Void) throws {
    let head = model.tokenizer.pieceIds(prefix)
    for c in 0..<chunks.chunkCount {
      let range = chunks.range(c)
      if chunks.has(c) {
        try progress(range.upperBound)
        continue
      }
      var out: [Float] = []
      out.reserveCapacity(range.count * chunks.dim)
      for start in stride(from: range.lowerBound, to: range.upperBound, by: batchSize) {
        let part = start..<min(start + batchSize, range.upperBound)
        let ids = try contiguousIDs(rows[part], data)
        let sequences = ids.map { model.tokenizer.compose(prefix: head, text: $0, maxLength: maxLength) }
        let e = try model.encoder.embed(TokenBatch(sequences: sequences, config: model.config), pooling: model.pooling, normalize: true)
        out += e.array
        try progress(part.upperBound)
      }
      try chunks.write(c, out)
    }
  }

  /// Ids of rows that may or may not be consecutive: consecutive runs read in one go.
  func contiguousIDs(_ rows: ArraySlice<Int>, _ data: DataSetFile) throws -> [[Int32]] {
    if let first = rows.first, let last = rows.last, last - first + 1 == rows.count { return try data.ids(first..<(last + 1)) }
    return try rows.map { try data.ids($0) }
  }

  /// Rows `rows` of `chunks` in the order given, reading each chunk once.
  func gather(_ rows: [Int], from chunks: EmbeddingChunks) throws -> [Float] {
    let dim = chunks.dim
    var out = [Float](repeating: 0, count: rows.count * dim)
    let byChunk = Dictionary(grouping: rows.indices) { rows[$0] / chunks.rowsPerChunk }
    for (c, places) in byChunk.sorted(by: { $0.key < $1.key }) {
      let values = try chunks.read(c)
      for p in places {
        let local = rows[p] - c * chunks.rowsPerChunk
        out.replaceSubrange((p * dim)..<((p + 1) * dim), with: values[(local * dim)..<((local + 1) * dim)])
      }
    }
    return out
  }
}
