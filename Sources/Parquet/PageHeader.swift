/// A page header (parquet.thrift `PageHeader`) with the fields of its data page (v1 or v2) or
/// dictionary page header.
struct PageHeader {
  enum Kind: Int32 {
    case dataPage = 0, indexPage = 1, dictionaryPage = 2, dataPageV2 = 3
  }

  var rawType: Int32 = -1
  var uncompressedSize: Int32 = -1
  var compressedSize: Int32 = -1
  /// Values (level entries) of a data page, entries of a dictionary page.
  var numValues: Int32 = -1
  var encoding: Int32 = -1
  var definitionLevelEncoding: Int32 = 3
  var repetitionLevelEncoding: Int32 = 3
  // data page v2
  var definitionLevelsLength: Int32 = 0
  var repetitionLevelsLength: Int32 = 0
  var isCompressed = true
  /// The header's own length in bytes.
  var headerLength = 0

  var kind: Kind? { Kind(rawValue: rawType) }

  /// Decodes the header starting at `offset` of `bytes`.
  init(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
    var r = ThriftCompactReader(bytes, at: offset)
    var sawData = false, sawDictionary = false, sawV2 = false
    try r.readStruct { r, id, t in
      switch id {
      case 1: rawType = try r.i32(t)
      case 2: uncompressedSize = try r.i32(t)
      case 3: compressedSize = try r.i32(t)
      case 5:
        sawData = true
        try r.readStruct { r, id, t in
          switch id {
          case 1: numValues = try r.i32(t)
          case 2: encoding = try r.i32(t)
          case 3: definitionLevelEncoding = try r.i32(t)
          case 4: repetitionLevelEncoding = try r.i32(t)
          default: try r.skip(t)
          }
        }
      case 7:
        sawDictionary = true
        try r.readStruct { r, id, t in
          switch id {
          case 1: numValues = try r.i32(t)
          case 2: encoding = try r.i32(t)
          default: try r.skip(t)
          }
        }
      case 8:
        sawV2 = true
        try r.readStruct { r, id, t in
          switch id {
          case 1: numValues = try r.i32(t)
          case 4: encoding = try r.i32(t)
          case 5: definitionLevelsLength = try r.i32(t)
          case 6: repetitionLevelsLength = try r.i32(t)
          case 7: isCompressed = try r.bool(t)
          default: try r.skip(t)
          }
        }
      default: try r.skip(t)
      }
    }
    headerLength = r.position - offset
    guard uncompressedSize >= 0, compressedSize >= 0 else {
      throw DecodeFailure("page header at byte \(offset) has page sizes \(compressedSize) (compressed), \(uncompressedSize); expected sizes ≥ 0")
    }
    switch kind {
    case .dataPage: guard sawData else { throw DecodeFailure("data page header without data_page_header") }
    case .dictionaryPage: guard sawDictionary else { throw DecodeFailure("dictionary page header without dictionary_page_header") }
    case .dataPageV2:
      guard sawV2 else { throw DecodeFailure("data page v2 header without data_page_header_v2") }
      guard definitionLevelsLength >= 0, repetitionLevelsLength >= 0,
        Int(definitionLevelsLength) + Int(repetitionLevelsLength) <= Int(compressedSize),
        Int(definitionLevelsLength) + Int(repetitionLevelsLength) <= Int(uncompressedSize)
      else {
        throw DecodeFailure(
          "data page v2 levels of \(repetitionLevelsLength) + \(definitionLevelsLength) bytes do not fit its page of \(compressedSize) bytes")
      }
    case .indexPage, nil: break
    }
    if kind == .dataPage || kind == .dictionaryPage || kind == .dataPageV2 {
      guard numValues >= 0 else { throw DecodeFailure("page header has num_values \(numValues); expected ≥ 0") }
    }
  }
}
