/// Turns a column chunk's pages (levels and values) into one value per row: definition levels
/// say which rows are null, repetition levels where a row's list starts. Rows count from 0
/// within the row group in the failures thrown.
enum ColumnAssembly {
  /// A text per row (nil for null) of a top-level text column.
  static func strings(_ reader: ColumnChunkReader, _ chunk: UnsafeRawBufferPointer, rows: Int) throws -> [String?] {
    var out = [String?]()
    out.reserveCapacity(min(rows, 1 << 20))
    var decoder = TextValueDecoder()
    let top = UInt32(reader.leaf.maxDefinitionLevel)
    try reader.read(chunk) { bytes, count in
      try decoder.setDictionary(bytes, count: count)
    } data: { page in
      try decoder.start(page)
      guard out.count + page.count <= rows else { throw tooManyRows(rows) }
      for i in 0..<page.count {
        if let d = page.definitionLevels, d[i] != top {
          out.append(nil)
          continue
        }
        guard let s = try decoder.next() else { throw DecodeFailure("text is not valid UTF-8", row: out.count) }
        out.append(s)
      }
    }
    guard out.count == rows else { throw rowCountMismatch(out.count, rows) }
    return out
  }

  /// A number per row (nil for null) of a top-level number column.
  static func numbers(_ reader: ColumnChunkReader, _ chunk: UnsafeRawBufferPointer, rows: Int) throws -> [Double?] {
    guard let type = reader.leaf.physicalType else { throw DecodeFailure("column has no physical type") }
    var out = [Double?]()
    out.reserveCapacity(min(rows, 1 << 20))
    var decoder = NumberValueDecoder(type: type, unsigned: reader.leaf.isUnsigned)
    let top = UInt32(reader.leaf.maxDefinitionLevel)
    try reader.read(chunk) { bytes, count in
      try decoder.setDictionary(bytes, count: count)
    } data: { page in
      try decoder.start(page)
      guard out.count + page.count <= rows else { throw tooManyRows(rows) }
      for i in 0..<page.count {
        if let d = page.definitionLevels, d[i] != top {
          out.append(nil)
        } else {
          out.append(try decoder.next())
        }
      }
    }
    guard out.count == rows else { throw rowCountMismatch(out.count, rows) }
    return out
  }

  /// A list of texts per row (nil for a null list) of a list column. A null element inside a
  /// list is an error naming its row.
  static func stringLists(_ reader: ColumnChunkReader, _ chunk: UnsafeRawBufferPointer, rows: Int) throws -> [[String]?] {
    var out = [[String]?]()
    out.reserveCapacity(min(rows, 1 << 20))
    var decoder = TextValueDecoder()
    let leaf = reader.leaf
    let top = UInt32(leaf.maxDefinitionLevel)
    let listExists = UInt32(leaf.listDefinitionLevel)
    var current: [String]? = nil
    var started = false
    try reader.read(chunk) { bytes, count in
      try decoder.setDictionary(bytes, count: count)
    } data: { page in
      try decoder.start(page)
      guard let repetitions = page.repetitionLevels, let definitions = page.definitionLevels else {
        throw DecodeFailure("list column without repetition and definition levels")
      }
      for i in 0..<page.count {
        let d = definitions[i]
        if repetitions[i] == 0 {
          if started {
            guard out.count < rows else { throw tooManyRows(rows) }
            out.append(current)
          }
          started = true
          current = d < listExists ? nil : []
        } else {
          guard started else { throw DecodeFailure("column chunk starts inside a list (repetition level \(repetitions[i]))", row: 0) }
          guard current != nil, d > listExists else {
            throw DecodeFailure("list element continues a null or empty list (definition level \(d))", row: out.count)
          }
        }
        guard d > listExists else { continue }
        guard d == top else { throw DecodeFailure("list holds a null element", row: out.count) }
        guard let s = try decoder.next() else { throw DecodeFailure("text in list is not valid UTF-8", row: out.count) }
        current?.append(s)
      }
    }
    if started {
      guard out.count < rows else { throw tooManyRows(rows) }
      out.append(current)
    }
    guard out.count == rows else { throw rowCountMismatch(out.count, rows) }
    return out
  }

  private static func tooManyRows(_ rows: Int) -> DecodeFailure {
    DecodeFailure("column chunk holds more rows than the row group's \(rows)")
  }

  private static func rowCountMismatch(_ found: Int, _ rows: Int) -> DecodeFailure {
    DecodeFailure("column chunk holds \(found) rows; the row group has \(rows)")
  }
}
