import Parquet
import TextFiles

/// A Parquet file's rows for the table formats' examples: one row group at a time (memory is
/// bounded by a row group), text columns as strings, lists of texts as arrays, numbers as
/// numbers, nulls as null. Rows are numbered from 0 over the whole file, as pandas numbers them.
/// Columns of other kinds (structs, maps, lists of numbers) are left out.
struct ParquetRows: RowReader {
  let path: String
  let file: ParquetFile
  let names: [String]
  var rowGroup = 0

  init(path: String) throws {
    self.path = path
    file = try ParquetFile(path: path)
    names = file.columns.filter { $0.kind != .unsupported }.map(\.name)
  }

  var columns: [String]? { names }

  mutating func nextChunk() throws -> [Result<SourceRow, BadRow>]? {
    guard rowGroup < file.rowGroupCount else { return nil }
    let g = rowGroup
    rowGroup += 1
    let values = try file.readRowGroup(g, columns: names)
    let first = file.firstRow(ofRowGroup: g)
    return (0..<file.rowCount(ofRowGroup: g)).map { i in
      .success(SourceRow(place: .row(first + i), cells: zip(names, values).map { ($0, Self.cell($1, i)) }))
    }
  }

  /// Row i of a column as a JSON value.
  static func cell(_ values: ParquetValues, _ i: Int) -> JSONValue {
    switch values {
    case .strings(let v): v[i].map(JSONValue.string) ?? .null
    case .stringLists(let v): v[i].map { .array($0.map(JSONValue.string)) } ?? .null
    case .numbers(let v): v[i].map(JSONValue.number) ?? .null
    }
  }
}
