import Foundation

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

  /// Adds a Float32 tensor, stored as `dtype` (F32, F16 or BF16).
  public mutating func add(_ name: String, shape: [Int], floats: UnsafeBufferPointer<Float>, as dtype: DType = .f32) {
    precondition(floats.count == shape.reduce(1, *), "tensor \(name): \(floats.count) values do not fill shape \(shape)")
    precondition(!names.contains(name), "tensor \(name) added twice")
    precondition(dtype != .i64, "tensor \(name): floats cannot be stored as I64")
    names.insert(name)
    let src = floats
    items.append(Item(name: name, dtype: dtype, shape: shape, write: { fh in
      let chunk = 1 << 20
      var start = 0
      while start < src.count {
        let n = min(chunk, src.count - start)
        let data: Data
        switch dtype {
        case .f32: data = Data(bytes: src.baseAddress! + start, count: n * 4)
        case .f16: data = (start..<start + n).map { HalfFloat.fromFloat(src[$0]) }.withUnsafeBytes { Data($0) }
        case .bf16: data = (start..<start + n).map { HalfFloat.floatToBF16(src[$0]) }.withUnsafeBytes { Data($0) }
        case .i64: fatalError("unreachable")
        }
        try fh.write(contentsOf: data)
        start += n
      }
    }, byteCount: floats.count * dtype.byteSize))
  }

  public mutating func add(_ name: String, shape: [Int], int64s: [Int64]) {
    precondition(int64s.count == shape.reduce(1, *), "tensor \(name): \(int64s.count) values do not fill shape \(shape)")
    precondition(!names.contains(name), "tensor \(name) added twice")
    names.insert(name)
    items.append(Item(name: name, dtype: .i64, shape: shape, write: { fh in
      try fh.write(contentsOf: int64s.withUnsafeBytes { Data($0) })
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
