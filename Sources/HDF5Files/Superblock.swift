import Foundation

/// The part of an HDF5 superblock needed to tell a whole file from a truncated one: the
/// end-of-file address the library recorded when it closed the file.
///
/// libhdf5 1.10 refuses a truncated file but leaks the half-opened file while doing so, and then
/// cannot shut down cleanly at exit; checking the recorded length first keeps such files away from
/// it and gives a clearer message.
struct Superblock {
  static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

  /// Bytes the file must hold: its recorded end-of-file address.
  let requiredLength: UInt64
  /// Bytes the file holds.
  let fileLength: UInt64
  /// Where the superblock lies: the base that the file's addresses are relative to.
  let base: Int
  /// The sizes of addresses and of lengths in the file, in bytes.
  let offsetSize: Int
  let lengthSize: Int
  /// The superblock's format version (0 and 1: the root group's symbol table entry follows).
  let version: Int
  /// The address of the root group's object header.
  let rootAddress: UInt64

  /// Reads the superblock of the file at `path`; nil if the file has no HDF5 signature.
  /// Throws when the superblock itself is cut short or names sizes HDF5 never writes.
  static func read(path: String) throws -> Superblock? {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw HDF5Error.cannotOpen(path: path) }
    defer { try? handle.close() }
    let fileLength = try handle.seekToEnd()
    var offset: UInt64 = 0
    while offset + 8 <= fileLength {
      try handle.seek(toOffset: offset)
      let head = try handle.read(upToCount: 96) ?? Data()
      if head.count >= 8 && Array(head.prefix(8)) == signature {
        return try parse(Array(head), at: Int(offset), fileLength: fileLength, path: path)
      }
      offset = offset == 0 ? 512 : offset * 2
    }
    return nil
  }

  private static func parse(_ b: [UInt8], at offset: Int, fileLength: UInt64, path: String) throws -> Superblock {
    func cut() -> HDF5Error { .corrupt(path: path, detail: "the superblock at byte \(offset) is cut short") }
    guard b.count > 8 else { throw cut() }
    let version = Int(b[8])
    let offsetSize: Int, lengthSize: Int
    let addresses: Int  // where the base address starts
    switch version {
    case 0, 1:
      guard b.count > 14 else { throw cut() }
      offsetSize = Int(b[13])
      lengthSize = Int(b[14])
      addresses = version == 0 ? 24 : 28
    case 2, 3:
      guard b.count > 10 else { throw cut() }
      offsetSize = Int(b[9])
      lengthSize = Int(b[10])
      addresses = 12
    default:
      throw HDF5Error.corrupt(path: path, detail: "superblock version \(version) is unknown")
    }
    guard [2, 4, 8].contains(offsetSize) else {
      throw HDF5Error.corrupt(path: path, detail: "the superblock gives \(offsetSize)-byte addresses")
    }
    guard [2, 4, 8].contains(lengthSize) else {
      throw HDF5Error.corrupt(path: path, detail: "the superblock gives \(lengthSize)-byte lengths")
    }
    func address(_ index: Int) throws -> UInt64 {
      let start = addresses + index * offsetSize
      guard start + offsetSize <= b.count else { throw cut() }
      var value: UInt64 = 0
      for k in (0..<offsetSize).reversed() { value = value << 8 | UInt64(b[start + k]) }
      return value
    }
    // v0/1: base, free-space info, end of file, driver info, then the root group's symbol table
    // entry (link name offset, object header address, …); v2/3: base, extension, end of file,
    // root group object header.
    // libhdf5 compares the stored end of file with the file's whole length, user block included
    // (H5F__super_read), and so does this.
    return Superblock(
      requiredLength: try address(2), fileLength: fileLength, base: offset, offsetSize: offsetSize, lengthSize: lengthSize,
      version: version, rootAddress: try address(version <= 1 ? 5 : 3))
  }
}
