/// A decoder of the Thrift compact protocol, which Parquet uses for its footer (FileMetaData)
/// and page headers: structs of fields with delta-encoded ids, zigzag varints, binary, lists,
/// sets, maps and booleans. Unknown fields are skipped; nesting is bounded so that damaged bytes
/// cannot recurse without end, and every count is checked against the bytes left before use.
struct ThriftCompactReader {
  /// A compact-protocol type code (the low nibble of a field header, or a list's element type).
  enum FieldType: UInt8 {
    case stop = 0, boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7
    case binary = 8, list = 9, set = 10, map = 11, structure = 12
  }

  /// Struct, list and map nesting deeper than this is refused (Parquet's own structs nest < 10).
  static let maxDepth = 64

  let bytes: UnsafeRawBufferPointer
  private(set) var position: Int
  private var depth = 0

  init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0) {
    self.bytes = bytes
    self.position = position
  }

  var remaining: Int { bytes.count - position }

  mutating func byte() throws -> UInt8 {
    guard position < bytes.count else { throw DecodeFailure("Thrift data ends early (at byte \(position) of \(bytes.count))") }
    defer { position += 1 }
    return bytes[position]
  }

  /// An unsigned LEB128 varint of at most 64 bits.
  mutating func varint() throws -> UInt64 {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      let b = try byte()
      if shift == 63 && b > 1 { throw DecodeFailure("Thrift varint longer than 64 bits at byte \(position - 1)") }
      result |= UInt64(b & 0x7f) << shift
      if b & 0x80 == 0 { return result }
      shift += 7
    }
  }

  mutating func zigzag64() throws -> Int64 {
    let n = try varint()
    return Int64(bitPattern: (n >> 1) ^ (0 &- (n & 1)))
  }

  mutating func zigzag32() throws -> Int32 {
    let v = try zigzag64()
    guard let small = Int32(exactly: v) else { throw DecodeFailure("Thrift i32 out of range: \(v)") }
    return small
  }

  private func type(_ code: UInt8) throws -> FieldType {
    guard let t = FieldType(rawValue: code) else { throw DecodeFailure("unknown Thrift type code \(code) at byte \(position)") }
    return t
  }

  /// Reads the fields of one struct, calling `field` with each field's id and type; `field`
  /// reads the value (or calls `skip`). Stops at the struct's STOP byte.
  mutating func readStruct(_ field: (inout ThriftCompactReader, Int16, FieldType) throws -> Void) throws {
    depth += 1
    defer { depth -= 1 }
    guard depth <= Self.maxDepth else { throw DecodeFailure("Thrift structs nested deeper than \(Self.maxDepth)") }
    var last: Int16 = 0
    while true {
      let header = try byte()
      let t = try type(header & 0x0f)
      if t == .stop { return }
      let delta = Int16(header >> 4)
      let id: Int16
      if delta == 0 {
        let v = try zigzag64()
        guard let i = Int16(exactly: v) else { throw DecodeFailure("Thrift field id out of range: \(v)") }
        id = i
      } else {
        id = last &+ delta
      }
      last = id
      try field(&self, id, t)
    }
  }

  /// Reads a list or set header and calls `element` once per element with the element type.
  mutating func readList(_ t: FieldType, _ element: (inout ThriftCompactReader, FieldType) throws -> Void) throws {
    guard t == .list || t == .set else { throw DecodeFailure("expected a Thrift list, found \(t)") }
    let header = try byte()
    var count = Int(header >> 4)
    if count == 15 {
      let n = try varint()
      guard n <= UInt64(remaining) else { throw DecodeFailure("Thrift list of \(n) elements in \(remaining) bytes") }
      count = Int(n)
    }
    let elementType = try type(header & 0x0f)
    depth += 1
    defer { depth -= 1 }
    guard depth <= Self.maxDepth else { throw DecodeFailure("Thrift values nested deeper than \(Self.maxDepth)") }
    for _ in 0..<count {
      // every element takes at least one byte, so a damaged count cannot loop for long
      guard remaining > 0 || elementType == .stop else { throw DecodeFailure("Thrift list ends early") }
      try element(&self, elementType)
    }
  }

  mutating func i32(_ t: FieldType) throws -> Int32 {
    switch t {
    case .i32, .i16: return try zigzag32()
    case .byte: return Int32(Int8(bitPattern: try byte()))
    default: throw DecodeFailure("expected a Thrift i32, found \(t)")
    }
  }

  mutating func i64(_ t: FieldType) throws -> Int64 {
    switch t {
    case .i64, .i32, .i16: return try zigzag64()
    default: throw DecodeFailure("expected a Thrift i64, found \(t)")
    }
  }

  /// A boolean field (its value is in the type code) or list element (one byte).
  mutating func bool(_ t: FieldType, inList: Bool = false) throws -> Bool {
    if inList { return try byte() == 1 }
    switch t {
    case .boolTrue: return true
    case .boolFalse: return false
    default: throw DecodeFailure("expected a Thrift bool, found \(t)")
    }
  }

  /// The byte range of a binary value.
  mutating func binary(_ t: FieldType) throws -> Range<Int> {
    guard t == .binary else { throw DecodeFailure("expected Thrift binary, found \(t)") }
    let n = try varint()
    guard n <= UInt64(remaining) else { throw DecodeFailure("Thrift binary of \(n) bytes with \(remaining) left") }
    let start = position
    position += Int(n)
    return start..<position
  }

  /// A binary value as text (invalid UTF-8 repaired: names are for messages and matching).
  mutating func string(_ t: FieldType) throws -> String {
    let r = try binary(t)
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[r]), as: UTF8.self)
  }

  /// Skips a value of type `t`, nested values included.
  mutating func skip(_ t: FieldType, inList: Bool = false) throws {
    switch t {
    case .stop: throw DecodeFailure("unexpected Thrift STOP")
    case .boolTrue, .boolFalse: if inList { _ = try byte() }
    case .byte: _ = try byte()
    case .i16, .i32, .i64: _ = try varint()
    case .double:
      guard remaining >= 8 else { throw DecodeFailure("Thrift double ends early") }
      position += 8
    case .binary: _ = try binary(t)
    case .list, .set: try readList(t) { r, e in try r.skip(e, inList: true) }
    case .map:
      let n = try varint()
      guard n <= UInt64(remaining) else { throw DecodeFailure("Thrift map of \(n) entries in \(remaining) bytes") }
      if n == 0 { return }
      let kv = try byte()
      let k = try type(kv >> 4)
      let v = try type(kv & 0x0f)
      depth += 1
      defer { depth -= 1 }
      guard depth <= Self.maxDepth else { throw DecodeFailure("Thrift values nested deeper than \(Self.maxDepth)") }
      for _ in 0..<Int(n) {
        try skip(k, inList: true)
        try skip(v, inList: true)
      }
    case .structure: try readStruct { r, _, ft in try r.skip(ft) }
    }
  }
}
