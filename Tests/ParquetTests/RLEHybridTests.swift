import Testing

@testable import Parquet

/// The RLE / bit-packing hybrid on the examples of the Parquet encoding spec and damage.
@Suite struct RLEHybridTests {
  func decode(_ bytes: [UInt8], bitWidth: Int, count: Int, max: UInt32 = .max) throws -> [UInt32] {
    var out = [UInt32](repeating: 99, count: count)
    try bytes.withUnsafeBytes { raw in
      var d = try RLEHybridDecoder(raw, bitWidth: bitWidth)
      try out.withUnsafeMutableBufferPointer { try d.decode(count, into: $0.baseAddress!, maxValue: max) }
    }
    return out
  }

  @Test func bitPackedRunOfTheSpec() throws {
    // the spec's example: 0..7 at bit width 3 packs to 10001000 11000110 11111010
    #expect(try decode([0x03, 0b1000_1000, 0b1100_0110, 0b1111_1010], bitWidth: 3, count: 8) == [0, 1, 2, 3, 4, 5, 6, 7])
    // fewer values than the group: the rest of the run is padding
    #expect(try decode([0x03, 0b1000_1000, 0b1100_0110, 0b1111_1010], bitWidth: 3, count: 5) == [0, 1, 2, 3, 4])
  }

  @Test func rleRunsAndMixedRuns() throws {
    // 300 times 5 (width 3: one value byte), then 8 bit-packed ones of width 3
    let bytes: [UInt8] = [0xd8, 0x04, 0x05, 0x03, 0b0100_1001, 0b1001_0010, 0b0010_0100]
    #expect(try decode(bytes, bitWidth: 3, count: 308) == [UInt32](repeating: 5, count: 300) + [UInt32](repeating: 1, count: 8))
    // width 12: run values take two bytes
    #expect(try decode([0x06, 0x34, 0x0a], bitWidth: 12, count: 3) == [0xa34, 0xa34, 0xa34])
    // width 0: every value is 0
    #expect(try decode([0x08], bitWidth: 0, count: 4) == [0, 0, 0, 0])
  }

  @Test func damageIsAnError() throws {
    #expect(throws: DecodeFailure.self) { try decode([], bitWidth: 1, count: 1) }
    #expect(throws: DecodeFailure.self) { try decode([0x03, 0xff], bitWidth: 3, count: 8) }  // packed run cut short
    #expect(throws: DecodeFailure.self) { try decode([0x00, 0x01], bitWidth: 1, count: 1) }  // run of length 0
    #expect(throws: DecodeFailure.self) { try decode([0x04, 0x05], bitWidth: 3, count: 2, max: 4) }  // value above the maximum
    #expect(throws: DecodeFailure.self) { try decode([0x02], bitWidth: 8, count: 1) }  // run without its value
    #expect(throws: DecodeFailure.self) { _ = try RLEHybridDecoder(UnsafeRawBufferPointer(start: nil, count: 0), bitWidth: 33) }
  }
}
