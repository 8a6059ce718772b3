/// Decodes the text values of a column's pages: PLAIN (4-byte length, bytes) or dictionary
/// indices (RLE_DICTIONARY, PLAIN_DICTIONARY) into the chunk's dictionary page. `next()` returns
/// nil for bytes that are not UTF-8, so that the caller names the row.
struct TextValueDecoder {
  /// The dictionary page's entries; nil where an entry is not UTF-8.
  private var dictionary: [String?] = []
  private var hasDictionary = false
  private var values = UnsafeRawBufferPointer(start: nil, count: 0)
  private var position = 0
  private var indices: UnsafePointer<UInt32>?
  private var indexCount = 0
  private var nextIndex = 0
  private let indexBuffer = ScratchBuffer()

  /// Reads a dictionary page of `count` PLAIN values.
  mutating func setDictionary(_ bytes: UnsafeRawBufferPointer, count: Int) throws {
    guard count <= bytes.count / 4 else { throw DecodeFailure("dictionary page of \(count) texts in \(bytes.count) bytes") }
    values = bytes
    position = 0
    indices = nil
    dictionary = []
    dictionary.reserveCapacity(count)
    for i in 0..<count {
      do { dictionary.append(try plain()) } catch let f as DecodeFailure { throw DecodeFailure("dictionary entry \(i): \(f.message)") }
    }
    hasDictionary = true
  }

  /// Starts a data page.
  mutating func start(_ page: DataPage) throws {
    values = page.values
    position = 0
    switch page.encoding {
    case 0:
      indices = nil
    case 2, 8:
      guard hasDictionary else { throw DecodeFailure("dictionary-encoded page without a dictionary page") }
      indices = try dictionaryIndices(page, dictionarySize: dictionary.count, buffer: indexBuffer)
      indexCount = page.valueCount
      nextIndex = 0
    default:
      throw DecodeFailure("text values encoded \(encodingName(page.encoding)); supported: PLAIN, RLE_DICTIONARY, PLAIN_DICTIONARY")
    }
  }

  /// The next value; nil when its bytes are not UTF-8.
  @inline(__always)
  mutating func next() throws -> String? {
    if let indices {
      guard nextIndex < indexCount else { throw DecodeFailure("page has fewer dictionary indices than values") }
      defer { nextIndex += 1 }
      return dictionary[Int(indices[nextIndex])]
    }
    return try plain()
  }

  @inline(__always)
  private mutating func plain() throws -> String? {
    guard values.count - position >= 4, let base = values.baseAddress else { throw DecodeFailure("text values end early") }
    let length = Int(base.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian)
    guard length <= values.count - position - 4 else {
      throw DecodeFailure("text of \(length) bytes with \(values.count - position - 4) left in the page")
    }
    let start = (base + position + 4).assumingMemoryBound(to: UInt8.self)
    position += 4 + length
    return String(validating: UnsafeBufferPointer(start: start, count: length), as: UTF8.self)
  }
}

/// The dictionary indices of a data page (a bit-width byte, then RLE / bit-packed runs), each
/// checked against the dictionary's size.
func dictionaryIndices(_ page: DataPage, dictionarySize: Int, buffer: ScratchBuffer) throws -> UnsafePointer<UInt32> {
  let out = buffer.uint32s(page.valueCount)
  guard page.valueCount > 0 else { return UnsafePointer(out) }
  guard dictionarySize > 0 else { throw DecodeFailure("dictionary indices into an empty dictionary") }
  guard page.values.count >= 1 else { throw DecodeFailure("dictionary-encoded page without a bit width") }
  let width = Int(page.values[0])
  do {
    var decoder = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: page.values[1...]), bitWidth: width)
    try decoder.decode(page.valueCount, into: out, maxValue: UInt32(truncatingIfNeeded: dictionarySize - 1))
  } catch let f as DecodeFailure { throw DecodeFailure("dictionary indices: \(f.message)") }
  return UnsafePointer(out)
}

/// Decodes the number values of a column's pages (BOOLEAN, INT32, INT64, FLOAT, DOUBLE) as
/// Doubles: PLAIN, dictionary indices, and RLE booleans.
struct NumberValueDecoder {
  let type: PhysicalType
  /// INT32 / INT64 bits read as unsigned.
  let unsigned: Bool
  private var dictionary: [Double] = []
  private var hasDictionary = false
  private var values = UnsafeRawBufferPointer(start: nil, count: 0)
  private var position = 0
  private var bitPosition = 0
  private var decoded: UnsafePointer<UInt32>?
  private var decodedCount = 0
  private var nextDecoded = 0
  private var decodedAreIndices = false
  private let buffer = ScratchBuffer()

  init(type: PhysicalType, unsigned: Bool = false) {
    self.type = type
    self.unsigned = unsigned
  }

  /// Reads a dictionary page of `count` PLAIN values.
  mutating func setDictionary(_ bytes: UnsafeRawBufferPointer, count: Int) throws {
    guard count <= bytes.count else { throw DecodeFailure("dictionary page of \(count) numbers in \(bytes.count) bytes") }
    values = bytes
    position = 0
    bitPosition = 0
    decoded = nil
    dictionary = []
    dictionary.reserveCapacity(count)
    for _ in 0..<count { dictionary.append(try plain()) }
    hasDictionary = true
  }

  mutating func start(_ page: DataPage) throws {
    values = page.values
    position = 0
    bitPosition = 0
    decoded = nil
    switch page.encoding {
    case 0: break
    case 2, 8:
      guard hasDictionary else { throw DecodeFailure("dictionary-encoded page without a dictionary page") }
      decoded = try dictionaryIndices(page, dictionarySize: dictionary.count, buffer: buffer)
      decodedAreIndices = true
    case 3 where type == .boolean:
      // RLE booleans: a 4-byte length, then runs of bit width 1
      guard values.count >= 4 else { throw DecodeFailure("RLE booleans without their length") }
      let length = Int(values.loadUnaligned(as: UInt32.self).littleEndian)
      guard length <= values.count - 4 else { throw DecodeFailure("RLE booleans of \(length) bytes in \(values.count - 4)") }
      let out = buffer.uint32s(page.valueCount)
      var decoder = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: values[4..<(4 + length)]), bitWidth: 1)
      try decoder.decode(page.valueCount, into: out, maxValue: 1)
      decoded = UnsafePointer(out)
      decodedAreIndices = false
    default:
      throw DecodeFailure("\(type) values encoded \(encodingName(page.encoding)); supported: PLAIN, RLE_DICTIONARY, PLAIN_DICTIONARY"
        + (type == .boolean ? ", RLE" : ""))
    }
    decodedCount = page.valueCount
    nextDecoded = 0
  }

  @inline(__always)
  mutating func next() throws -> Double {
    if let decoded {
      guard nextDecoded < decodedCount else { throw DecodeFailure("page has fewer encoded values than entries") }
      defer { nextDecoded += 1 }
      let v = decoded[nextDecoded]
      return decodedAreIndices ? dictionary[Int(v)] : Double(v)
    }
    return try plain()
  }

  private mutating func plain() throws -> Double {
    if type == .boolean {
      guard bitPosition / 8 < values.count else { throw DecodeFailure("BOOLEAN values end early") }
      let bit = (values[bitPosition / 8] >> UInt8(bitPosition % 8)) & 1
      bitPosition += 1
      return Double(bit)
    }
    let width = type == .int32 || type == .float ? 4 : 8
    guard values.count - position >= width else { throw DecodeFailure("\(type) values end early") }
    defer { position += width }
    switch type {
    case .int32:
      let bits = UInt32(littleEndian: values.loadUnaligned(fromByteOffset: position, as: UInt32.self))
      return unsigned ? Double(bits) : Double(Int32(bitPattern: bits))
    case .int64:
      let bits = UInt64(littleEndian: values.loadUnaligned(fromByteOffset: position, as: UInt64.self))
      return unsigned ? Double(bits) : Double(Int64(bitPattern: bits))
    case .float: return Double(Float(bitPattern: UInt32(littleEndian: values.loadUnaligned(fromByteOffset: position, as: UInt32.self))))
    case .double: return Double(bitPattern: UInt64(littleEndian: values.loadUnaligned(fromByteOffset: position, as: UInt64.self)))
    default: throw DecodeFailure("\(type) is not a number type")
    }
  }
}
