import Testing

@testable import Parquet

/// The Thrift compact protocol on hand-encoded bytes: field id deltas and long-form ids, zigzag
/// varints, booleans, binary, lists, skipping unknown nested fields, and damage.
@Suite struct ThriftCompactReaderTests {
  func decode(_ bytes: [UInt8], _ body: (inout ThriftCompactReader) throws -> Void) throws {
    try bytes.withUnsafeBytes { raw in
      var r = ThriftCompactReader(raw)
      try body(&r)
    }
  }

  @Test func readsFieldsAndSkipsUnknownOnes() throws {
    let bytes: [UInt8] = [
      0x15, 0x03,  // field 1, i32 = zigzag 3 = -2
      0x26, 0xfe, 0xff, 0xff, 0xff, 0x1f,  // field 3 (delta 2), i64 = zigzag 0x1fffffffe = 4294967295
      0x18, 0x03, 0x61, 0x62, 0x63,  // field 4, binary "abc"
      0x19, 0x2c, 0x11, 0x00, 0x00,  // field 5: list of 2 structs, {1: true} and {} (skipped)
      0x1b, 0x02, 0x58, 0x02, 0x01, 0x61, 0x04, 0x00,  // field 6: map {1: "a", 2: ""} (skipped)
      0x11,  // field 7, bool true
      0x08, 0xc8, 0x01, 0x00,  // field 100 (long form, zigzag 200), binary "" (skipped)
      0x17, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,  // field 101, double 1.0 (skipped)
      0x00,
    ]
    var fields = [Int16]()
    var i32: Int32 = 0, i64: Int64 = 0, text = "", flag = false
    try decode(bytes) { r in
      try r.readStruct { r, id, t in
        fields.append(id)
        switch id {
        case 1: i32 = try r.i32(t)
        case 3: i64 = try r.i64(t)
        case 4: text = try r.string(t)
        case 7: flag = try r.bool(t)
        default: try r.skip(t)
        }
      }
      #expect(r.remaining == 0)
    }
    #expect(fields == [1, 3, 4, 5, 6, 7, 100, 101])
    #expect(i32 == -2 && i64 == 4_294_967_295 && text == "abc" && flag)
  }

  @Test func readsListsOfScalars() throws {
    // list header 0x35: 3 elements of i32; then a long list (size 15 → varint 20) of bools
    var bytes: [UInt8] = [0x35, 0x02, 0x04, 0x06, 0xf1, 0x14]
    bytes += [UInt8](repeating: 1, count: 10) + [UInt8](repeating: 2, count: 10)
    var ints = [Int32](), bools = [Bool]()
    try decode(bytes) { r in
      try r.readList(.list) { r, e in ints.append(try r.i32(e)) }
      try r.readList(.list) { r, e in bools.append(try r.bool(e, inList: true)) }
    }
    #expect(ints == [1, 2, 3])
    #expect(bools == [Bool](repeating: true, count: 10) + [Bool](repeating: false, count: 10))
  }

  @Test func damageIsAnError() throws {
    // ends inside a struct
    #expect(throws: DecodeFailure.self) { try decode([0x15]) { r in try r.readStruct { r, _, t in try r.skip(t) } } }
    // a binary longer than the bytes
    #expect(throws: DecodeFailure.self) { try decode([0x18, 0x7f, 0x61]) { r in try r.readStruct { r, _, t in try r.skip(t) } } }
    // a list of 2^40 elements
    #expect(throws: DecodeFailure.self) {
      try decode([0xf5, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]) { r in try r.readList(.list) { r, e in _ = try r.i32(e) } }
    }
    // type code 13 does not exist
    #expect(throws: DecodeFailure.self) { try decode([0x1d, 0x00]) { r in try r.readStruct { r, _, t in try r.skip(t) } } }
    // an i32 field holding an i64-sized value, a varint longer than 64 bits
    #expect(throws: DecodeFailure.self) {
      try decode([0x15, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00]) { r in try r.readStruct { r, _, t in _ = try r.i32(t) } }
    }
    #expect(throws: DecodeFailure.self) {
      try decode([0x16] + [UInt8](repeating: 0xff, count: 11) + [0x00]) { r in try r.readStruct { r, _, t in _ = try r.i64(t) } }
    }
    // a field of the wrong type
    #expect(throws: DecodeFailure.self) { try decode([0x18, 0x00, 0x00]) { r in try r.readStruct { r, _, t in _ = try r.i32(t) } } }
  }

  @Test func nestingIsBounded() throws {
    // 100 nested structs (field 1 of type struct), skipped
    let bytes = [UInt8](repeating: 0x1c, count: 100) + [UInt8](repeating: 0x00, count: 101)
    #expect(throws: DecodeFailure.self) { try decode(bytes) { r in try r.readStruct { r, _, t in try r.skip(t) } } }
    let shallow = [UInt8](repeating: 0x1c, count: 10) + [UInt8](repeating: 0x00, count: 11)
    try decode(shallow) { r in try r.readStruct { r, _, t in try r.skip(t) } }
  }
}
