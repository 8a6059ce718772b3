/// The parts of Parquet's FileMetaData (parquet.thrift) the reader uses, decoded from the footer:
/// the flattened schema, the row groups and their column chunks. Everything else is skipped.
struct FileMetaData {
  var schema: [SchemaElement] = []
  var numRows: Int64 = -1
  var rowGroups: [RowGroupMetaData] = []
  var createdBy: String?

  /// Decodes a FileMetaData struct; a missing required field is an error naming it.
  init(_ bytes: UnsafeRawBufferPointer) throws {
    var r = ThriftCompactReader(bytes)
    var sawSchema = false, sawRowGroups = false
    try r.readStruct { r, id, t in
      switch id {
      case 2:
        sawSchema = true
        try r.readList(t) { r, e in schema.append(try SchemaElement(&r, e)) }
      case 3: numRows = try r.i64(t)
      case 4:
        sawRowGroups = true
        try r.readList(t) { r, e in rowGroups.append(try RowGroupMetaData(&r, e)) }
      case 6: createdBy = try r.string(t)
      default: try r.skip(t)
      }
    }
    guard sawSchema, !schema.isEmpty else { throw DecodeFailure("footer has no schema") }
    guard sawRowGroups else { throw DecodeFailure("footer has no row_groups") }
    guard numRows >= 0 else { throw DecodeFailure("footer has no num_rows (or a negative one: \(numRows))") }
  }
}

/// Physical types (parquet.thrift `Type`).
enum PhysicalType: Int32, CustomStringConvertible {
  case boolean = 0, int32, int64, int96, float, double, byteArray, fixedLenByteArray

  var description: String {
    ["BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"][Int(rawValue)]
  }
}

/// Field repetition (parquet.thrift `FieldRepetitionType`).
enum Repetition: Int32 {
  case required = 0, optional, repeated
}

/// One element of the flattened schema: a group (with children) or a leaf (with a type).
struct SchemaElement {
  var name = ""
  var type: PhysicalType?
  var rawType: Int32?
  var repetition: Repetition?
  var numChildren: Int32?
  /// parquet.thrift `ConvertedType` (UTF8 = 0, LIST = 3, ENUM = 4, DECIMAL = 5, JSON = 19, ...).
  var convertedType: Int32?
  /// The field id of the LogicalType union member set (STRING = 1, LIST = 3, ENUM = 4, DECIMAL = 5, JSON = 12, ...).
  var logicalType: Int16?

  init(_ r: inout ThriftCompactReader, _ t: ThriftCompactReader.FieldType) throws {
    guard t == .structure else { throw DecodeFailure("schema element is a Thrift \(t), expected a struct") }
    var sawName = false
    var rawRepetition: Int32?
    try r.readStruct { r, id, t in
      switch id {
      case 1:
        let v = try r.i32(t)
        rawType = v
        type = PhysicalType(rawValue: v)
      case 3: rawRepetition = try r.i32(t)
      case 4:
        name = try r.string(t)
        sawName = true
      case 5: numChildren = try r.i32(t)
      case 6: convertedType = try r.i32(t)
      case 10:
        guard t == .structure else { try r.skip(t); return }
        var member: Int16?
        try r.readStruct { r, id, t in
          member = member ?? id
          try r.skip(t)
        }
        logicalType = member
      default: try r.skip(t)
      }
    }
    guard sawName else { throw DecodeFailure("schema element without a name") }
    if let rawRepetition {
      guard let rep = Repetition(rawValue: rawRepetition) else {
        throw DecodeFailure("schema element '\(name)' has repetition \(rawRepetition), expected 0 (required), 1 (optional) or 2 (repeated)")
      }
      repetition = rep
    }
  }

  /// True when the leaf's bytes are text: UTF8/STRING, ENUM or JSON, or a BYTE_ARRAY without
  /// any annotation (older writers' strings); the reader checks that the bytes are UTF-8.
  var isText: Bool {
    guard type == .byteArray else { return false }
    if let c = convertedType { return c == 0 || c == 4 || c == 19 }
    if let l = logicalType { return l == 1 || l == 4 || l == 12 }
    return true
  }

  var isListAnnotated: Bool { convertedType == 3 || logicalType == 3 }
  var isDecimal: Bool { convertedType == 5 || logicalType == 5 }
  /// UINT_8, UINT_16, UINT_32 or UINT_64: the INT32 / INT64 bits are unsigned.
  var isUnsigned: Bool { (11...14).contains(convertedType ?? -1) }
}

struct RowGroupMetaData {
  var columns: [ColumnChunkMetaData] = []
  var numRows: Int64 = -1

  init(_ r: inout ThriftCompactReader, _ t: ThriftCompactReader.FieldType) throws {
    guard t == .structure else { throw DecodeFailure("row group is a Thrift \(t), expected a struct") }
    try r.readStruct { r, id, t in
      switch id {
      case 1: try r.readList(t) { r, e in columns.append(try ColumnChunkMetaData(&r, e)) }
      case 3: numRows = try r.i64(t)
      default: try r.skip(t)
      }
    }
    guard numRows >= 0 else { throw DecodeFailure("row group without num_rows (or a negative one: \(numRows))") }
  }
}

/// A column chunk and its ColumnMetaData.
struct ColumnChunkMetaData {
  var filePath: String?
  var hasMetaData = false
  var type: Int32 = -1
  var path: [String] = []
  var codec: Int32 = -1
  var numValues: Int64 = -1
  var totalCompressedSize: Int64 = -1
  var dataPageOffset: Int64 = -1
  var dictionaryPageOffset: Int64?

  init(_ r: inout ThriftCompactReader, _ t: ThriftCompactReader.FieldType) throws {
    guard t == .structure else { throw DecodeFailure("column chunk is a Thrift \(t), expected a struct") }
    try r.readStruct { r, id, t in
      switch id {
      case 1: filePath = try r.string(t)
      case 3:
        guard t == .structure else { throw DecodeFailure("column chunk meta_data is a Thrift \(t), expected a struct") }
        hasMetaData = true
        try r.readStruct { r, id, t in
          switch id {
          case 1: type = try r.i32(t)
          case 3: try r.readList(t) { r, e in path.append(try r.string(e)) }
          case 4: codec = try r.i32(t)
          case 5: numValues = try r.i64(t)
          case 7: totalCompressedSize = try r.i64(t)
          case 9: dataPageOffset = try r.i64(t)
          case 11: dictionaryPageOffset = try r.i64(t)
          default: try r.skip(t)
          }
        }
      default: try r.skip(t)
      }
    }
  }
}
