import Foundation
import HDF5Files
import Tokenization

/// A data set file opened for reading, its structure checked: the corpus offsets, every
/// example's corpus rows, and any mined negatives and teacher scores. Token ids are read from
/// the file a text at a time, so the corpus itself need not fit in memory.
public final class DataSetFile {
  public let path: String
  public let file: HDF5File
  /// Fingerprint of the tokenizer model the corpus was made with.
  public let tokenizer: String
  public let offsets: [Int64]
  public let query: [Int64]
  public let positive: [Int64]
  /// (examples, width) row-major, −1 = none.
  public let negatives: [Int64]
  public let negativeWidth: Int

  public var corpusCount: Int { offsets.count - 1 }
  public var exampleCount: Int { query.count }

  /// Opens and checks `path`. With `tokenizer`, a file made with another tokenizer is refused.
  public init(path: String, tokenizer expected: Tokenizer? = nil) throws {
    self.path = path
    file = try HDF5File.open(path: path)
    guard (try? file.attribute("format")) == DataSetLayout.format else {
      throw DataSetError.notADataSet(path: path, detail: "its root attribute 'format' is not '\(DataSetLayout.format)'")
    }
    let version = try file.attribute("version")
    guard version == DataSetLayout.version else {
      throw DataSetError.notADataSet(path: path, detail: "version \(version); this trainer reads version \(DataSetLayout.version)")
    }
    let fingerprint = try file.attribute("tokenizer")
    tokenizer = fingerprint
    if let expected, expected.fingerprint != fingerprint {
      let madeWith = (try? file.attribute("tokenizer_path")).map { "\($0), fingerprint \(fingerprint)" } ?? "fingerprint \(fingerprint)"
      throw DataSetError.otherTokenizer(
        path: path, built: madeWith, model: "\(expected.path), fingerprint \(expected.fingerprint)")
    }
    // every declared size is checked against the file's before anything is read or allocated
    offsets = try file.read(DataSetLayout.offsets)
    let idCount = try file.checkedShape(DataSetLayout.ids).first ?? 0
    guard let first = offsets.first, first == 0, offsets.last == Int64(idCount) else {
      throw DataSetError.inconsistent(
        path: path, name: DataSetLayout.offsets, detail: "must run from 0 to the \(idCount) ids of \(DataSetLayout.ids)")
    }
    for i in 1..<offsets.count where offsets[i] < offsets[i - 1] {
      throw DataSetError.inconsistent(path: path, name: DataSetLayout.offsets, detail: "decreases at row \(i)")
    }
    let textCount = try file.checkedShape(DataSetLayout.texts).reduce(1, *)
    guard textCount == offsets.count - 1 else {
      throw DataSetError.inconsistent(path: path, name: DataSetLayout.texts, detail: "\(textCount) texts for a corpus of \(offsets.count - 1)")
    }
    query = try file.read(DataSetLayout.query)
    positive = try file.read(DataSetLayout.positive)
    guard positive.count == query.count else {
      throw DataSetError.inconsistent(
        path: path, name: DataSetLayout.positive, detail: "\(positive.count) rows for \(query.count) queries")
    }
    let shape = try file.checkedShape(DataSetLayout.negatives)
    guard shape.count == 2, shape[0] == query.count else {
      throw DataSetError.inconsistent(path: path, name: DataSetLayout.negatives, detail: "shape \(shape), expected [\(query.count), K]")
    }
    negativeWidth = shape[1]
    negatives = try file.read(DataSetLayout.negatives)
    try Self.check(query, name: DataSetLayout.query, width: 1, corpus: offsets.count - 1, path: path, allowNone: false)
    try Self.check(positive, name: DataSetLayout.positive, width: 1, corpus: offsets.count - 1, path: path, allowNone: false)
    try Self.check(negatives, name: DataSetLayout.negatives, width: negativeWidth, corpus: offsets.count - 1, path: path, allowNone: true)
  }

  /// Every index must name a corpus row (or be −1 where `allowNone`).
  static func check(_ values: [Int64], name: String, width: Int, corpus: Int, path: String, allowNone: Bool) throws {
    for (k, v) in values.enumerated() where v >= Int64(corpus) || v < (allowNone ? -1 : 0) {
      throw DataSetError.outOfCorpus(
        path: path, name: name, row: k / max(width, 1), column: width > 1 || name.hasSuffix("negatives") ? k % max(width, 1) : nil,
        index: v, corpus: corpus)
    }
  }

  /// The piece ids of corpus text `index` (no specials, not truncated).
  public func ids(_ index: Int) throws -> [Int32] {
    // libhdf5 (Debian's build) is not thread-safe: training reads go one at a time
    Self.readLock.lock()
    defer { Self.readLock.unlock() }
    return try file.read(DataSetLayout.ids, rows: Int(offsets[index])..<Int(offsets[index + 1]))
  }

  static let readLock = NSLock()

  /// The piece ids of corpus texts `range`, read in one go.
  public func ids(_ range: Range<Int>) throws -> [[Int32]] {
    guard !range.isEmpty else { return [] }
    let base = Int(offsets[range.lowerBound])
    let flat: [Int32] = try file.read(DataSetLayout.ids, rows: base..<Int(offsets[range.upperBound]))
    return range.map { Array(flat[(Int(offsets[$0]) - base)..<(Int(offsets[$0 + 1]) - base)]) }
  }

  /// Every text of the corpus.
  public func texts() throws -> [String] { try file.readStrings(DataSetLayout.texts) }

  /// The hard negatives (corpus rows) of example `row` from the data.
  public func negatives(of row: Int) -> [Int] {
    (0..<negativeWidth).compactMap { c in negatives[row * negativeWidth + c] >= 0 ? Int(negatives[row * negativeWidth + c]) : nil }
  }
}

extension DataSetFile {
  /// Mined negatives, if the file has them: (examples, k) corpus rows (−1 = none) and scores.
  public struct Mined: Sendable {
    public var k: Int
    public var negatives: [Int64]
    public var scores: [Float]
    public func of(_ row: Int) -> [Int] { (0..<k).compactMap { negatives[row * k + $0] >= 0 ? Int(negatives[row * k + $0]) : nil } }
  }

  public func mined() throws -> Mined? {
    guard file.exists(DataSetLayout.minedNegatives) else { return nil }
    let shape = try file.shape(DataSetLayout.minedNegatives)
    guard shape.count == 2, shape[0] == exampleCount else {
      throw DataSetError.inconsistent(
        path: path, name: DataSetLayout.minedNegatives, detail: "shape \(shape), expected [\(exampleCount), k]")
    }
    let negatives: [Int64] = try file.read(DataSetLayout.minedNegatives)
    try Self.check(negatives, name: DataSetLayout.minedNegatives, width: shape[1], corpus: corpusCount, path: path, allowNone: true)
    let scores: [Float] = try file.read(DataSetLayout.minedScores)
    guard scores.count == negatives.count else {
      throw DataSetError.inconsistent(path: path, name: DataSetLayout.minedScores, detail: "\(scores.count) scores for \(negatives.count) negatives")
    }
    return Mined(k: shape[1], negatives: negatives, scores: scores)
  }
}

extension DataSetFile {
  /// A teacher's scores: (examples, width) of [positive, negatives…] (NaN = absent), and which
  /// negatives they are of.
  public struct TeacherScores: Sendable {
    public var width: Int
    public var scores: [Float]
    public var candidates: DataSetLayout.Negatives
  }

  public func teacherScores() throws -> TeacherScores? {
    guard file.exists(DataSetLayout.teacherScores) else { return nil }
    let shape = try file.shape(DataSetLayout.teacherScores)
    guard shape.count == 2, shape[0] == exampleCount else {
      throw DataSetError.inconsistent(path: path, name: DataSetLayout.teacherScores, detail: "shape \(shape), expected [\(exampleCount), 1 + k]")
    }
    let kind = try file.attribute("candidates", of: "teacher")
    guard let candidates = DataSetLayout.Negatives(rawValue: kind) else {
      throw DataSetError.inconsistent(path: path, name: "teacher@candidates", detail: "'\(kind)', expected mined or data")
    }
    return TeacherScores(width: shape[1], scores: try file.read(DataSetLayout.teacherScores), candidates: candidates)
  }
}
