/// An error reading a Parquet file: the file, and where they apply the row group, the column and
/// the row (rows count from 0 over the whole file, as pandas and pyarrow count them), with what
/// was found and what was expected.
public struct ParquetError: Error, CustomStringConvertible, Equatable {
  public let path: String
  public let rowGroup: Int?
  public let column: String?
  public let row: Int?
  public let message: String

  public init(path: String, rowGroup: Int? = nil, column: String? = nil, row: Int? = nil, message: String) {
    self.path = path
    self.rowGroup = rowGroup
    self.column = column
    self.row = row
    self.message = message
  }

  public var description: String {
    var place = [String]()
    if let rowGroup { place.append("row group \(rowGroup)") }
    if let column { place.append("column '\(column)'") }
    if let row { place.append("row \(row)") }
    return "\(path): " + (place.isEmpty ? "" : place.joined(separator: ", ") + ": ") + message
  }
}

/// A failure found while decoding bytes, before the caller knows the file and column; `row` is
/// the row within the row group when known. ParquetFile turns it into a ParquetError.
struct DecodeFailure: Error {
  let message: String
  var row: Int? = nil

  init(_ message: String, row: Int? = nil) {
    self.message = message
    self.row = row
  }
}
