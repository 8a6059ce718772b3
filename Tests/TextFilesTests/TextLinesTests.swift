import Foundation
import TestSupport
import Testing
import TextFiles

/// Bad text inputs give errors that name the file and the line at fault.
@Suite struct TextLinesTests {
  @Test func nonUTF8InputLineIsNamed() throws {
    let path = Fixtures.temporaryDirectory().appendingPathComponent("in.txt").path
    var d = Data("first\nsecond\r\n".utf8)
    d.append(contentsOf: [0x66, 0xFF, 0xFE, 0x0A])
    d.append(Data("fourth\n".utf8))
    try d.write(to: URL(fileURLWithPath: path))
    let e = #expect(throws: TextFilesError.self) { try TextLines.read(path: path) }
    #expect("\(e!)".contains("line 3") && "\(e!)".contains("UTF-8"))
    try Data("a\r\nb\n\nc".utf8).write(to: URL(fileURLWithPath: path))
    #expect(try TextLines.read(path: path) == ["a", "b", "", "c"])
  }

  @Test func tsvWithWrongColumnCountNamesTheLine() throws {
    let path = Fixtures.temporaryDirectory().appendingPathComponent("x.tsv").path
    try Data("sentence1\tsentence2\tscore\na\tb\t1\nc\td\n".utf8).write(to: URL(fileURLWithPath: path))
    let e = #expect(throws: TextFilesError.self) { try TextLines.readTSV(path: path, required: ["sentence1"]) }
    #expect("\(e!)".contains("line 3") && "\(e!)".contains("2 columns, expected 3"))
    let e2 = #expect(throws: TextFilesError.self) { try TextLines.readTSV(path: path, required: ["label"]) }
    #expect("\(e2!)".contains("no column 'label'"))
  }

  /// A UTF-8 byte order mark before the first line (as some editors write) is not part of it.
  @Test func aByteOrderMarkIsNotPartOfTheFirstLine() throws {
    let path = Fixtures.temporaryDirectory().appendingPathComponent("bom.tsv").path
    try (Data([0xEF, 0xBB, 0xBF]) + Data("sentence1\tsentence2\tscore\na\tb\t1\n".utf8)).write(to: URL(fileURLWithPath: path))
    let rows = try TextLines.readTSV(path: path, required: ["sentence1", "sentence2", "score"])
    #expect(rows.count == 1 && rows[0]["sentence1"] == "a")
    #expect(try TextLines.read(path: path).first == "sentence1\tsentence2\tscore")
  }
}
