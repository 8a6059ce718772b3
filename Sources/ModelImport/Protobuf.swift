/// Just enough of the protobuf wire format to write a SentencePiece `ModelProto` and to pull one
/// field out of another: varints, 32-bit floats, length-delimited fields.
struct ProtoWriter {
  var bytes: [UInt8] = []

  mutating func varint(_ v: UInt64) {
    var v = v
    while v >= 0x80 {
      bytes.append(UInt8(v & 0x7F) | 0x80)
      v >>= 7
    }
    bytes.append(UInt8(v))
  }
  mutating func key(_ field: Int, _ wireType: Int) { varint(UInt64(field << 3 | wireType)) }
  mutating func int(_ field: Int, _ v: Int) {
    key(field, 0)
    varint(UInt64(bitPattern: Int64(v)))
  }
  mutating func float(_ field: Int, _ v: Float) {
    key(field, 5)
    withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 }
  }
  mutating func bytes(_ field: Int, _ b: [UInt8]) {
    key(field, 2)
    varint(UInt64(b.count))
    bytes += b
  }
  mutating func string(_ field: Int, _ s: String) { bytes(field, Array(s.utf8)) }
}

enum ProtoReader {
  /// The payload of the first length-delimited occurrence of `field` in a message, or nil.
  static func firstBytes(field: Int, in msg: [UInt8]) -> [UInt8]? {
    var i = 0
    func varint() -> UInt64? {
      var v: UInt64 = 0, shift: UInt64 = 0
      while i < msg.count {
        let b = msg[i]
        i += 1
        v |= UInt64(b & 0x7F) << shift
        if b < 0x80 { return v }
        shift += 7
        if shift > 63 { return nil }
      }
      return nil
    }
    while i < msg.count {
      guard let k = varint() else { return nil }
      let f = Int(k >> 3), wire = Int(k & 7)
      switch wire {
      case 0: guard varint() != nil else { return nil }
      case 1: i += 8
      case 5: i += 4
      case 2:
        guard let n = varint(), i + Int(n) <= msg.count else { return nil }
        if f == field { return Array(msg[i..<i + Int(n)]) }
        i += Int(n)
      default: return nil
      }
    }
    return nil
  }
}
