import Foundation
import TestSupport
import Testing
import TextFiles

/// The table-like readers against Python: CSV and TSV as Python's csv module writes and reads
/// them (Tests/Fixtures/formats, tools/reference/table_formats.py), JSON by RFC 8259, and every
/// bad row named with its file, line or row and column.
@Suite struct TableReaderTests {
  func rows(_ reader: inout some RowReader) throws -> [[String: String]] {
    try reader.all().map { r in
      var d: [String: String] = [:]
      for c in try r.get().cells {
        guard case .string(let s) = c.value else { throw TextFilesError.cannotRead(path: "", reason: "not a string") }
        d[c.column] = s
      }
      return d
    }
  }

  @Test(arguments: [("tricky.csv", ","), ("tricky.tsv", "\t")])
  func delimitedFilesReadAsPythonsCSVModuleReadsThem(name: String, delimiter: String) throws {
    var reader = try DelimitedRows(path: Fixtures.path("formats/\(name)"), delimiter: delimiter.utf8.first!)
    let expected = try JSONSerialization.jsonObject(
      with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("formats/" + name.replacingOccurrences(of: ".", with: "-") + ".json"))))
    #expect(reader.header == ["query", "positive", "negative"])
    #expect(try rows(&reader) == expected as? [[String: String]])
  }

  @Test func delimitedRecordsKeepTheirFirstLine() {
    let text = "a,b\n\"x\ny\",z\r\n\n1,2\n"
    let records = DelimitedText.records(Array(text.utf8), delimiter: UInt8(ascii: ","))
    #expect(records.compactMap { try? $0.get().line } == [1, 2, 5])
  }

  @Test func badDelimitedRowsNameLineAndColumn() throws {
    let dir = Fixtures.temporaryDirectory()
    let path = dir.appendingPathComponent("bad.csv").path
    var bytes = Array("query,positive\nok,fine\nonly one field\n\"closed\" then text,x\nq,".utf8)
    bytes += [0xC3, 0x28]  // not UTF-8
    bytes += Array("\n".utf8)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    var reader = try DelimitedRows(path: path, delimiter: UInt8(ascii: ","))
    let results = try reader.all()
    let bad = results.compactMap { r -> BadRow? in if case .failure(let b) = r { b } else { nil } }
    #expect(bad.map(\.reason) == [.malformed, .malformed, .notUTF8])
    #expect("\(bad[0])" == "\(path):3: 1 fields, expected 2 (the header's)")
    #expect("\(bad[1])".hasPrefix("\(path):4: text after the closing quote"))
    #expect("\(bad[2])" == "\(path):5: column 'positive': the text is not valid UTF-8")
    let open = dir.appendingPathComponent("open.csv").path
    try "a,b\n1,\"never closed\n".write(toFile: open, atomically: true, encoding: .utf8)
    var o = try DelimitedRows(path: open, delimiter: UInt8(ascii: ","))
    #expect(throws: BadRow.self) { try o.all().last!.get() }
    let dup = dir.appendingPathComponent("dup.tsv").path
    try "a\ta\n1\t2\n".write(toFile: dup, atomically: true, encoding: .utf8)
    #expect { try DelimitedRows(path: dup, delimiter: 9) } throws: { "\($0)".contains("names column 'a' twice") }
  }

  @Test func jsonKeepsKeyOrderAndDecodesEscapes() throws {
    let v = try JSONParser.parse(Array(#"{"b": 1, "a": [true, null, -2.5e1], "s": "\u00e9\ud83d\ude00\n\"q\""}"#.utf8))
    guard case .object(let members) = v else { Issue.record("not an object"); return }
    #expect(members.map(\.key) == ["b", "a", "s"])
    #expect(v["a"] == .array([.bool(true), .null, .number(-25)]))
    #expect(v["s"] == .string("é😀\n\"q\""))
    for bad in ["{\"a\": 1,}", "[1 2]", "\"\\ud800\"", "01", "{\"a\" 1}", "\"tab\there\"", "nul", "1 2", "[", "-"] {
      #expect(throws: JSONParser.Failure.self, "\(bad)") { try JSONParser.parse(Array(bad.utf8)) }
    }
    let deep = String(repeating: "[", count: 100_000)
    #expect { try JSONParser.parse(Array(deep.utf8)) } throws: { "\($0)".contains("nesting deeper") }
  }

  @Test func jsonLinesGiveBadRowsForMalformedAndNonUTF8Lines() throws {
    let dir = Fixtures.temporaryDirectory()
    let path = dir.appendingPathComponent("d.jsonl").path
    var bytes = Array("{\"q\": \"a\"}\n\n{\"q\": \"b\",}\n[1]\n{\"q\": \"".utf8)
    bytes += [0xFF]
    bytes += Array("\"}\r\n{\"q\": \"c\"}\r\n".utf8)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    var reader = try JSONLinesRows(path: path)
    reader.chunkRows = 2
    let results = try reader.all()
    #expect(results.compactMap { try? $0.get().place } == [.line(1), .line(6)])
    let bad = results.compactMap { r -> BadRow? in if case .failure(let b) = r { b } else { nil } }
    #expect(bad.map(\.reason) == [.malformed, .malformed, .notUTF8])
    #expect("\(bad[0])".hasPrefix("\(path):3: not valid JSON"))
    #expect("\(bad[1])" == "\(path):4: expected a JSON object")
    #expect("\(bad[2])" == "\(path):5: the line is not valid UTF-8")
  }

  @Test func jsonArraysNumberTheirRows() throws {
    let dir = Fixtures.temporaryDirectory()
    let path = dir.appendingPathComponent("a.json").path
    try "\u{FEFF}[{\"x\": \"1\"}, 2]".write(toFile: path, atomically: true, encoding: .utf8)
    var reader = try JSONArrayRows(path: path)
    let results = try reader.all()
    #expect((try? results[0].get().place) == .row(1))
    #expect({ if case .failure(let b) = results[1] { "\(b)" } else { "" } }() == "\(path): row 2, expected a JSON object, found a number")
    try "{\"x\": 1}".write(toFile: path, atomically: true, encoding: .utf8)
    #expect { try JSONArrayRows(path: path) } throws: { "\($0)".contains("expected one JSON array of objects") }
    try "[{\"x\": 1}".write(toFile: path, atomically: true, encoding: .utf8)
    #expect { try JSONArrayRows(path: path) } throws: { "\($0)".contains("not valid JSON") && "\($0)".contains("byte") }
  }
}
