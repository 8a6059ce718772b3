import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a safetensors file: JSON header padded with spaces to a multiple of 8 bytes, tensors in
/// the order added, optional `__metadata__`. The file is written under a temporary name in the
/// same directory and renamed into place, so an interrupted write never replaces a good file.
public struct SafeTensorsWriter {
  private struct Item {
    let name: String
    let dtype: DType
    let shape: [Int]
    let write: (FileHandle) throws -> Void
    let byteCount: Int
  }
  private var items: [Item] = []
  private var names: Set<String> = []
  public var metadata: [String: String] = [:]

  public init(metadata: [String: String] = [:]) { self.metadata = metadata }

  /// Adds a Float32 tensor, stored as `dtype` (F32, F16 or BF16). The floats are read when
  /// the file is written: they must stay valid until then.
  public mutating func add(_ name: String, shape: [Int], floats: UnsafeBufferPointer<Float>, as dtype: DType = .f32) {
    add(name, shape: shape, spans: [floats], as: dtype)
  }

  /// Adds a Float32 tensor whose values lie in several spans, in order (e.g. some rows of a
  /// table), stored as `dtype`; like `add(_:shape:floats:as:)` without gathering them first.
  public mutating func add(_ name: String, shape: [Int], spans: [UnsafeBufferPointer<Float>], as dtype: DType = .f32) {
    let total = spans.reduce(0) { $0 + $1.count }
    precondition(total == shape.reduce(1, *), "tensor \(name): \(total) values do not fill shape \(shape)")
    precondition(!names.contains(name), "tensor \(name) added twice")
    precondition(dtype != .i64, "tensor \(name): floats cannot be stored as I64")
    names.insert(name)
    items.append(Item(name: name, dtype: dtype, shape: shape, write: { fh in
      // F32: large spans go out straight from memory, small ones (table rows) gathered first
      let staging = UnsafeMutableRawBufferPointer.allocate(byteCount: dtype == .f32 ? 1 << 22 : 0, alignment: 64)
      defer { staging.deallocate() }
      var staged = 0
      func flush() throws {
        if staged > 0 { try Self.writeAll(fh, UnsafeRawBufferPointer(rebasing: staging[0..<staged])) }
        staged = 0
      }
      for src in spans where src.count > 0 {
        switch dtype {
        case .f32:
          let bytes = UnsafeRawBufferPointer(src)
          if bytes.count > staging.count / 4 {
            try flush()
            try Self.writeAll(fh, bytes)
          } else {
            if staged + bytes.count > staging.count { try flush() }
            (staging.baseAddress! + staged).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            staged += bytes.count
          }
        case .f16, .bf16:
          let chunk = 1 << 20
          var start = 0
          while start < src.count {
            let n = min(chunk, src.count - start)
            let half = dtype == .f16
              ? (start..<start + n).map { HalfFloat.fromFloat(src[$0]) } : (start..<start + n).map { HalfFloat.floatToBF16(src[$0]) }
            try half.withUnsafeBytes { try Self.writeAll(fh, $0) }
            start += n
          }
        case .i64: fatalError("unreachable")
        }
      }
      try flush()
    }, byteCount: total * dtype.byteSize))
  }

  struct WriteFailure: Error, CustomStringConvertible { let description: String }

  /// write(2) until every byte is out (a write may take fewer; an interrupted one is retried).
  static func writeAll(_ fh: FileHandle, _ bytes: UnsafeRawBufferPointer) throws {
    var done = 0
    while done < bytes.count {
      let n = Glibc.write(fh.fileDescriptor, bytes.baseAddress! + done, min(bytes.count - done, 1 << 30))
      if n < 0 {
        if errno == EINTR { continue }
        throw WriteFailure(description: String(cString: strerror(errno)))
      }
      done += n
    }
  }

  public mutating func add(_ name: String, shape: [Int], int64s: [Int64]) {
    precondition(int64s.count == shape.reduce(1, *), "tensor \(name): \(int64s.count) values do not fill shape \(shape)")
    precondition(!names.contains(name), "tensor \(name) added twice")
    names.insert(name)
    items.append(Item(name: name, dtype: .i64, shape: shape, write: { fh in
      try int64s.withUnsafeBytes { try Self.writeAll(fh, $0) }
    }, byteCount: int64s.count * 8))
  }

  func headerBytes() throws -> Data {
    var header: [String: Any] = [:]
    var offset = 0
    for item in items {
      header[item.name] = ["dtype": item.dtype.rawValue, "shape": item.shape, "data_offsets": [offset, offset + item.byteCount]] as [String: Any]
      offset += item.byteCount
    }
    if !metadata.isEmpty { header["__metadata__"] = metadata }
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    let padded = (json.count + 7) / 8 * 8
    json.append(contentsOf: [UInt8](repeating: 0x20, count: padded - json.count))
    return json
  }

  /// Writes the file atomically (temporary file, fsync, rename).
  public func write(to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    let fm = FileManager.default
    guard fm.createFile(atPath: tmp.path, contents: nil) else {
      throw SafeTensorsError.cannotWrite(path: path, reason: "cannot create \(tmp.path)")
    }
    do {
      let fh = try FileHandle(forWritingTo: tmp)
      defer { try? fh.close() }
      let header = try headerBytes()
      var length = UInt64(header.count).littleEndian
      try fh.write(contentsOf: Data(bytes: &length, count: 8))
      try fh.write(contentsOf: header)
      for item in items { try item.write(fh) }
      try fh.synchronize()
    } catch {
      try? fm.removeItem(at: tmp)
      throw SafeTensorsError.cannotWrite(path: path, reason: "\(error)")
    }
    guard rename(tmp.path, path) == 0 else {
      let reason = String(cString: strerror(errno))
      try? fm.removeItem(at: tmp)
      throw SafeTensorsError.cannotWrite(path: path, reason: reason)
    }
  }
}
