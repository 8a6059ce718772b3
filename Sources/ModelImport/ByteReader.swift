import Foundation

/// Little-endian cursor over a byte buffer that reports truncation with the field being read.
struct ByteReader {
  let bytes: UnsafeRawBufferPointer
  let path: String
  var offset = 0

  mutating func need(_ n: Int, _ what: String) throws {
    guard n >= 0, n <= bytes.count - offset else {
      throw ImportError.badPack(path: path, detail: "truncated while reading \(what) at byte \(offset) (file has \(bytes.count) bytes)")
    }
  }
  mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
    try need(MemoryLayout<T>.size, what)
    let v = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
    offset += MemoryLayout<T>.size
    return T(littleEndian: v)
  }
  /// A u64 size or offset, refused unless it is at most the file's length (so that it is an Int
  /// and the sum of two such values cannot overflow).
  mutating func readSize(_ what: String) throws -> Int {
    let v = try read(UInt64.self, what)
    guard v <= UInt64(bytes.count) else {
      throw ImportError.badPack(path: path, detail: "\(what) is \(v), more than the file's \(bytes.count) bytes")
    }
    return Int(v)
  }
  mutating func readFloat(_ what: String) throws -> Float { Float(bitPattern: try read(UInt32.self, what)) }
  mutating func slice(_ n: Int, _ what: String) throws -> UnsafeRawBufferPointer {
    try need(n, what)
    let s = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n])
    offset += n
    return s
  }
}
