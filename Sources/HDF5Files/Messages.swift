/// The object header messages the reader interprets: dataspace, datatype, data layout, fill
/// value and attribute, parsed as the file format specification lays them out, every field
/// checked before use.

/// A dataspace: the shape of a dataset or attribute (scalar: no dimensions).
struct Dataspace {
  var dims: [UInt64]

  static func parse(_ data: ArraySlice<UInt8>, lengthSize: Int) throws -> Dataspace {
    var c = ByteCursor(data, "the dataspace message")
    let version = try c.u8()
    let rank = Int(try c.u8())
    let flags = try c.u8()
    switch version {
    case 1: try c.skip(5)
    case 2:
      let type = try c.u8()
      guard type != 2 else { throw FormatProblem.unsupported("a null dataspace") }
      guard type <= 1 else { throw FormatProblem.damaged("dataspace type \(type)") }
    default: throw FormatProblem.damaged("dataspace message version \(version)")
    }
    guard rank <= 32 else { throw FormatProblem.damaged("a dataspace of rank \(rank)") }
    let dims = try (0..<rank).map { _ in try c.uint(lengthSize) }
    if flags & 1 != 0 { try c.skip(rank * lengthSize) }  // maximum dimensions
    return Dataspace(dims: dims)
  }
}

/// A datatype, as far as the reader tells them apart.
enum Datatype: Equatable {
  case integer(size: Int, signed: Bool, bigEndian: Bool)
  case float(size: Int, bigEndian: Bool)
  case fixedString(size: Int)
  /// A variable-length string: each element a global heap ID of `size` bytes.
  case variableString(size: Int)
  /// Any other class (by its number, as libhdf5's H5T_class_t counts them) or layout.
  case other(typeClass: Int, size: Int)

  var size: Int {
    switch self {
    case .integer(let s, _, _), .float(let s, _), .fixedString(let s), .variableString(let s), .other(_, let s): return s
    }
  }

  /// As `trainer data inspect` prints it: int32, uint8, float32, string, type class N.
  var description: String {
    switch self {
    case .integer(let size, let signed, _): return (signed ? "int" : "uint") + "\(size * 8)"
    case .float(let size, _): return "float\(size * 8)"
    case .fixedString, .variableString: return "string"
    case .other(let typeClass, _): return "type class \(typeClass)"
    }
  }

  static func parse(_ data: ArraySlice<UInt8>) throws -> Datatype {
    var c = ByteCursor(data, "the datatype message")
    let classAndVersion = try c.u8()
    let typeClass = Int(classAndVersion & 0x0F), version = classAndVersion >> 4
    guard (1...4).contains(version) else { throw FormatProblem.damaged("datatype message version \(version)") }
    let bits = [try c.u8(), try c.u8(), try c.u8()]
    let size = Int(try c.uint(4))
    switch typeClass {
    case 0:  // fixed-point: byte order (bit 0), signed (bit 3); bit offset, precision
      let offset = try c.uint(2), precision = try c.uint(2)
      guard [1, 2, 4, 8].contains(size), offset == 0, precision == UInt64(size * 8) else {
        return .other(typeClass: typeClass, size: size)
      }
      return .integer(size: size, signed: bits[0] & 0x08 != 0, bigEndian: bits[0] & 0x01 != 0)
    case 1:  // floating-point: IEEE single or double only
      let offset = try c.uint(2), precision = try c.uint(2)
      let exponentAt = try c.u8(), exponentSize = try c.u8(), mantissaAt = try c.u8(), mantissaSize = try c.u8()
      let bias = try c.uint(4)
      let ieee: [Int: (UInt64, UInt8, UInt8, UInt8, UInt8, UInt64, UInt8)] = [4: (32, 23, 8, 0, 23, 127, 31), 8: (64, 52, 11, 0, 52, 1023, 63)]
      guard let e = ieee[size], offset == 0, precision == e.0, exponentAt == e.1, exponentSize == e.2, mantissaAt == e.3,
        mantissaSize == e.4, bias == e.5, bits[1] == e.6, bits[0] & 0x40 == 0, (bits[0] >> 4) & 0x03 == 2
      else { return .other(typeClass: typeClass, size: size) }
      return .float(size: size, bigEndian: bits[0] & 0x01 != 0)
    case 3:
      return .fixedString(size: size)
    case 9:  // variable-length: bits 0-3 sequence (0) or string (1)
      return bits[0] & 0x0F == 1 ? .variableString(size: size) : .other(typeClass: typeClass, size: size)
    default:
      return .other(typeClass: typeClass, size: size)
    }
  }
}

/// Where a dataset's elements are stored.
enum Layout {
  /// In the object header itself.
  case compact(ArraySlice<UInt8>)
  /// In one block at `address` (undefined: never written) of `size` bytes.
  case contiguous(address: UInt64, size: UInt64)
  /// In chunks of `chunk` elements per dimension, indexed by a version 1 B-tree at `btree`.
  case chunked(btree: UInt64, chunk: [Int], elementSize: Int)

  static func parse(_ data: ArraySlice<UInt8>, offsetSize: Int, lengthSize: Int) throws -> Layout {
    var c = ByteCursor(data, "the data layout message")
    let version = try c.u8()
    guard version == 3 else {
      throw FormatProblem.unsupported("data layout message version \(version) (libhdf5's default, version 3, is)")
    }
    let kind = try c.u8()
    switch kind {
    case 0:
      let size = Int(try c.uint(2))
      return .compact(try c.take(size))
    case 1:
      return .contiguous(address: try c.uint(offsetSize), size: try c.uint(lengthSize))
    case 2:
      let dimensionality = Int(try c.u8())
      guard dimensionality >= 1 else { throw FormatProblem.damaged("a chunked layout of dimensionality 0") }
      let btree = try c.uint(offsetSize)
      let sizes = try (0..<dimensionality).map { _ in Int(try c.uint(4)) }
      guard sizes.allSatisfy({ $0 > 0 }) else { throw FormatProblem.damaged("chunk dimensions \(sizes)") }
      return .chunked(btree: btree, chunk: Array(sizes.dropLast()), elementSize: sizes[sizes.count - 1])
    default:
      throw FormatProblem.unsupported("data layout class \(kind) (compact, contiguous or chunked are)")
    }
  }
}

/// The fill value message: the value of elements never written, if one is defined.
enum FillValue {
  static func parse(_ data: ArraySlice<UInt8>) throws -> ArraySlice<UInt8>? {
    var c = ByteCursor(data, "the fill value message")
    let version = try c.u8()
    let defined: Bool
    switch version {
    case 1, 2:
      try c.skip(2)  // allocation time, fill write time
      defined = try c.u8() != 0
      if version == 1 && !defined { return nil }
    case 3:
      let flags = try c.u8()
      defined = flags & 0x20 != 0
    default:
      throw FormatProblem.damaged("fill value message version \(version)")
    }
    guard defined else { return nil }
    let size = Int(try c.uint(4))
    return size == 0 ? nil : try c.take(size)
  }
}

/// An attribute message: a name, a datatype, a dataspace and the value's bytes.
struct Attribute {
  var name: String
  var type: Datatype
  var space: Dataspace
  var value: ArraySlice<UInt8>

  static func parse(_ data: ArraySlice<UInt8>, lengthSize: Int) throws -> Attribute {
    var c = ByteCursor(data, "an attribute message")
    let version = try c.u8()
    guard (1...3).contains(version) else { throw FormatProblem.damaged("attribute message version \(version)") }
    let flags = try c.u8()
    guard flags & 0x03 == 0 else { throw FormatProblem.unsupported("an attribute with a shared datatype or dataspace") }
    let nameSize = Int(try c.uint(2)), typeSize = Int(try c.uint(2)), spaceSize = Int(try c.uint(2))
    if version == 3 { try c.skip(1) }  // the name's character set
    func padded(_ n: Int) -> Int { version == 1 ? (n + 7) / 8 * 8 : n }
    let rawName = try c.take(nameSize)
    try c.skip(padded(nameSize) - nameSize)
    let typeBytes = try c.take(typeSize)
    try c.skip(padded(typeSize) - typeSize)
    let spaceBytes = try c.take(spaceSize)
    try c.skip(padded(spaceSize) - spaceSize)
    let name = String(decoding: rawName.prefix { $0 != 0 }, as: UTF8.self)
    return Attribute(
      name: name, type: try Datatype.parse(typeBytes), space: try Dataspace.parse(spaceBytes, lengthSize: lengthSize),
      value: c.bytes[c.position...])
  }
}
