import Foundation

/// Bytes of an HDF5 file changed in place, for damaged files.
public enum FilePatch {
  /// Replaces the first occurrence of `old` in the file at `path` with `new` (same length).
  public static func replace(_ path: String, _ old: [UInt8], _ new: [UInt8]) throws {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    guard let at = find(bytes, old) else { throw CocoaError(.fileReadCorruptFile) }
    bytes.replaceSubrange(at..<at + new.count, with: new)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  public static func find(_ bytes: [UInt8], _ pattern: [UInt8], from start: Int = 0) -> Int? {
    guard bytes.count >= pattern.count else { return nil }
    return (start...(bytes.count - pattern.count)).first { bytes[$0..<$0 + pattern.count].elementsEqual(pattern) }
  }

  /// Little-endian bytes of 64-bit dimensions, as a dataspace message stores them.
  public static func dims(_ d: [UInt64]) -> [UInt8] { d.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } } }
}
