import Foundation

/// The values of one column of one row group, by the column's kind.
public enum ParquetValues: Equatable, Sendable {
  case strings([String?])
  case stringLists([[String]?])
  case numbers([Double?])

  public var count: Int {
    switch self {
    case .strings(let v): return v.count
    case .stringLists(let v): return v.count
    case .numbers(let v): return v.count
    }
  }
}

/// A Parquet file opened for reading: its footer (schema, row groups) is read at once; the
/// columns asked for are read one row group at a time, so memory is bounded by a row group, not
/// the file. Reads PLAIN, dictionary and RLE encodings, data pages v1 and v2, UNCOMPRESSED,
/// SNAPPY, GZIP and ZSTD pages. Every error is a ParquetError naming the file and, where they
/// apply, the row group, column and row. Numbers are Doubles (INT64 beyond 2^53 rounds); a null
/// element inside a list is an error naming its row. Reading is safe from several threads (the
/// state is immutable; chunks are read with pread).
public final class ParquetFile: @unchecked Sendable {
  /// A footer larger than this is refused.
  public static let maxFooterBytes = 1 << 28
  /// A column chunk may hold at most this many values per stored byte (a bound on what damaged
  /// counts can make the reader allocate; real files hold far fewer).
  static let maxValuesPerByte = 4096

  public let path: String
  /// The top-level columns, in file order.
  public let columns: [ParquetColumn]
  /// Rows in the file (the footer's num_rows, checked against its row groups).
  public let rowCount: Int
  /// The writer, as the footer names it (e.g. "parquet-cpp-arrow version 26.0.1").
  public let createdBy: String?

  private let descriptor: Int32
  private let fileSize: Int
  /// Where the footer starts: column chunks lie in [4, dataEnd).
  private let dataEnd: Int
  private let metadata: FileMetaData
  private let schema: Schema
  /// The first row of each row group.
  private let firstRows: [Int]

  public var rowGroupCount: Int { metadata.rowGroups.count }

  /// Rows in row group `index`.
  public func rowCount(ofRowGroup index: Int) -> Int { Int(metadata.rowGroups[index].numRows) }

  /// The first row (counted over the file) of row group `index`.
  public func firstRow(ofRowGroup index: Int) -> Int { firstRows[index] }

  /// The top-level column called `name`, if any.
  public func column(named name: String) -> ParquetColumn? { columns.first { $0.name == name } }

  public init(path: String) throws {
    self.path = path
    func fail(_ message: String) -> ParquetError { ParquetError(path: path, message: message) }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw fail("cannot open: \(String(cString: strerror(errno)))") }
    var ok = false
    defer { if !ok { close(fd) } }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw fail("cannot stat: \(String(cString: strerror(errno)))") }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw fail("not a regular file") }
    let size = Int(info.st_size)
    guard size >= 12 else { throw fail("\(size) bytes is too short for a Parquet file (magic, footer, length, magic: at least 12)") }
    let head = try Self.read(fd, path: path, offset: 0, count: 4)
    guard head == Array("PAR1".utf8) else { throw fail("does not start with the Parquet magic PAR1") }
    let tail = try Self.read(fd, path: path, offset: size - 8, count: 8)
    if tail[4..<8].elementsEqual("PARE".utf8) { throw fail("has an encrypted footer (PARE), which is not supported") }
    guard tail[4..<8].elementsEqual("PAR1".utf8) else {
      throw fail("does not end with the Parquet magic PAR1 (truncated or not Parquet)")
    }
    let footerLength = Int(UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24)
    guard footerLength <= size - 12, footerLength <= Self.maxFooterBytes else {
      throw fail("footer length \(footerLength) does not fit the file's \(size) bytes")
    }
    let footer = try Self.read(fd, path: path, offset: size - 8 - footerLength, count: footerLength)
    let metadata: FileMetaData
    let schema: Schema
    do {
      metadata = try footer.withUnsafeBytes { try FileMetaData($0) }
      schema = try Schema(metadata.schema)
    } catch let f as DecodeFailure { throw fail("damaged footer: \(f.message)") }
    var firstRows = [Int]()
    var total = 0
    for (g, group) in metadata.rowGroups.enumerated() {
      guard group.columns.count == schema.leafCount else {
        throw ParquetError(path: path, rowGroup: g, message: "has \(group.columns.count) column chunks; the schema has \(schema.leafCount) columns")
      }
      // a row needs at least one value per column, a value at least 1/maxValuesPerByte of a byte
      let (limit, huge) = Int64(size).multipliedReportingOverflow(by: Int64(Self.maxValuesPerByte))
      guard huge || group.numRows <= limit else {
        throw ParquetError(path: path, rowGroup: g, message: "claims \(group.numRows) rows in a file of \(size) bytes")
      }
      firstRows.append(total)
      let (sum, overflow) = total.addingReportingOverflow(Int(group.numRows))
      guard !overflow else { throw ParquetError(path: path, rowGroup: g, message: "row counts of the row groups overflow") }
      total = sum
    }
    guard metadata.numRows == Int64(total) else {
      throw fail("footer says \(metadata.numRows) rows; its row groups hold \(total)")
    }
    self.descriptor = fd
    self.fileSize = size
    self.dataEnd = size - 8 - footerLength
    self.metadata = metadata
    self.schema = schema
    self.columns = schema.columns.map(\.column)
    self.rowCount = total
    self.firstRows = firstRows
    self.createdBy = metadata.createdBy
    ok = true
  }

  deinit { close(descriptor) }

  private static func read(_ fd: Int32, path: String, offset: Int, count: Int) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
      let n = bytes.withUnsafeMutableBytes { buffer -> Int in
        guard let base = buffer.baseAddress else { return 0 }
        return pread(fd, base + done, count - done, off_t(offset + done))
      }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        throw ParquetError(path: path, message: n == 0 ? "ends at byte \(offset + done), expected \(count - done) more" : "read failed: \(String(cString: strerror(errno)))")
      }
      done += n
    }
    return bytes
  }

  /// The values of the columns `names` (top-level, in the order given) in row group `index`.
  public func readRowGroup(_ index: Int, columns names: [String]) throws -> [ParquetValues] {
    try names.map { try read(rowGroup: index, column: $0) }
  }

  /// The texts of string column `column` in row group `rowGroup`.
  public func strings(_ column: String, rowGroup: Int) throws -> [String?] {
    guard case .strings(let v) = try read(rowGroup: rowGroup, column: column, expecting: .string) else { return [] }
    return v
  }

  /// The lists of texts of list column `column` in row group `rowGroup`.
  public func stringLists(_ column: String, rowGroup: Int) throws -> [[String]?] {
    guard case .stringLists(let v) = try read(rowGroup: rowGroup, column: column, expecting: .stringList) else { return [] }
    return v
  }

  /// The numbers of number column `column` in row group `rowGroup`.
  public func numbers(_ column: String, rowGroup: Int) throws -> [Double?] {
    guard case .numbers(let v) = try read(rowGroup: rowGroup, column: column, expecting: .number) else { return [] }
    return v
  }

  /// Reads one column of one row group, as its kind says (or as `expecting` demands).
  public func read(rowGroup: Int, column name: String, expecting: ParquetColumn.Kind? = nil) throws -> ParquetValues {
    guard (0..<metadata.rowGroups.count).contains(rowGroup) else {
      throw ParquetError(path: path, message: "no row group \(rowGroup) (the file has \(metadata.rowGroups.count))")
    }
    guard let leaf = schema.columns.first(where: { $0.column.name == name }) else {
      let names = columns.map { "'\($0.name)'" }.joined(separator: ", ")
      throw ParquetError(path: path, column: name, message: "no such column (the file has \(names))")
    }
    func fail(_ message: String, row: Int? = nil) -> ParquetError {
      ParquetError(path: path, rowGroup: rowGroup, column: name, row: row.map { firstRows[rowGroup] + $0 }, message: message)
    }
    let kindNames: [ParquetColumn.Kind: String] = [.string: "a string column", .stringList: "a list of strings", .number: "a number column"]
    if let expecting, expecting != leaf.column.kind {
      throw fail("is \(leaf.column.typeDescription), expected \(kindNames[expecting] ?? "a supported column")")
    }
    guard leaf.column.kind != .unsupported else {
      throw fail("is \(leaf.column.typeDescription); supported: strings, lists of strings, numbers")
    }
    let group = metadata.rowGroups[rowGroup]
    let chunk = group.columns[leaf.leafIndex]
    let rows = Int(group.numRows)
    let bytes: [UInt8]
    let codec: CompressionCodec
    do {
      (bytes, codec) = try chunkBytes(chunk, leaf)
    } catch let f as DecodeFailure { throw fail(f.message) }
    let reader = ColumnChunkReader(leaf: leaf, codec: codec, expectedValues: Int(chunk.numValues))
    do {
      return try bytes.withUnsafeBytes { raw in
        switch leaf.column.kind {
        case .string: return .strings(try ColumnAssembly.strings(reader, raw, rows: rows))
        case .stringList: return .stringLists(try ColumnAssembly.stringLists(reader, raw, rows: rows))
        case .number: return .numbers(try ColumnAssembly.numbers(reader, raw, rows: rows))
        case .unsupported: return .numbers([])
        }
      }
    } catch let f as DecodeFailure { throw fail(f.message, row: f.row) }
  }

  /// The bytes of a column chunk, checked against the schema and the file.
  private func chunkBytes(_ chunk: ColumnChunkMetaData, _ leaf: LeafColumn) throws -> ([UInt8], CompressionCodec) {
    guard chunk.filePath == nil else { throw DecodeFailure("column chunk is in another file ('\(chunk.filePath ?? "")'), which is not supported") }
    guard chunk.hasMetaData else { throw DecodeFailure("column chunk has no metadata (encrypted columns are not supported)") }
    guard chunk.type == leaf.physicalType?.rawValue else {
      throw DecodeFailure("column chunk has physical type \(PhysicalType(rawValue: chunk.type).map { "\($0)" } ?? "\(chunk.type)"), the schema says \(leaf.physicalType.map { "\($0)" } ?? "none")")
    }
    guard chunk.path == leaf.path else {
      throw DecodeFailure("column chunk is for '\(chunk.path.joined(separator: "."))', the schema says '\(leaf.path.joined(separator: "."))'")
    }
    guard let codec = CompressionCodec(rawValue: chunk.codec), codec.isSupported else {
      let name = CompressionCodec(rawValue: chunk.codec).map { "\($0)" } ?? "codec \(chunk.codec)"
      throw DecodeFailure("compression \(name) is not supported (supported: UNCOMPRESSED, SNAPPY, GZIP, ZSTD)")
    }
    var start = chunk.dataPageOffset
    if let d = chunk.dictionaryPageOffset, d > 0, d < start { start = d }
    let length = chunk.totalCompressedSize
    guard start >= 4, length >= 0, start <= Int64(dataEnd), length <= Int64(dataEnd) - start else {
      throw DecodeFailure("column chunk at byte \(start) of \(length) bytes lies outside the file's data (\(fileSize) bytes)")
    }
    guard chunk.numValues >= 0, chunk.numValues <= max(length, 1) * Int64(Self.maxValuesPerByte) else {
      throw DecodeFailure("column chunk claims \(chunk.numValues) values in \(length) bytes")
    }
    return (try Self.read(descriptor, path: path, offset: Int(start), count: Int(length)), codec)
  }
}
