import Communication
import DataSets
import Foundation
import TextEncoder
import Tokenization

/// Scores every example's candidates — its positive, then its mined negatives (or, without
/// any, the negatives from the data) — with a cross-encoder teacher, and writes them to the
/// data set's `/teacher/scores` (examples, 1 + k), NaN where a candidate is absent.
public struct TeacherScorer {
  public var teacher: SentenceEncoder
  public var batchSize = 32
  public var maxLength: Int?
  /// Under mpirun each rank scores its share of the pairs; rank 0 writes the scores.
  public var communicator: any Communicator = SingleProcess()

  public init(teacher: SentenceEncoder, maxLength: Int? = nil) {
    self.teacher = teacher
    self.maxLength = maxLength
  }

  /// A teacher must be a cross-encoder with one logit.
  public static func check(_ teacher: SentenceEncoder) throws {
    guard let labels = teacher.config.numLabels else {
      throw DataSetError.badTeacher(path: teacher.directory, detail: "not a cross-encoder (no classification head in config.json)")
    }
    guard labels == 1 else {
      throw DataSetError.badTeacher(path: teacher.directory, detail: "\(labels) labels; a teacher gives one score per pair, so it needs 1")
    }
  }

  public struct Summary: Sendable {
    public var examples: Int
    public var pairs: Int
    public var candidates: DataSetLayout.Negatives
    public var seconds: Double
  }

  public func score(dataPath: String, progress: ((Int, Int) throws -> Void)? = nil) throws -> Summary {
    try Self.check(teacher)
    try MiningError.checkPositive(["batch size": batchSize])
    let t0 = Date()
    let data = try DataSetFile(path: dataPath, tokenizer: teacher.tokenizer)
    try data.checkTokenIds(vocabularySize: teacher.config.vocabSize)
    let mined = try data.mined()
    let candidates: DataSetLayout.Negatives = mined == nil ? .data : .mined
    let width = 1 + (mined?.k ?? data.negativeWidth)
    var scores = [Float](repeating: .nan, count: data.exampleCount * width)
    // (example, slot, query row, candidate row) of every pair, scored in batches
    var pairs: [(slot: Int, query: Int, candidate: Int)] = []
    for e in 0..<data.exampleCount {
      let negatives = mined?.of(e) ?? data.negatives(of: e)
      for (j, c) in ([Int(data.positive[e])] + negatives).enumerated() {
        pairs.append((e * width + j, Int(data.query[e]), c))
      }
    }
    var cache: [Int: [Int32]] = [:]
    func ids(_ row: Int) throws -> [Int32] {
      if let v = cache[row] { return v }
      let v = try data.ids(row)
      cache[row] = v
      return v
    }
    let comm = communicator
    // each rank's share of the batches (so every pair is scored in the batch one rank would give it)
    let batches = comm.share(of: (pairs.count + batchSize - 1) / batchSize)
    let mine = min(batches.lowerBound * batchSize, pairs.count)..<min(batches.upperBound * batchSize, pairs.count)
    var logits: [Float] = []
    logits.reserveCapacity(mine.count)
    for start in stride(from: mine.lowerBound, to: mine.upperBound, by: batchSize) {
      let part = pairs[start..<min(start + batchSize, mine.upperBound)]
      let sequences = try part.map {
        try teacher.tokenizer.composePairWithTypes(try ids($0.query), try ids($0.candidate), maxLength: maxLength)
      }
      logits += try teacher.encoder.logits(
        TokenBatch(sequences: sequences.map(\.ids), types: sequences.map(\.typeIds), config: teacher.config)).array
      if cache.count > 100_000 { cache.removeAll(keepingCapacity: true) }
      try progress?((start + part.count - mine.lowerBound) * comm.size, pairs.count)
    }
    if comm.size > 1 { logits = try comm.allGather(logits) }
    for (i, p) in pairs.enumerated() { scores[p.slot] = logits[i] }
    let summary = Summary(examples: data.exampleCount, pairs: pairs.count, candidates: candidates, seconds: Date().timeIntervalSince(t0))
    guard comm.isRoot else {
      try comm.waitForAll()
      return summary
    }
    try DataSetUpdate.apply(to: dataPath, removing: ["teacher"]) { file in
      try file.write(DataSetLayout.teacherScores, shape: [data.exampleCount, width], values: scores)
      try file.setAttribute("teacher", teacher.directory, on: "teacher")
      try file.setAttribute("candidates", candidates.rawValue, on: "teacher")
      try file.setAttribute("max_length", "\(maxLength ?? teacher.tokenizer.maxLength)", on: "teacher")
      try file.setAttribute("date", ISO8601DateFormatter().string(from: Date()), on: "teacher")
    }
    try comm.waitForAll()
    return summary
  }
}
