/// One data page of a column chunk, decompressed, its levels decoded.
struct DataPage {
  /// Level entries (values, nulls and empty lists) in the page.
  let count: Int
  /// `count` definition levels, or nil when the column's maximum definition level is 0.
  let definitionLevels: UnsafePointer<UInt32>?
  /// `count` repetition levels, or nil when the column's maximum repetition level is 0.
  let repetitionLevels: UnsafePointer<UInt32>?
  /// Entries at the maximum definition level: the values stored in `values`.
  let valueCount: Int
  /// The encoded values.
  let values: UnsafeRawBufferPointer
  /// Their encoding (parquet.thrift `Encoding`).
  let encoding: Int32
}

/// Encodings (parquet.thrift `Encoding`), for messages.
func encodingName(_ e: Int32) -> String {
  let names = [0: "PLAIN", 2: "PLAIN_DICTIONARY", 3: "RLE", 4: "BIT_PACKED", 5: "DELTA_BINARY_PACKED", 6: "DELTA_LENGTH_BYTE_ARRAY",
               7: "DELTA_BYTE_ARRAY", 8: "RLE_DICTIONARY", 9: "BYTE_STREAM_SPLIT"]
  return names[Int(e)] ?? "encoding \(e)"
}

/// Walks the pages of one column chunk (its bytes in memory): the dictionary page first if there
/// is one, then data pages (v1 and v2) until the chunk's value count is reached; index pages and
/// unknown page types are skipped. Pages are decompressed into reused buffers.
final class ColumnChunkReader {
  /// A page larger than this, uncompressed, is refused (writers make pages of about 1 MB).
  static let maxPageBytes = 1 << 28
  /// Level entries per page beyond this are refused (pyarrow writes at most 20,000).
  static let maxPageValues = 1 << 24

  let leaf: LeafColumn
  let codec: CompressionCodec
  let expectedValues: Int
  private let pageBuffer = ScratchBuffer()
  private let definitionBuffer = ScratchBuffer()
  private let repetitionBuffer = ScratchBuffer()

  init(leaf: LeafColumn, codec: CompressionCodec, expectedValues: Int) {
    self.leaf = leaf
    self.codec = codec
    self.expectedValues = expectedValues
  }

  /// Calls `dictionary` with a dictionary page's PLAIN values and their count, and `data` with
  /// every data page, in order.
  func read(
    _ chunk: UnsafeRawBufferPointer, dictionary: (UnsafeRawBufferPointer, Int) throws -> Void, data: (DataPage) throws -> Void
  ) throws {
    var offset = 0
    var seen = 0
    var pages = 0
    while seen < expectedValues {
      guard offset < chunk.count else {
        throw DecodeFailure("column chunk ends after \(seen) of its \(expectedValues) values (\(pages) pages)")
      }
      let header: PageHeader
      do { header = try PageHeader(chunk, at: offset) } catch let f as DecodeFailure {
        throw DecodeFailure("page header at byte \(offset) of the column chunk: \(f.message)")
      }
      let start = offset + header.headerLength
      let size = Int(header.compressedSize)
      guard size <= chunk.count - start else {
        throw DecodeFailure("page at byte \(offset) of the column chunk claims \(size) bytes; the chunk has \(chunk.count - start) left")
      }
      guard Int(header.uncompressedSize) <= Self.maxPageBytes else {
        throw DecodeFailure("page at byte \(offset) is \(header.uncompressedSize) bytes uncompressed; at most \(Self.maxPageBytes) are read")
      }
      let body = UnsafeRawBufferPointer(rebasing: chunk[start..<(start + size)])
      offset = start + size
      pages += 1
      switch header.kind {
      case .dictionaryPage:
        guard seen == 0, pages == 1 else { throw DecodeFailure("dictionary page after data pages (page \(pages))") }
        guard header.encoding == 0 || header.encoding == 2 else {
          throw DecodeFailure("dictionary page encoded \(encodingName(header.encoding)), expected PLAIN")
        }
        try dictionary(try decompressed(body, size: Int(header.uncompressedSize)), Int(header.numValues))
      case .dataPage, .dataPageV2:
        let count = Int(header.numValues)
        guard count <= expectedValues - seen else {
          throw DecodeFailure("data page \(pages) holds \(count) values; the column chunk has \(expectedValues - seen) left of \(expectedValues)")
        }
        guard count <= Self.maxPageValues else { throw DecodeFailure("data page \(pages) holds \(count) values; at most \(Self.maxPageValues) are read") }
        let page = header.kind == .dataPage ? try pageV1(header, body, count) : try pageV2(header, body, count)
        try data(page)
        seen += count
      case .indexPage, nil:
        break
      }
    }
  }

  private func decompressed(_ body: UnsafeRawBufferPointer, size: Int) throws -> UnsafeRawBufferPointer {
    if codec == .uncompressed {
      guard body.count == size else { throw DecodeFailure("uncompressed page of \(body.count) bytes, its header says \(size)") }
      return body
    }
    let out = pageBuffer.bytes(size)
    try codec.decompress(body, into: out)
    return UnsafeRawBufferPointer(out)
  }

  /// Levels of `count` entries from `bytes` into `buffer`; returns the pointer.
  private func levels(_ bytes: UnsafeRawBufferPointer, _ count: Int, max: Int, into buffer: ScratchBuffer, what: String) throws
    -> UnsafePointer<UInt32>
  {
    let out = buffer.uint32s(count)
    do {
      var decoder = try RLEHybridDecoder(bytes, bitWidth: bitWidth(of: max))
      try decoder.decode(count, into: out, maxValue: UInt32(max))
    } catch let f as DecodeFailure { throw DecodeFailure("\(what) levels: \(f.message)") }
    return UnsafePointer(out)
  }

  private func valueCount(_ definitions: UnsafePointer<UInt32>?, _ count: Int) -> Int {
    guard let definitions else { return count }
    let top = UInt32(leaf.maxDefinitionLevel)
    var n = 0
    for i in 0..<count where definitions[i] == top { n += 1 }
    return n
  }

  private func pageV1(_ header: PageHeader, _ body: UnsafeRawBufferPointer, _ count: Int) throws -> DataPage {
    let page = try decompressed(body, size: Int(header.uncompressedSize))
    var position = 0
    func lengthPrefixed(_ what: String, encoding: Int32) throws -> UnsafeRawBufferPointer {
      guard encoding == 3 else { throw DecodeFailure("\(what) levels encoded \(encodingName(encoding)), expected RLE") }
      guard page.count - position >= 4 else { throw DecodeFailure("data page ends before its \(what) levels") }
      let length = Int(page.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian)
      position += 4
      guard length <= page.count - position else {
        throw DecodeFailure("\(what) levels of \(length) bytes in a page with \(page.count - position) left")
      }
      defer { position += length }
      return UnsafeRawBufferPointer(rebasing: page[position..<(position + length)])
    }
    var repetitions: UnsafePointer<UInt32>?
    var definitions: UnsafePointer<UInt32>?
    if leaf.maxRepetitionLevel > 0 {
      let bytes = try lengthPrefixed("repetition", encoding: header.repetitionLevelEncoding)
      repetitions = try levels(bytes, count, max: leaf.maxRepetitionLevel, into: repetitionBuffer, what: "repetition")
    }
    if leaf.maxDefinitionLevel > 0 {
      let bytes = try lengthPrefixed("definition", encoding: header.definitionLevelEncoding)
      definitions = try levels(bytes, count, max: leaf.maxDefinitionLevel, into: definitionBuffer, what: "definition")
    }
    return DataPage(
      count: count, definitionLevels: definitions, repetitionLevels: repetitions, valueCount: valueCount(definitions, count),
      values: UnsafeRawBufferPointer(rebasing: page[position...]), encoding: header.encoding)
  }

  private func pageV2(_ header: PageHeader, _ body: UnsafeRawBufferPointer, _ count: Int) throws -> DataPage {
    let repLength = Int(header.repetitionLevelsLength)
    let defLength = Int(header.definitionLevelsLength)
    var repetitions: UnsafePointer<UInt32>?
    var definitions: UnsafePointer<UInt32>?
    if leaf.maxRepetitionLevel > 0 {
      repetitions = try levels(
        UnsafeRawBufferPointer(rebasing: body[0..<repLength]), count, max: leaf.maxRepetitionLevel, into: repetitionBuffer,
        what: "repetition")
    }
    if leaf.maxDefinitionLevel > 0 {
      definitions = try levels(
        UnsafeRawBufferPointer(rebasing: body[repLength..<(repLength + defLength)]), count, max: leaf.maxDefinitionLevel,
        into: definitionBuffer, what: "definition")
    }
    let stored = UnsafeRawBufferPointer(rebasing: body[(repLength + defLength)...])
    let size = Int(header.uncompressedSize) - repLength - defLength
    let values: UnsafeRawBufferPointer
    if header.isCompressed && codec != .uncompressed {
      values = try decompressed(stored, size: size)
    } else {
      guard stored.count == size else { throw DecodeFailure("data page v2 values of \(stored.count) bytes, its header says \(size)") }
      values = stored
    }
    return DataPage(
      count: count, definitionLevels: definitions, repetitionLevels: repetitions, valueCount: valueCount(definitions, count),
      values: values, encoding: header.encoding)
  }
}
