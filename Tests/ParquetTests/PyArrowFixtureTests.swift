import Foundation
import Parquet
import TestSupport
import Testing

/// The files tools/reference/parquet_fixtures.py writes with pyarrow (every compression, plain
/// and dictionary encodings, data pages v1 and v2, several row groups and pages, nulls, empty
/// lists) read back exactly as pyarrow reads them.
@Suite struct PyArrowFixtureTests {
  struct Expected: Decodable {
    struct Column: Decodable {
      let name: String
      let kind: String
    }
    let row_groups: [Int]
    let columns: [Column]
    let rows: [String: [JSONValue]]
  }

  /// A JSON value of the expected rows: null, a number, a text or a list of texts.
  enum JSONValue: Decodable, Equatable {
    case null, number(Double), text(String), texts([String])

    init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      if c.decodeNil() { self = .null }
      else if let d = try? c.decode(Double.self) { self = .number(d) }
      else if let s = try? c.decode(String.self) { self = .text(s) }
      else { self = .texts(try c.decode([String].self)) }
    }
  }

  static let names = ["snappy", "zstd", "gzip", "none", "plain", "v2", "v2-none-plain", "pages", "legacy-lists"]

  func expected(_ name: String) throws -> Expected {
    try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("parquet/\(name).json"))))
  }

  @Test(arguments: names) func readsWhatPyArrowWrote(_ name: String) throws {
    let want = try expected(name)
    let file = try ParquetFile(path: Fixtures.path("parquet/\(name).parquet"))
    #expect(file.rowGroupCount == want.row_groups.count)
    #expect((0..<file.rowGroupCount).map { file.rowCount(ofRowGroup: $0) } == want.row_groups)
    #expect(file.rowCount == want.row_groups.reduce(0, +))
    let kinds: [String: ParquetColumn.Kind] = ["string": .string, "strings": .stringList, "number": .number]
    #expect(file.columns.map(\.name) == want.columns.map(\.name))
    #expect(file.columns.map(\.kind) == want.columns.map { kinds[$0.kind] })

    var got = [String: [JSONValue]]()
    for g in 0..<file.rowGroupCount {
      #expect(file.firstRow(ofRowGroup: g) == want.row_groups[..<g].reduce(0, +))
      let values = try file.readRowGroup(g, columns: file.columns.map(\.name))
      for (column, v) in zip(file.columns, values) {
        #expect(v.count == want.row_groups[g], "\(name) \(column.name) row group \(g)")
        switch v {
        case .strings(let s): got[column.name, default: []] += s.map { $0.map(JSONValue.text) ?? .null }
        case .stringLists(let l): got[column.name, default: []] += l.map { $0.map(JSONValue.texts) ?? .null }
        case .numbers(let n): got[column.name, default: []] += n.map { $0.map(JSONValue.number) ?? .null }
        }
      }
    }
    for column in want.columns {
      let w = want.rows[column.name] ?? []
      let g = got[column.name] ?? []
      #expect(g.count == w.count, "\(name) \(column.name)")
      if let i = (0..<min(g.count, w.count)).first(where: { g[$0] != w[$0] }) {
        Issue.record("\(name) column \(column.name) row \(i): got \(g[i]), pyarrow read \(w[i])")
      }
    }
  }

  /// The typed readers give the same values as readRowGroup.
  @Test func typedReadersMatch() throws {
    let file = try ParquetFile(path: Fixtures.path("parquet/snappy.parquet"))
    let all = try file.readRowGroup(1, columns: ["query", "positives", "score"])
    #expect(all[0] == .strings(try file.strings("query", rowGroup: 1)))
    #expect(all[1] == .stringLists(try file.stringLists("positives", rowGroup: 1)))
    #expect(all[2] == .numbers(try file.numbers("score", rowGroup: 1)))
    #expect(file.column(named: "positives")?.typeDescription == "optional group (LIST) of optional BYTE_ARRAY (UTF8)")
    #expect(file.createdBy?.hasPrefix("parquet-cpp-arrow") == true)
  }
}
