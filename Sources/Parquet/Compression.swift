import CSnappy
import CZlib
import CZstd

/// Page compression codecs (parquet.thrift `CompressionCodec`); UNCOMPRESSED, SNAPPY, GZIP and
/// ZSTD are read, the others are refused by name.
enum CompressionCodec: Int32, CustomStringConvertible {
  case uncompressed = 0, snappy, gzip, lzo, brotli, lz4, zstd, lz4Raw

  var description: String { ["UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"][Int(rawValue)] }

  var isSupported: Bool { self == .uncompressed || self == .snappy || self == .gzip || self == .zstd }

  /// Decompresses `source` into all of `destination`, whose size is the page's uncompressed
  /// size; anything else (damaged data, a different size) is an error.
  func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws {
    let expected = destination.count
    guard expected > 0 else { return }
    guard let out = destination.baseAddress else { return }
    let input = source.baseAddress ?? UnsafeRawPointer(out)
    switch self {
    case .uncompressed:
      guard source.count == expected else { throw DecodeFailure("uncompressed page of \(source.count) bytes, header says \(expected)") }
      out.copyMemory(from: input, byteCount: expected)
    case .snappy:
      var length = 0
      let base = input.assumingMemoryBound(to: CChar.self)
      guard snappy_uncompressed_length(base, source.count, &length) == SNAPPY_OK else {
        throw DecodeFailure("SNAPPY page is damaged (no valid length)")
      }
      guard length == expected else { throw DecodeFailure("SNAPPY page holds \(length) bytes, header says \(expected)") }
      var produced = expected
      guard snappy_uncompress(base, source.count, out.assumingMemoryBound(to: CChar.self), &produced) == SNAPPY_OK,
        produced == expected
      else { throw DecodeFailure("SNAPPY page is damaged") }
    case .zstd:
      let produced = ZSTD_decompress(out, expected, input, source.count)
      if ZSTD_isError(produced) != 0 {
        throw DecodeFailure("ZSTD page is damaged: \(String(cString: ZSTD_getErrorName(produced)))")
      }
      guard produced == expected else { throw DecodeFailure("ZSTD page holds \(produced) bytes, header says \(expected)") }
    case .gzip:
      try gunzip(source, into: destination)
    case .lzo, .brotli, .lz4, .lz4Raw:
      throw DecodeFailure("compression \(self) is not supported (supported: UNCOMPRESSED, SNAPPY, GZIP, ZSTD)")
    }
  }

  /// GZIP (RFC 1952) members, one after another, until `destination` is full.
  private func gunzip(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws {
    guard source.count > 0, let input = source.baseAddress, let out = destination.baseAddress else {
      throw DecodeFailure("GZIP page is empty")
    }
    guard source.count <= Int(UInt32.max), destination.count <= Int(UInt32.max) else { throw DecodeFailure("GZIP page too large") }
    var stream = z_stream()
    guard czlib_inflate_init_gzip(&stream) == Z_OK else { throw DecodeFailure("zlib could not start") }
    defer { inflateEnd(&stream) }
    stream.next_in = UnsafeMutablePointer(mutating: input.assumingMemoryBound(to: Bytef.self))
    stream.avail_in = uInt(source.count)
    stream.next_out = out.assumingMemoryBound(to: Bytef.self)
    stream.avail_out = uInt(destination.count)
    while true {
      let status = inflate(&stream, Z_FINISH)
      if status == Z_STREAM_END {
        if stream.avail_out == 0 { return }
        guard stream.avail_in > 0, inflateReset(&stream) == Z_OK else {
          throw DecodeFailure("GZIP page holds \(destination.count - Int(stream.avail_out)) bytes, header says \(destination.count)")
        }
        continue
      }
      if status == Z_OK { continue }  // progress; inflate is called again
      if status == Z_BUF_ERROR && stream.avail_out == 0 {
        throw DecodeFailure("GZIP page holds more than the \(destination.count) bytes its header says")
      }
      let reason = stream.msg.map { String(cString: $0) } ?? "status \(status)"
      throw DecodeFailure("GZIP page is damaged: \(reason)")
    }
  }
}

/// A growable scratch buffer of bytes, reused from page to page.
final class ScratchBuffer {
  private(set) var pointer: UnsafeMutableRawPointer
  private(set) var capacity: Int

  init() {
    capacity = 4096
    pointer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
  }

  deinit { pointer.deallocate() }

  /// The first `count` bytes, reallocated (contents dropped) when the buffer is smaller.
  func bytes(_ count: Int) -> UnsafeMutableRawBufferPointer {
    if count > capacity {
      pointer.deallocate()
      capacity = max(count, capacity * 2)
      pointer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }
    return UnsafeMutableRawBufferPointer(start: pointer, count: count)
  }

  /// Room for `count` UInt32s (contents dropped when the buffer grows).
  func uint32s(_ count: Int) -> UnsafeMutablePointer<UInt32> {
    _ = bytes(count * 4)
    return pointer.bindMemory(to: UInt32.self, capacity: count)
  }
}
