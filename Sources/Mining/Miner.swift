import Communication
import Foundation
import DataSets
import HDF5Files
import TextEncoder
import TextFiles
import Tokenization

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
  /// Under mpirun: the ranks embed the chunks in turn and rank 0 stores them, searches and
  /// writes the data set (so only rank 0 needs to write where the data set lives).
  public var communicator: any Communicator = SingleProcess()

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
  /// Returns the summary on rank 0, nil on the other ranks (which return when rank 0 is done).
  public func mine(dataPath: String, progress: ((Phase, Int, Int) throws -> Void)? = nil) throws -> MiningSummary? {
    let summary = try search(dataPath: dataPath, progress: progress)  // nil on the other ranks
    try communicator.waitForAll()  // they return once rank 0 has written the data set
    return summary
  }

  func search(dataPath: String, progress: ((Phase, Int, Int) throws -> Void)?) throws -> MiningSummary? {
    try MiningError.checkPositive(["batch size": batchSize, "rows per chunk": rowsPerChunk, "queries per block": queriesPerBlock])
    let root = communicator.isRoot
    let started = Date()
    let data = try DataSetFile(path: dataPath, tokenizer: model.tokenizer)
    try data.checkTokenIds(vocabularySize: model.config.vocabSize)
    let cacheRoot = URL(fileURLWithPath: dataPath + ".mine")
    // what the cached embeddings depend on: the model's weights file, the corpus, the length cap
    let weights = (try? FileManager.default.attributesOfItem(atPath: model.directory + "/model.safetensors")) ?? [:]
    let corpusHash = data.offsets.withUnsafeBytes { FNV1a.hex($0) }
    let key = "model \(model.directory) \(model.tokenizer.fingerprint) \(weights[.size] ?? "") \(weights[.modificationDate] ?? "")\n"
      + "data \(dataPath) \(data.corpusCount) \(data.exampleCount) \(data.tokenizer) \(corpusHash)\n"
      + "max length \(maxLength ?? model.tokenizer.maxLength)"
    let dim = model.config.hiddenSize

    let corpus = root ? try EmbeddingChunks(
      directory: cacheRoot.appendingPathComponent("corpus"), key: key + "\nprefix \(passagePrefix)", rows: data.corpusCount, dim: dim,
      rowsPerChunk: rowsPerChunk, precision: precision) : nil
    try embed(rows: Array(0..<data.corpusCount), of: data, prefix: passagePrefix, into: corpus) { try progress?(.corpus, $0, data.corpusCount) }

    // the distinct queries: their corpus rows' embeddings, or embedded with their own prefix
    let queryRows = Array(Set(data.query.map { Int($0) })).sorted()
    var queryChunks: EmbeddingChunks?
    if queryPrefix != passagePrefix {
      queryChunks = root ? try EmbeddingChunks(
        directory: cacheRoot.appendingPathComponent("queries"), key: key + "\nprefix \(queryPrefix)\nrows \(FNV1a.hex(queryRows.description.utf8))",
        rows: queryRows.count, dim: dim, rowsPerChunk: rowsPerChunk, precision: precision) : nil
      try embed(rows: queryRows, of: data, prefix: queryPrefix, into: queryChunks) { try progress?(.queries, $0, queryRows.count) }
    }
    // the search and the selection: rank 0's
    guard root, let corpus else { return nil }
    let queryVectors = try queryChunks.map { q in try (0..<q.chunkCount).flatMap { try q.read($0) } } ?? gather(queryRows, from: corpus)

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
        "model": model.directory, "model_tokenizer": model.tokenizer.fingerprint,
        "rank_window": "\(selection.window.lowerBound)-\(selection.window.upperBound)",
        "margin": selection.margin.map { "\($0)" } ?? "none", "relative_margin": selection.relativeMargin.map { "\($0)" } ?? "none",
        "seed": "\(selection.seed)", "query_prefix": queryPrefix, "passage_prefix": passagePrefix,
        "max_length": "\(maxLength ?? model.tokenizer.maxLength)",
        "date": ISO8601DateFormatter().string(from: Date()), "summary": summary.json,
      ])
    try? FileManager.default.removeItem(at: cacheRoot)
    return summary
  }

  /// Embeds corpus rows `rows` (unit vectors) into the chunks not yet stored. `chunks` is rank
  /// 0's cache (nil on the other ranks): the chunks it lacks are embedded `size` at a time, one
  /// per rank, gathered, and stored by rank 0.
  func embed(rows: [Int], of data: DataSetFile, prefix: String, into chunks: EmbeddingChunks?, progress: (Int) throws -> Void) throws {
    let comm = communicator, dim = model.config.hiddenSize
    let head = model.tokenizer.pieceIds(prefix)
    let count = (rows.count + rowsPerChunk - 1) / rowsPerChunk
    func range(_ c: Int) -> Range<Int> { (c * rowsPerChunk)..<min((c + 1) * rowsPerChunk, rows.count) }
    // the chunks to embed, as rank 0's cache says
    let missing = (0..<count).filter { c in chunks.map { !$0.has(c) } ?? false }
    let todo = try comm.allGather(missing.map { Int32($0) })[0].map { Int($0) }
    var done = rows.count - todo.reduce(0) { $0 + range($1).count }
    try progress(done)
    for round in stride(from: 0, to: todo.count, by: comm.size) {
      var out: [Float] = []
      if round + comm.rank < todo.count {
        let r = range(todo[round + comm.rank])
        out.reserveCapacity(r.count * dim)
        for start in stride(from: r.lowerBound, to: r.upperBound, by: batchSize) {
          let part = start..<min(start + batchSize, r.upperBound)
          let ids = try contiguousIDs(rows[part], data)
          let sequences = try ids.map { try model.tokenizer.compose(prefix: head, text: $0, maxLength: maxLength) }
          let e = try model.encoder.embed(TokenBatch(sequences: sequences, config: model.config), pooling: model.pooling, normalize: true)
          out += e.array
          if comm.size == 1 { try progress(done + part.upperBound - r.lowerBound) }
        }
      }
      let all = comm.size == 1 ? out : try comm.allGather(out)
      var offset = 0
      for c in todo[round..<min(round + comm.size, todo.count)] {
        let n = range(c).count * dim
        try chunks?.write(c, Array(all[offset..<(offset + n)]))
        offset += n
        done += range(c).count
      }
      try progress(done)
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
