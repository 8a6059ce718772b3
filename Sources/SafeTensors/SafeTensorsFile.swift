import Foundation

/// A read-only, memory-mapped safetensors file: an 8-byte little-endian header length, a JSON
/// header mapping tensor names to dtype, shape and byte range, then the raw data.
public final class SafeTensorsFile: @unchecked Sendable {
  public struct Entry: Sendable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// Byte range relative to the start of the data section.
    public let begin: Int
    public let end: Int
    public var count: Int { shape.reduce(1, *) }
  }

  public let path: String
  public let entries: [String: Entry]
  public let metadata: [String: String]
  private let base: UnsafeRawPointer
  private let mappedLength: Int
  private let dataStart: Int

  /// Tensor names in file order (by offset).
  public var names: [String] { entries.values.sorted { $0.begin < $1.begin }.map(\.name) }

  public init(path: String) throws {
    self.path = path
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw SafeTensorsError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw SafeTensorsError.cannotOpen(path: path, reason: "stat failed") }
    let size = Int(st.st_size)
    guard size >= 8 else { throw SafeTensorsError.truncated(path: path, detail: "\(size) bytes, shorter than the 8-byte header length") }
    guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
      throw SafeTensorsError.cannotOpen(path: path, reason: "mmap failed")
    }
    let raw = UnsafeRawPointer(map)
    var ok = false
    defer { if !ok { munmap(map, size) } }
    let (dataStart, entries, metadata) = try Self.parseHeader(raw, size: size, path: path)
    self.entries = entries
    self.metadata = metadata
    self.base = raw
    self.mappedLength = size
    self.dataStart = dataStart
    ok = true
  }

  /// The largest header the reference reader accepts (safetensors' `MAX_HEADER_SIZE`).
  static let maxHeaderLength = 100_000_000

  /// Reads and checks the header as the reference reader does: its length within the file and
  /// at most 100 MB, a JSON object, every shape's element count and byte size free of overflow,
  /// and the tensors' byte ranges, in offset order, tiling the data section from its first byte
  /// to the file's end (no gap, no overlap). Returns where the data section starts.
  static func parseHeader(_ raw: UnsafeRawPointer, size: Int, path: String) throws
    -> (dataStart: Int, entries: [String: Entry], metadata: [String: String])
  {
    let declared = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
    guard declared <= UInt64(size - 8) else {
      throw SafeTensorsError.truncated(path: path, detail: "header length \(declared) exceeds the file size \(size)")
    }
    let headerLength = Int(declared)
    guard headerLength <= maxHeaderLength else {
      throw SafeTensorsError.badHeader(path: path, detail: "header length \(headerLength) exceeds the limit of \(maxHeaderLength) bytes")
    }
    let headerData = Data(bytes: raw + 8, count: headerLength)
    guard headerData.first == UInt8(ascii: "{"), let json = try? JSONSerialization.jsonObject(with: headerData),
      let header = json as? [String: Any]
    else {
      throw SafeTensorsError.badHeader(path: path, detail: "header is not a JSON object")
    }
    let dataStart = 8 + headerLength
    let dataLength = size - dataStart
    var entries: [String: Entry] = [:]
    var metadata: [String: String] = [:]
    for (name, value) in header {
      if name == "__metadata__" {
        guard let m = value as? [String: Any] else { throw SafeTensorsError.badHeader(path: path, detail: "__metadata__ is not an object") }
        for (k, v) in m { metadata[k] = v as? String ?? "\(v)" }
        continue
      }
      guard let info = value as? [String: Any], let dt = info["dtype"] as? String,
        let shapeAny = info["shape"] as? [Any], let offs = info["data_offsets"] as? [Any], offs.count == 2
      else { throw SafeTensorsError.badHeader(path: path, detail: "entry '\(name)' lacks dtype, shape or data_offsets") }
      guard let dtype = DType(rawValue: dt) else { throw SafeTensorsError.unsupportedDType(path: path, tensor: name, dtype: dt) }
      let shape = try shapeAny.map { v -> Int in
        guard let n = exactInt(v), n >= 0 else { throw SafeTensorsError.badHeader(path: path, detail: "entry '\(name)' has a bad shape") }
        return n
      }
      guard let b = exactInt(offs[0]), let e = exactInt(offs[1]), b >= 0, e >= b else {
        throw SafeTensorsError.badHeader(path: path, detail: "entry '\(name)' has bad data_offsets")
      }
      var bytes = dtype.byteSize
      for n in shape {
        let (product, overflow) = bytes.multipliedReportingOverflow(by: n)
        guard !overflow else {
          throw SafeTensorsError.badHeader(path: path, detail: "entry '\(name)': shape \(shape) of \(dt) overflows a byte count")
        }
        bytes = product
      }
      guard e - b == bytes else {
        throw SafeTensorsError.badHeader(path: path, detail: "entry '\(name)': \(e - b) bytes do not hold shape \(shape) of \(dt)")
      }
      guard e <= dataLength else {
        throw SafeTensorsError.truncated(path: path, detail: "tensor '\(name)' ends at byte \(e) of a \(dataLength)-byte data section")
      }
      entries[name] = Entry(name: name, dtype: dtype, shape: shape, begin: b, end: e)
    }
    // in offset order (empty tensors first where they share an offset), each begins where the
    // previous one ends, and the last ends at the end of the file
    var next = 0
    for e in entries.values.sorted(by: { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }) {
      guard e.begin == next else {
        let detail = e.begin < next
          ? "tensor '\(e.name)' at data bytes \(e.begin)..<\(e.end) overlaps the tensor before it, which ends at \(next)"
          : "data bytes \(next)..<\(e.begin) before tensor '\(e.name)' belong to no tensor"
        throw SafeTensorsError.badHeader(path: path, detail: detail)
      }
      next = e.end
    }
    guard next == dataLength else {
      throw SafeTensorsError.badHeader(
        path: path, detail: "the tensors end at data byte \(next) but the data section has \(dataLength) bytes")
    }
    return (dataStart, entries, metadata)
  }

  /// A JSON number that is a whole number below 2^53 (which a Double holds exactly), or nil
  /// (1.5, 1e30, a string): no conversion of an untrusted number can trap.
  private static func exactInt(_ value: Any) -> Int? {
    guard let d = (value as? NSNumber)?.doubleValue, d.rounded() == d, abs(d) < 9_007_199_254_740_992 else { return nil }
    return Int(d)
  }

  deinit { munmap(UnsafeMutableRawPointer(mutating: base), mappedLength) }

  public func entry(_ name: String) throws -> Entry {
    guard let e = entries[name] else { throw SafeTensorsError.missingTensor(path: path, tensor: name) }
    return e
  }

  /// The raw bytes of a tensor, valid while this file object lives.
  public func rawBytes(_ name: String) throws -> UnsafeRawBufferPointer {
    let e = try entry(name)
    return UnsafeRawBufferPointer(start: base + dataStart + e.begin, count: e.end - e.begin)
  }

  /// Copies a floating-point tensor into `destination` as Float32, converting F16/BF16.
  public func copyFloats(_ name: String, into destination: UnsafeMutablePointer<Float>) throws {
    let e = try entry(name)
    let raw = try rawBytes(name)
    switch e.dtype {
    case .f32:
      memcpy(destination, raw.baseAddress!, raw.count)
    case .f16:
      for i in 0..<e.count { destination[i] = HalfFloat.toFloat(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
    case .bf16:
      for i in 0..<e.count { destination[i] = HalfFloat.bf16ToFloat(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
    case .i64:
      throw SafeTensorsError.wrongDType(path: path, tensor: name, expected: "a float type", got: "I64")
    }
  }

  public func floats(_ name: String) throws -> [Float] {
    let e = try entry(name)
    return try [Float](unsafeUninitializedCapacity: e.count) { buf, n in
      try copyFloats(name, into: buf.baseAddress!)
      n = e.count
    }
  }

  public func int64s(_ name: String) throws -> [Int64] {
    let e = try entry(name)
    guard e.dtype == .i64 else { throw SafeTensorsError.wrongDType(path: path, tensor: name, expected: "I64", got: e.dtype.rawValue) }
    let raw = try rawBytes(name)
    return (0..<e.count).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self) }
  }
}
