import Communication
import DataSets
import Foundation
import TextEncoder
import Tokenization

/// Embeds the texts a data set's examples use — every query, positive and negative (from the
/// data and mined) — with a bi-encoder teacher, and writes them to `/teacher_embeddings` (see
/// `DataSetLayout.teacherEmbeddings`). The teacher reads the texts themselves (`/corpus/texts`)
/// with its own tokenizer, prompt, pooling and normalization, so its tokenizer may differ from
/// the data set's.
public struct TeacherEmbedder {
  public var teacher: SentenceEncoder
  /// Put before every text (the teacher's prompt).
  public var prompt: String
  public var batchSize = 32
  /// Tokens per text at most; nil: the teacher's own limit.
  public var maxLength: Int?
  /// Under mpirun (or ranks as threads) each rank embeds its share of the batches; rank 0 writes.
  public var communicator: any Communicator = SingleProcess()

  public init(teacher: SentenceEncoder, prompt: String, maxLength: Int? = nil) {
    self.teacher = teacher
    self.prompt = prompt
    self.maxLength = maxLength
  }

  /// A teacher must be a sentence encoder (no classification head).
  public static func check(_ teacher: SentenceEncoder) throws {
    if teacher.config.numLabels != nil {
      throw DataSetError.badTeacher(
        path: teacher.directory, detail: "a cross-encoder (config.json has a classification head); embedding distillation needs a sentence encoder")
    }
  }

  /// The `/teacher_embeddings` attributes that identify this teacher's embeddings (a file whose
  /// attributes differ is embedded again).
  public var settings: [String: String] {
    ["teacher": teacher.directory, "prompt": prompt, "max_length": "\(maxLength ?? teacher.tokenizer.maxLength)", "normalized": "\(teacher.normalize)"]
  }

  /// Whether `dataPath` holds this teacher's embeddings (same settings) of every text its
  /// examples use.
  public func isCurrent(dataPath: String) -> Bool {
    guard let data = try? DataSetFile(path: dataPath), let stored = try? data.teacherEmbeddings(),
      settings.allSatisfy({ stored.attributes[$0.key] == $0.value }), let rows = try? data.exampleRows()
    else { return false }
    return rows.allSatisfy { stored.index[$0] != nil }
  }

  public struct Summary: Sendable {
    public var texts: Int
    public var dims: Int
    public var seconds: Double
  }

  public func embed(dataPath: String, progress: ((Int, Int) throws -> Void)? = nil) throws -> Summary {
    try Self.check(teacher)
    try MiningError.checkPositive(["batch size": batchSize])
    let t0 = Date()
    let data = try DataSetFile(path: dataPath)
    let rows = try data.exampleRows()
    let all = try data.texts()
    let texts = rows.map { all[$0] }
    let comm = communicator, C = teacher.config.hiddenSize
    // each rank's share of the batches (so every text is embedded in the batch one rank would give it)
    let batches = comm.share(of: (texts.count + batchSize - 1) / batchSize)
    let mine = min(batches.lowerBound * batchSize, texts.count)..<min(batches.upperBound * batchSize, texts.count)
    var values = try teacher.encoder.embed(
      texts: Array(texts[mine]), tokenizer: teacher.tokenizer, prefix: prompt, maxLength: maxLength, pooling: teacher.pooling,
      normalize: teacher.normalize, batchSize: batchSize
    ) { done in try? progress?(done * comm.size, texts.count) }
    if comm.size > 1 { values = try comm.allGather(values) }
    let summary = Summary(texts: texts.count, dims: C, seconds: Date().timeIntervalSince(t0))
    guard comm.isRoot else {
      try comm.waitForAll()
      return summary
    }
    let group = DataSetLayout.teacherEmbeddingGroup
    try DataSetUpdate.apply(to: dataPath, removing: [group]) { file in
      try file.write(DataSetLayout.teacherEmbeddingRows, shape: [rows.count], values: rows.map(Int64.init))
      try file.write(DataSetLayout.teacherEmbeddings, shape: [rows.count, C], values: values, chunkRows: 4096)
      for (key, value) in settings { try file.setAttribute(key, value, on: group) }
      try file.setAttribute("date", ISO8601DateFormatter().string(from: Date()), on: group)
    }
    try comm.waitForAll()
    return summary
  }
}
