/// The RLE / bit-packing hybrid encoding of Parquet's repetition and definition levels,
/// dictionary indices and RLE booleans: runs of one repeated value (a varint header with bit 0
/// clear, then the value in ⌈bitWidth/8⌉ little-endian bytes) and groups of 8 bit-packed values
/// (header bit 0 set, LSB first).
struct RLEHybridDecoder {
  let bytes: UnsafeRawBufferPointer
  let bitWidth: Int
  private var position = 0

  init(_ bytes: UnsafeRawBufferPointer, bitWidth: Int) throws {
    guard (0...32).contains(bitWidth) else { throw DecodeFailure("RLE bit width \(bitWidth), expected 0 to 32") }
    self.bytes = bytes
    self.bitWidth = bitWidth
  }

  private mutating func varint() throws -> UInt64 {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      guard position < bytes.count else { throw DecodeFailure("RLE data ends inside a run header") }
      let b = bytes[position]
      position += 1
      if shift == 63 && b > 1 { throw DecodeFailure("RLE run header longer than 64 bits") }
      result |= UInt64(b & 0x7f) << shift
      if b & 0x80 == 0 { return result }
      shift += 7
    }
  }

  /// Decodes `count` values into `out`, each checked to be at most `maxValue`.
  mutating func decode(_ count: Int, into out: UnsafeMutablePointer<UInt32>, maxValue: UInt32) throws {
    var done = 0
    let mask: UInt64 = bitWidth == 0 ? 0 : (UInt64(1) << UInt64(bitWidth)) - 1
    while done < count {
      let header = try varint()
      if header & 1 == 0 {
        let run = header >> 1
        let width = (bitWidth + 7) / 8
        guard bytes.count - position >= width else { throw DecodeFailure("RLE data ends inside a run value") }
        var value: UInt64 = 0
        for i in 0..<width { value |= UInt64(bytes[position + i]) << UInt64(8 * i) }
        position += width
        guard value <= UInt64(maxValue) else { throw DecodeFailure("RLE value \(value) exceeds the largest allowed, \(maxValue)") }
        guard run > 0 else { throw DecodeFailure("RLE run of length 0") }
        let take = Int(min(run, UInt64(count - done)))
        (out + done).initialize(repeating: UInt32(value), count: take)
        done += take
      } else {
        let groups = header >> 1
        guard groups > 0, groups <= UInt64(bytes.count) else { throw DecodeFailure("bit-packed run of \(groups) groups in \(bytes.count) bytes") }
        let runValues = Int(groups) * 8
        let runBytes = Int(groups) * bitWidth
        let take = min(runValues, count - done)
        // the values needed must be present; the rest of the last run may be cut off
        let needed = (take * bitWidth + 7) / 8
        guard bytes.count - position >= needed else { throw DecodeFailure("bit-packed run ends early") }
        guard bitWidth > 0, let base = bytes.baseAddress else {
          (out + done).initialize(repeating: 0, count: take)
          position = min(position + runBytes, bytes.count)
          done += take
          continue
        }
        var acc: UInt64 = 0
        var bits = 0
        var p = position
        for i in 0..<take {
          while bits < bitWidth {
            acc |= UInt64(base.load(fromByteOffset: p, as: UInt8.self)) << UInt64(bits)
            p += 1
            bits += 8
          }
          let v = acc & mask
          guard v <= UInt64(maxValue) else { throw DecodeFailure("bit-packed value \(v) exceeds the largest allowed, \(maxValue)") }
          out[done + i] = UInt32(truncatingIfNeeded: v)
          acc >>= UInt64(bitWidth)
          bits -= bitWidth
        }
        position = min(position + runBytes, bytes.count)
        done += take
      }
    }
  }
}

/// The bit width of levels or indices up to `maxValue`.
func bitWidth(of maxValue: Int) -> Int {
  maxValue <= 0 ? 0 : Int.bitWidth - maxValue.leadingZeroBitCount
}
