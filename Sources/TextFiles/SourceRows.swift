import Foundation

/// Where a row sits in its file: a line of a text file (JSON lines, CSV, TSV: the line its
/// record starts on) or the n-th row of a file without lines (a JSON array, a Parquet file).
public enum RowPlace: Sendable, Equatable, CustomStringConvertible {
  case line(Int)
  case row(Int)
  public var description: String {
    switch self {
    case .line(let n): "line \(n)"
    case .row(let n): "row \(n)"
    }
  }
}

/// One row of a table-like file: its place and its cells in the file's column order (CSV and
/// TSV cells are strings; JSON cells any JSON value).
public struct SourceRow: Sendable {
  public var place: RowPlace
  public var cells: [(column: String, value: JSONValue)]

  public init(place: RowPlace, cells: [(column: String, value: JSONValue)]) {
    self.place = place
    self.cells = cells
  }

  /// The cell of `column`, nil when the row has none.
  public subscript(column: String) -> JSONValue? { cells.first { $0.column == column }?.value }
}

/// Why a row cannot give an example.
public enum BadRowReason: String, Sendable, CaseIterable, Comparable {
  case malformed = "malformed row"
  case notUTF8 = "not UTF-8"
  case missingColumn = "missing column"
  case wrongType = "value of the wrong kind"
  case emptyText = "empty text"
  case noPositive = "no positive"
  case scoreOutOfRange = "score outside the range"

  public static func < (a: BadRowReason, b: BadRowReason) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}

/// A row that cannot give an example: its file, place, column (when one is at fault), the
/// reason and what was expected.
public struct BadRow: Error, Sendable, CustomStringConvertible {
  public var path: String
  public var place: RowPlace
  public var column: String?
  public var reason: BadRowReason
  public var detail: String

  public init(path: String, place: RowPlace, column: String? = nil, reason: BadRowReason, detail: String) {
    self.path = path
    self.place = place
    self.column = column
    self.reason = reason
    self.detail = detail
  }

  /// "file:LINE: column 'c': detail" (as the other readers name lines), or "file: row N,
  /// column 'c': detail".
  public var description: String {
    let column = column.map { "column '\($0)': " } ?? ""
    return switch place {
    case .line(let n): "\(path):\(n): \(column)\(detail)"
    case .row(let n): "\(path): row \(n), \(column)\(detail)"
    }
  }
}

/// A reader of a table-like file, a chunk of rows at a time: every format of training data
/// (JSON lines, a JSON array, CSV, TSV, Parquet) gives rows of named cells in its column order,
/// each a row or the bad row it is. Errors about the whole file (unreadable, no header) are thrown.
public protocol RowReader {
  /// The file, named in errors.
  var path: String { get }
  /// The columns every row has, when the file declares them (a header, a schema); nil when
  /// each row names its own (JSON).
  var columns: [String]? { get }
  /// The next rows, nil after the last.
  mutating func nextChunk() throws -> [Result<SourceRow, BadRow>]?
}

extension RowReader {
  public var columns: [String]? { nil }

  /// Every row of the file.
  public mutating func all() throws -> [Result<SourceRow, BadRow>] {
    var rows: [Result<SourceRow, BadRow>] = []
    while let chunk = try nextChunk() { rows += chunk }
    return rows
  }
}

/// The bytes of a file, or an error naming it.
func fileBytes(_ path: String) throws -> [UInt8] {
  guard let data = FileManager.default.contents(atPath: path) else {
    throw TextFilesError.cannotRead(path: path, reason: "cannot read input file")
  }
  return [UInt8](data)
}

/// JSON lines: one object per line (empty lines skipped), read `chunkRows` lines at a time.
public struct JSONLinesRows: RowReader {
  public let path: String
  let lines: [ArraySlice<UInt8>]
  var next = 0
  public var chunkRows = 4096

  public init(path: String) throws {
    self.path = path
    var bytes = try fileBytes(path)[...]
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
    lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
  }

  public mutating func nextChunk() throws -> [Result<SourceRow, BadRow>]? {
    guard next < lines.count else { return nil }
    let range = next..<min(lines.count, next + chunkRows)
    next = range.upperBound
    return range.compactMap { i -> Result<SourceRow, BadRow>? in
      let line = lines[i]
      let place = RowPlace.line(i + 1)
      if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
      guard String(validating: line, as: UTF8.self) != nil else {
        return .failure(BadRow(path: path, place: place, reason: .notUTF8, detail: "the line is not valid UTF-8"))
      }
      do {
        guard case .object(let members) = try JSONParser.parse(line) else {
          return .failure(BadRow(path: path, place: place, reason: .malformed, detail: "expected a JSON object"))
        }
        return .success(SourceRow(place: place, cells: members.map { ($0.key, $0.value) }))
      } catch {
        return .failure(BadRow(path: path, place: place, reason: .malformed, detail: "not valid JSON: \(error)"))
      }
    }
  }
}

/// A JSON file holding one array of objects (rows numbered from 1). The whole file is parsed
/// at once; a file that is not JSON is an error naming the byte where it fails.
public struct JSONArrayRows: RowReader {
  public let path: String
  var items: [JSONValue]?

  public init(path: String) throws {
    self.path = path
    var bytes = try fileBytes(path)[...]
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
    let value: JSONValue
    do {
      value = try JSONParser.parse(bytes)
    } catch {
      throw TextFilesError.cannotRead(path: path, reason: "not valid JSON: \(error)")
    }
    guard case .array(let items) = value else {
      throw TextFilesError.cannotRead(path: path, reason: "expected one JSON array of objects, found \(value.kind)")
    }
    self.items = items
  }

  public mutating func nextChunk() throws -> [Result<SourceRow, BadRow>]? {
    guard let items else { return nil }
    self.items = nil
    return items.enumerated().map { i, item in
      guard case .object(let members) = item else {
        return .failure(BadRow(path: path, place: .row(i + 1), reason: .malformed, detail: "expected a JSON object, found \(item.kind)"))
      }
      return .success(SourceRow(place: .row(i + 1), cells: members.map { ($0.key, $0.value) }))
    }
  }
}

/// CSV or TSV with a header row naming the columns (`DelimitedText`); every cell a string. A
/// record whose number of fields differs from the header's is a bad row.
public struct DelimitedRows: RowReader {
  public let path: String
  public let header: [String]
  public var columns: [String]? { header }
  var records: [Result<DelimitedText.Record, DelimitedText.Failure>]?

  public init(path: String, delimiter: UInt8) throws {
    self.path = path
    var records = DelimitedText.records(try fileBytes(path), delimiter: delimiter)
    guard !records.isEmpty else { throw TextFilesError.cannotRead(path: path, reason: "empty file (no header row)") }
    switch records.removeFirst() {
    case .failure(let f): throw TextFilesError.cannotRead(path: path, reason: "line \(f.line): \(f.reason)")
    case .success(let h):
      var names: [String] = []
      for (k, field) in h.fields.enumerated() {
        guard let name = String(validating: field, as: UTF8.self) else {
          throw TextFilesError.cannotRead(path: path, reason: "line \(h.line): header column \(k + 1) is not valid UTF-8")
        }
        if names.contains(name) {
          throw TextFilesError.cannotRead(path: path, reason: "line \(h.line): header names column '\(name)' twice")
        }
        names.append(name)
      }
      header = names
    }
    self.records = records
  }

  public mutating func nextChunk() throws -> [Result<SourceRow, BadRow>]? {
    guard let records else { return nil }
    self.records = nil
    return records.map { r in
      switch r {
      case .failure(let f):
        return .failure(BadRow(path: path, place: .line(f.line), reason: .malformed, detail: f.reason))
      case .success(let rec):
        let place = RowPlace.line(rec.line)
        guard rec.fields.count == header.count else {
          return .failure(BadRow(
            path: path, place: place, reason: .malformed, detail: "\(rec.fields.count) fields, expected \(header.count) (the header's)"))
        }
        var cells: [(column: String, value: JSONValue)] = []
        for (name, field) in zip(header, rec.fields) {
          guard let s = String(validating: field, as: UTF8.self) else {
            return .failure(BadRow(path: path, place: place, column: name, reason: .notUTF8, detail: "the text is not valid UTF-8"))
          }
          cells.append((name, .string(s)))
        }
        return .success(SourceRow(place: place, cells: cells))
      }
    }
  }
}
