import Foundation

/// XXH64 (xxHash, 64-bit, seed 0) of bytes and of files: the checksums a checkpoint records of
/// its files in `trainer_state.json`. Chosen over SHA-256 because it runs at memory speed (a
/// 470 MB model file adds a fraction of a second to a checkpoint) and needs no library (CryptoKit
/// is not on Linux); it detects damage, not tampering. `xxhsum -H1 FILE` prints the same value.
public enum XXH64 {
  static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
  static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
  static let p3: UInt64 = 0x1656_67B1_9E37_79F9
  static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
  static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

  @inline(__always) static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

  @inline(__always) static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
    rotl(acc &+ input &* p2, 31) &* p1
  }

  @inline(__always) static func merge(_ acc: UInt64, _ v: UInt64) -> UInt64 {
    (acc ^ round(0, v)) &* p1 &+ p4
  }

  /// The hash of `bytes`.
  public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    let n = bytes.count
    guard let base = bytes.baseAddress else { return finish(p5, bytes, from: 0, length: 0) }
    var i = 0
    var h: UInt64
    if n >= 32 {
      var v1 = p1 &+ p2, v2 = p2, v3: UInt64 = 0, v4 = 0 &- p1
      while i + 32 <= n {
        v1 = round(v1, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
        v2 = round(v2, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)))
        v3 = round(v3, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)))
        v4 = round(v4, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)))
        i += 32
      }
      h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
      h = merge(merge(merge(merge(h, v1), v2), v3), v4)
    } else {
      h = p5
    }
    return finish(h, bytes, from: i, length: n)
  }

  /// The tail (fewer than 32 bytes from `i`) and the final mix.
  static func finish(_ seed: UInt64, _ bytes: UnsafeRawBufferPointer, from start: Int, length n: Int) -> UInt64 {
    var h = seed &+ UInt64(n), i = start
    while i + 8 <= n {
      h ^= round(0, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
      h = rotl(h, 27) &* p1 &+ p4
      i += 8
    }
    if i + 4 <= n {
      h ^= UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))) &* p1
      h = rotl(h, 23) &* p2 &+ p3
      i += 4
    }
    while i < n {
      h ^= UInt64(bytes[i]) &* p5
      h = rotl(h, 11) &* p1
      i += 1
    }
    h ^= h >> 33
    h = h &* p2
    h ^= h >> 29
    h = h &* p3
    h ^= h >> 32
    return h
  }

  public static func hash(_ data: Data) -> UInt64 { data.withUnsafeBytes { hash($0) } }

  /// The hash of a file's bytes, read through a memory map (a file just written is still in the
  /// page cache, so this costs no disk reads).
  public static func hash(file path: String) throws -> UInt64 {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TrainingError.checkpoint(path: path, detail: "cannot read: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw TrainingError.checkpoint(path: path, detail: "cannot stat: \(String(cString: strerror(errno)))") }
    let size = Int(st.st_size)
    if size == 0 { return hash(UnsafeRawBufferPointer(start: nil, count: 0)) }
    guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
      throw TrainingError.checkpoint(path: path, detail: "cannot map: \(String(cString: strerror(errno)))")
    }
    defer { munmap(p, size) }
    _ = madvise(p, size, MADV_SEQUENTIAL)
    return hash(UnsafeRawBufferPointer(start: p, count: size))
  }

  /// "xxh64:" and the hash as 16 hex digits, as `trainer_state.json` records it.
  public static func label(_ h: UInt64) -> String {
    let hex = String(h, radix: 16)
    return "xxh64:" + String(repeating: "0", count: 16 - hex.count) + hex
  }
}
