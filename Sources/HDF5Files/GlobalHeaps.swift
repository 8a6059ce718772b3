import Foundation

/// The global heap collections of an HDF5 file (where variable-length strings live), checked
/// before libhdf5 reads any of them.
///
/// libhdf5 1.10 trusts a collection's object sizes when it loads the collection: a damaged size
/// makes it read past the collection (a segfault) or loop forever, and a damaged heap ID makes it
/// index past its object list. Every collection in the file (found by its `GCOL` signature, as
/// libhdf5 writes one) must therefore hold objects that tile it exactly, as
/// `H5HG__cache_heap_deserialize` parses them; heap IDs read from a string dataset are checked
/// against the objects found.
struct GlobalHeaps {
  /// A collection: its objects' sizes by index.
  struct Collection { var objects: [Int: Int] }

  /// Collections by their byte offset in the file.
  let collections: [Int: Collection]
  /// The byte offset that the file's addresses are relative to (the superblock's).
  let base: Int

  /// Finds and checks every collection of the file at `path`; `lengthSize` is the superblock's
  /// size of lengths, `base` its offset.
  static func read(path: String, lengthSize: Int, base: Int) throws -> GlobalHeaps {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw HDF5Error.cannotOpen(path: path) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw HDF5Error.cannotOpen(path: path) }
    let size = Int(st.st_size)
    guard size > 0 else { return GlobalHeaps(collections: [:], base: base) }
    guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
      throw HDF5Error.corrupt(path: path, detail: "cannot map the file to check its global heaps")
    }
    defer { munmap(map, size) }
    let bytes = UnsafeRawBufferPointer(start: map, count: size)
    var collections: [Int: Collection] = [:]
    var from = 0
    while from + 5 <= size, let hit = memchr(bytes.baseAddress! + from, Int32(UInt8(ascii: "G")), size - from - 4) {
      let at = bytes.baseAddress!.distance(to: UnsafeRawPointer(hit))
      from = at + 1
      // "GCOL", version 1
      guard bytes[at + 1] == UInt8(ascii: "C"), bytes[at + 2] == UInt8(ascii: "O"), bytes[at + 3] == UInt8(ascii: "L"),
        bytes[at + 4] == 1
      else { continue }
      collections[at] = try collection(at: at, in: bytes, lengthSize: lengthSize, path: path)
    }
    return GlobalHeaps(collections: collections, base: base)
  }

  /// Parses the collection at `at` as libhdf5 does, refusing sizes that do not tile it.
  static func collection(at: Int, in bytes: UnsafeRawBufferPointer, lengthSize: Int, path: String) throws -> Collection {
    func damaged(_ detail: String) -> HDF5Error {
      .corrupt(path: path, detail: "the global heap at byte \(at) is damaged: \(detail)")
    }
    func length(_ offset: Int) -> UInt64 {
      var v: UInt64 = 0
      for k in (0..<lengthSize).reversed() { v = v << 8 | UInt64(bytes[offset + k]) }
      return v
    }
    let header = 8 + lengthSize, objectHeader = 8 + lengthSize
    guard at + header <= bytes.count else { throw damaged("its header is cut short") }
    let declared = length(at + 8)
    guard declared >= UInt64(header), declared <= UInt64(bytes.count - at) else {
      throw damaged("its size \(declared) does not fit the file's \(bytes.count) bytes")
    }
    let size = Int(declared)
    var objects: [Int: Int] = [:]
    var p = header
    while p < size {
      if p + objectHeader > size { break }  // too small for an object: free space
      let index = Int(bytes[at + p]) | Int(bytes[at + p + 1]) << 8
      let objectSize = length(at + p + 8)
      let need: UInt64
      if index > 0 {
        guard objects[index] == nil else { throw damaged("object \(index) occurs twice") }
        guard objectSize <= declared else { throw damaged("object \(index) of \(objectSize) bytes overruns the collection") }
        need = UInt64(objectHeader) + (objectSize + 7) / 8 * 8
        objects[index] = Int(objectSize)
      } else {
        need = objectSize  // the free space, its header included
        guard need >= UInt64(objectHeader) else { throw damaged("free space of \(objectSize) bytes at byte \(at + p)") }
      }
      guard need <= UInt64(size - p) else {
        throw damaged("object \(index) of \(objectSize) bytes at byte \(at + p) overruns the collection of \(size) bytes")
      }
      p += Int(need)
    }
    return Collection(objects: objects)
  }

  /// Checks the heap IDs of a variable-length string dataset's `count` elements, stored at file
  /// address `address` (each: length u32, collection address, object index u32): each names an
  /// object of a checked collection whose size is its length.
  func checkStrings(
    at address: Int, count: Int, file: String, name: String, offsetSize: Int
  ) throws {
    let element = 4 + offsetSize + 4
    let (bytes, overflow) = count.multipliedReportingOverflow(by: element)
    guard !overflow, let handle = FileHandle(forReadingAtPath: file) else { throw HDF5Error.failed(path: file, what: "reading '\(name)'") }
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(address))
    let raw = [UInt8](try handle.read(upToCount: bytes) ?? Data())
    guard raw.count == bytes else {
      throw HDF5Error.damaged(path: file, name: name, detail: "its \(count) strings lie past the end of the file")
    }
    func value(_ offset: Int, _ size: Int) -> UInt64 {
      var v: UInt64 = 0
      for k in (0..<size).reversed() { v = v << 8 | UInt64(raw[offset + k]) }
      return v
    }
    for row in 0..<count {
      let at = row * element
      let length = value(at, 4), collection = value(at + 4, offsetSize), index = value(at + 4 + offsetSize, 4)
      if length == 0 || collection == 0 { continue }  // empty or null: libhdf5 reads no heap
      guard collection < UInt64(Int.max - base), let objects = collections[base + Int(collection)]?.objects else {
        throw HDF5Error.damaged(path: file, name: name, detail: "the string of row \(row) is in no global heap (address \(collection))")
      }
      guard let size = objects[Int(index)], UInt64(size) == length else {
        throw HDF5Error.damaged(
          path: file, name: name,
          detail: "the string of row \(row) (\(length) bytes, object \(index) of the global heap at byte \(collection)) is not there")
      }
    }
  }
}
