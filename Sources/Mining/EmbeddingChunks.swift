import Foundation

/// Embeddings kept on disk in fixed-size chunks of rows, float32 or float16, one file per chunk
/// written under a temporary name and renamed into place: a stopped run keeps every finished
/// chunk and redoes only the rest, and a search reads one chunk at a time.
public struct EmbeddingChunks: Sendable {
  public enum Precision: String, Sendable, CaseIterable { case f32, f16 }

  public let directory: URL
  public let dim: Int
  public let rowsPerChunk: Int
  public let rows: Int
  public let precision: Precision

  public var chunkCount: Int { (rows + rowsPerChunk - 1) / rowsPerChunk }

  /// `key` names what the embeddings are of (model, prefix, data); a directory made for another
  /// key is cleared first, so stale chunks are never mixed in.
  public init(directory: URL, key: String, rows: Int, dim: Int, rowsPerChunk: Int, precision: Precision) throws {
    self.directory = directory
    self.rows = rows
    self.dim = dim
    self.rowsPerChunk = rowsPerChunk
    self.precision = precision
    let fm = FileManager.default
    let keyFile = directory.appendingPathComponent("key")
    let fullKey = "\(key)\nrows \(rows) dim \(dim) chunk \(rowsPerChunk) \(precision.rawValue)\n"
    if (try? String(contentsOf: keyFile, encoding: .utf8)) != fullKey {
      try? fm.removeItem(at: directory)
      try fm.createDirectory(at: directory, withIntermediateDirectories: true)
      try fullKey.write(to: keyFile, atomically: true, encoding: .utf8)
    }
  }

  public func range(_ chunk: Int) -> Range<Int> { (chunk * rowsPerChunk)..<min((chunk + 1) * rowsPerChunk, rows) }

  func url(_ chunk: Int) -> URL { directory.appendingPathComponent(String(format: "chunk-%06d.%@", chunk, precision.rawValue)) }

  public func has(_ chunk: Int) -> Bool { FileManager.default.fileExists(atPath: url(chunk).path) }

  /// Stores chunk `chunk` (its rows × dim floats).
  public func write(_ chunk: Int, _ values: [Float]) throws {
    precondition(values.count == range(chunk).count * dim, "chunk \(chunk): \(values.count) floats")
    let data: Data
    switch precision {
    case .f32: data = values.withUnsafeBytes { Data($0) }
    case .f16: data = values.map { Float16($0) }.withUnsafeBytes { Data($0) }
    }
    let tmp = url(chunk).appendingPathExtension("partial")
    try data.write(to: tmp)
    guard rename(tmp.path, url(chunk).path) == 0 else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url(chunk).path])
    }
  }

  /// Chunk `chunk` as float32.
  public func read(_ chunk: Int) throws -> [Float] {
    let data = try Data(contentsOf: url(chunk))
    let n = range(chunk).count * dim
    let bytes = precision == .f32 ? 4 : 2
    guard data.count == n * bytes else {
      throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url(chunk).path])
    }
    switch precision {
    case .f32: return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    case .f16: return data.withUnsafeBytes { $0.bindMemory(to: Float16.self).map { Float($0) } }
    }
  }

  /// A block source for `TopK.search` over every chunk in order.
  public func blocks() -> () throws -> (start: Int, rows: [Float])? {
    var next = 0
    return {
      guard next < chunkCount else { return nil }
      defer { next += 1 }
      return (range(next).lowerBound, try read(next))
    }
  }
}
