import Foundation

/// Reading text inputs: one UTF-8 text per line, and KorSTS-style TSV with a header row.
public enum TextLines {
  /// Lines of a UTF-8 file (a trailing newline ends the last line; `\r\n` is accepted; a
  /// byte order mark before the first line is dropped). A line that is not valid UTF-8 is an
  /// error naming its line number.
  public static func read(path: String) throws -> [String] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TextFilesError.cannotRead(path: path, reason: "cannot read input file")
    }
    return try lines(of: data, path: path)
  }

  /// The lines of UTF-8 `data` as `read(path:)` splits them; `path` names the source in errors.
  public static func lines(of data: Data, path: String) throws -> [String] {
    var data = data
    if data.starts(with: [0xEF, 0xBB, 0xBF]) { data.removeFirst(3) }
    var lines: [String] = []
    var lineNumber = 0
    var parts = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if parts.last?.isEmpty == true { parts.removeLast() }
    for var part in parts {
      lineNumber += 1
      if part.last == UInt8(ascii: "\r") { part = part.dropLast() }
      guard let s = String(validating: part, as: UTF8.self) else {
        throw TextFilesError.cannotRead(path: path, reason: "line \(lineNumber) is not valid UTF-8")
      }
      lines.append(s)
    }
    return lines
  }

  /// Rows of a tab-separated file with a header line, as column-name → value maps with their line
  /// numbers. `required` columns must be present in the header; every row must have the header's
  /// width; empty lines are skipped.
  public static func readTSV(path: String, required: [String]) throws -> [TSVRow] {
    try parseTSV(lines: try read(path: path), path: path, required: required)
  }

  /// `readTSV` on lines already read from `path` (named in errors).
  public static func parseTSV(lines: [String], path: String, required: [String]) throws -> [TSVRow] {
    guard let header = lines.first?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) else {
      throw TextFilesError.cannotRead(path: path, reason: "empty TSV file (no header line)")
    }
    for name in required where !header.contains(name) {
      throw TextFilesError.cannotRead(path: path, reason: "line 1: header has no column '\(name)' (columns: \(header.joined(separator: ", ")))")
    }
    var rows: [TSVRow] = []
    for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty {
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      guard fields.count == header.count else {
        throw TextFilesError.cannotRead(path: path, reason: "line \(i + 1): \(fields.count) columns, expected \(header.count)")
      }
      rows.append(TSVRow(line: i + 1, fields: Dictionary(zip(header, fields), uniquingKeysWith: { first, _ in first })))
    }
    return rows
  }
}

/// One row of a TSV file: its 1-based line number and its fields by column name.
public struct TSVRow: Sendable {
  public var line: Int
  public var fields: [String: String]
  public subscript(column: String) -> String? { fields[column] }
}
