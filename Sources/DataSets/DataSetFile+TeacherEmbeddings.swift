import Foundation
import HDF5Files

extension DataSetLayout {
  /// A bi-encoder teacher's embeddings of the corpus texts examples use (`TeacherEmbedder`):
  ///     /teacher_embeddings/rows        int64 (R)       corpus rows, ascending
  ///     /teacher_embeddings/embeddings  float32 (R, D)  the teacher's embedding of each
  /// with the attributes `teacher` (its directory), `prompt`, `max_length`, `normalized` and `date`.
  public static let teacherEmbeddingGroup = "teacher_embeddings"
  public static let teacherEmbeddingRows = "teacher_embeddings/rows"
  public static let teacherEmbeddings = "teacher_embeddings/embeddings"
}

extension DataSetFile {
  /// A bi-encoder teacher's embeddings of corpus rows, and what made them.
  public struct TeacherEmbeddings: Sendable {
    /// The `/teacher_embeddings` attributes (teacher, prompt, max_length, normalized, date).
    public var attributes: [String: String]
    public var dims: Int
    /// Corpus row → row of `values`.
    public var index: [Int: Int]
    public var values: [Float]

    /// The teacher's embedding of corpus row `row`, nil when it has none.
    public func of(_ row: Int) -> [Float]? {
      index[row].map { Array(values[($0 * dims)..<(($0 + 1) * dims)]) }
    }
  }

  /// The teacher embeddings stored in the file, checked (rows in the corpus and ascending, one
  /// embedding per row, every value finite); nil when it has none.
  public func teacherEmbeddings() throws -> TeacherEmbeddings? {
    guard file.exists(DataSetLayout.teacherEmbeddings) else { return nil }
    let rowsShape = try file.checkedShape(DataSetLayout.teacherEmbeddingRows)
    guard rowsShape.count == 1 else {
      throw DataSetError.inconsistent(path: path, name: DataSetLayout.teacherEmbeddingRows, detail: "shape \(rowsShape), expected [R]")
    }
    let shape = try file.checkedShape(DataSetLayout.teacherEmbeddings)
    guard shape.count == 2, shape[0] == rowsShape[0], shape[1] >= 1 else {
      throw DataSetError.inconsistent(
        path: path, name: DataSetLayout.teacherEmbeddings, detail: "shape \(shape), expected [\(rowsShape[0]), D] with D ≥ 1")
    }
    let rows: [Int64] = try file.read(DataSetLayout.teacherEmbeddingRows)
    try Self.check(rows, name: DataSetLayout.teacherEmbeddingRows, width: 1, corpus: corpusCount, path: path, allowNone: false)
    for i in rows.indices.dropFirst() where rows[i] <= rows[i - 1] {
      throw DataSetError.inconsistent(path: path, name: DataSetLayout.teacherEmbeddingRows, detail: "not ascending at row \(i)")
    }
    let values: [Float] = try file.read(DataSetLayout.teacherEmbeddings)
    if let bad = values.firstIndex(where: { !$0.isFinite }) {
      throw DataSetError.inconsistent(
        path: path, name: DataSetLayout.teacherEmbeddings, detail: "row \(bad / shape[1]) holds \(values[bad]) at column \(bad % shape[1])")
    }
    var attributes: [String: String] = [:]
    for key in ["teacher", "prompt", "max_length", "normalized", "date"] {
      attributes[key] = try? file.attribute(key, of: DataSetLayout.teacherEmbeddingGroup)
    }
    var index: [Int: Int] = [:]
    for (i, r) in rows.enumerated() { index[Int(r)] = i }
    return TeacherEmbeddings(attributes: attributes, dims: shape[1], index: index, values: values)
  }

  /// Every corpus row an example refers to (its query, positive, negatives from the data and
  /// mined negatives), ascending: the texts embedding distillation needs.
  public func exampleRows() throws -> [Int] {
    var rows = Set(query.map(Int.init)).union(positive.map(Int.init)).union(negatives.filter { $0 >= 0 }.map(Int.init))
    if let mined = try mined() { rows.formUnion(mined.negatives.filter { $0 >= 0 }.map(Int.init)) }
    return rows.sorted()
  }
}
