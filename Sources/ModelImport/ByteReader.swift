import Foundation

/// Little-endian cursor over a byte buffer that reports truncation with the field being read.
struct ByteReader {
  let bytes: UnsafeRawBufferPointer
  let path: String
  var offset = 0

  mutating func need(_ n: Int, _ what: String) throws {
    guard n >= 0, offset + n <= bytes.count else {
      throw ImportError.badPack(path: path, detail: "truncated while reading \(what) at byte \(offset) (file has \(bytes.count) bytes)")
    }
  }
  mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
    try need(MemoryLayout<T>.size, what)
    let v = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
    offset += MemoryLayout<T>.size
    return T(littleEndian: v)
  }
  mutating func readFloat(_ what: String) throws -> Float { Float(bitPattern: try read(UInt32.self, what)) }
  mutating func slice(_ n: Int, _ what: String) throws -> UnsafeRawBufferPointer {
    try need(n, what)
    let s = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n])
    offset += n
    return s
  }
}
