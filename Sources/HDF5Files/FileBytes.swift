import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a file's structure cannot be read: the detail of an `HDF5Error` that the reader completes
/// with the file and the object being read.
struct FormatProblem: Error {
  var detail: String
  /// Outside the subset the reader supports (rather than damaged).
  var unsupported = false

  static func damaged(_ detail: String) -> FormatProblem { FormatProblem(detail: detail) }
  static func unsupported(_ detail: String) -> FormatProblem { FormatProblem(detail: detail, unsupported: true) }
}

/// A file opened for reading by byte ranges (`pread`), every range checked against the file's
/// size before anything is allocated for it; addresses are relative to the superblock's base.
final class FileBytes: @unchecked Sendable {
  let fd: Int32
  /// The file's size in bytes when it was opened.
  let size: Int
  /// Where the superblock lies: file addresses are relative to it.
  let base: Int
  /// The sizes of addresses and of lengths in the file, in bytes.
  let offsetSize: Int
  let lengthSize: Int

  init(path: String, superblock: Superblock) throws {
    fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw HDF5Error.cannotOpen(path: path) }
    size = Int(clamping: superblock.fileLength)
    base = superblock.base
    offsetSize = superblock.offsetSize
    lengthSize = superblock.lengthSize
  }

  deinit { close(fd) }

  /// The value of an address field that means "none" (all bits set).
  var undefinedAddress: UInt64 { offsetSize == 8 ? .max : (1 << UInt64(offsetSize * 8)) - 1 }

  /// The byte position of file address `address`, which must lie in the file (`what` names it
  /// in the error).
  func position(_ address: UInt64, _ what: String) throws -> Int {
    guard address != undefinedAddress else { throw FormatProblem.damaged("\(what) has no address") }
    guard address < UInt64(size), Int(address) <= size - base else {
      throw FormatProblem.damaged("\(what) at address \(address) lies past the end of the file (\(size) bytes)")
    }
    return base + Int(address)
  }

  /// Whether `count` bytes from byte `at` lie in the file.
  func holds(_ at: Int, _ count: Int) -> Bool { at >= 0 && count >= 0 && at <= size && count <= size - at }

  /// `count` bytes from byte `at`, which must lie in the file.
  func read(_ at: Int, _ count: Int, _ what: String) throws -> [UInt8] {
    guard holds(at, count) else {
      throw FormatProblem.damaged("\(what) (\(count) bytes at byte \(at)) lies past the end of the file (\(size) bytes)")
    }
    var out = [UInt8](repeating: 0, count: count)
    try out.withUnsafeMutableBytes { try read(into: $0, at: at, what) }
    return out
  }

  /// Fills `buffer` from byte `at`; the range must lie in the file.
  func read(into buffer: UnsafeMutableRawBufferPointer, at: Int, _ what: String) throws {
    guard holds(at, buffer.count) else {
      throw FormatProblem.damaged("\(what) (\(buffer.count) bytes at byte \(at)) lies past the end of the file (\(size) bytes)")
    }
    var done = 0
    while done < buffer.count {
      let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(at + done))
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw FormatProblem.damaged("\(what): the file ends at byte \(at + done) (it was changed while open?)") }
      done += n
    }
  }
}

/// Little-endian fields read in order from a byte array, each checked against its end.
struct ByteCursor {
  let bytes: ArraySlice<UInt8>
  var position: Int
  /// What is being read, for errors.
  let what: String

  init(_ bytes: ArraySlice<UInt8>, _ what: String) {
    self.bytes = bytes
    self.position = bytes.startIndex
    self.what = what
  }

  init(_ bytes: [UInt8], _ what: String) { self.init(bytes[...], what) }

  var remaining: Int { bytes.endIndex - position }

  mutating func need(_ n: Int) throws {
    guard n >= 0, n <= remaining else { throw FormatProblem.damaged("\(what) is cut short") }
  }

  mutating func skip(_ n: Int) throws {
    try need(n)
    position += n
  }

  mutating func u8() throws -> UInt8 {
    try need(1)
    defer { position += 1 }
    return bytes[position]
  }

  /// An unsigned little-endian integer of `size` (≤ 8) bytes.
  mutating func uint(_ size: Int) throws -> UInt64 {
    try need(size)
    var v: UInt64 = 0
    for k in (0..<size).reversed() { v = v << 8 | UInt64(bytes[position + k]) }
    position += size
    return v
  }

  mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
    try need(n)
    defer { position += n }
    return bytes[position..<(position + n)]
  }

  /// Checks a signature such as "TREE".
  mutating func expect(_ signature: String) throws {
    let found = try take(signature.utf8.count)
    guard found.elementsEqual(signature.utf8) else { throw FormatProblem.damaged("\(what) has no '\(signature)' signature") }
  }
}
