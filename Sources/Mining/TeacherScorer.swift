import DataSets
import Foundation
import TextEncoder

/// Scores every example's candidates — its positive, then its mined negatives (or, without
/// any, the negatives from the data) — with a cross-encoder teacher, and writes them to the
/// data set's `/teacher/scores` (examples, 1 + k), NaN where a candidate is absent.
public struct TeacherScorer {
  public var teacher: SentenceEncoder
  public var batchSize = 32
  public var maxLength: Int?

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
    let t0 = Date()
    let data = try DataSetFile(path: dataPath, tokenizer: teacher.tokenizer)
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
    for start in stride(from: 0, to: pairs.count, by: batchSize) {
      let part = pairs[start..<min(start + batchSize, pairs.count)]
      let sequences = try part.map { teacher.tokenizer.composePair(try ids($0.query), try ids($0.candidate), maxLength: maxLength) }
      let logits = try teacher.encoder.logits(TokenBatch(sequences: sequences, config: teacher.config)).array
      for (i, p) in part.enumerated() { scores[p.slot] = logits[i] }
      if cache.count > 100_000 { cache.removeAll(keepingCapacity: true) }
      try progress?(start + part.count, pairs.count)
    }
    try DataSetUpdate.apply(to: dataPath, removing: ["teacher"]) { file in
      try file.write(DataSetLayout.teacherScores, shape: [data.exampleCount, width], values: scores)
      try file.setAttribute("teacher", teacher.directory, on: "teacher")
      try file.setAttribute("candidates", candidates.rawValue, on: "teacher")
      try file.setAttribute("max_length", "\(maxLength ?? teacher.tokenizer.maxLength)", on: "teacher")
      try file.setAttribute("date", ISO8601DateFormatter().string(from: Date()), on: "teacher")
    }
    return Summary(examples: data.exampleCount, pairs: pairs.count, candidates: candidates, seconds: Date().timeIntervalSince(t0))
  }
}
