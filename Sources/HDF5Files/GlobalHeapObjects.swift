/// The objects of the global heap collections a file's variable-length strings point into, each
/// collection parsed (as `H5HG__cache_heap_deserialize` does) when first used and checked: its
/// objects tile it, and no two collections overlap. Not thread-safe; the reader locks.
struct GlobalHeapObjects {
  /// A collection: the byte position and size of each object, by index.
  struct Collection {
    var end: Int
    var objects: [Int: (at: Int, size: Int)]
  }

  var collections: [Int: Collection] = [:]

  /// The bytes of object `index` of the collection at file address `address`.
  mutating func object(collection address: UInt64, index: UInt64, in file: FileBytes) throws -> (at: Int, size: Int)? {
    let at = try file.position(address, "a global heap")
    let collection = try collections[at] ?? load(at, file)
    return collection.objects[Int(clamping: index)]
  }

  mutating func load(_ at: Int, _ file: FileBytes) throws -> Collection {
    func damaged(_ detail: String) -> FormatProblem { .damaged("the global heap at byte \(at) is damaged: \(detail)") }
    let l = file.lengthSize
    var head = ByteCursor(try file.read(at, 8 + l, "the global heap"), "the global heap at byte \(at)")
    try head.expect("GCOL")
    let version = try head.u8()
    guard version == 1 else { throw damaged("version \(version)") }
    try head.skip(3)
    let declared = try head.uint(l)
    guard declared >= UInt64(8 + l), file.holds(at, Int(clamping: declared)) else {
      throw damaged("its size \(declared) does not fit the file's \(file.size) bytes")
    }
    let size = Int(declared)
    for (other, c) in collections where other < at + size && at < c.end {
      throw damaged("it overlaps the global heap at byte \(other)")
    }
    let bytes = try file.read(at, size, "the global heap at byte \(at)")
    var objects: [Int: (at: Int, size: Int)] = [:]
    var p = 8 + l
    let objectHeader = 8 + l
    while p + objectHeader <= size {  // a tail too small for an object is free space
      var c = ByteCursor(bytes[p...], "the global heap at byte \(at)")
      let index = Int(try c.uint(2))
      try c.skip(6)  // reference count, reserved
      let objectSize = try c.uint(l)
      let need: UInt64
      if index > 0 {
        guard objects[index] == nil else { throw damaged("object \(index) occurs twice") }
        guard objectSize <= declared else { throw damaged("object \(index) of \(objectSize) bytes overruns the collection") }
        need = UInt64(objectHeader) + (objectSize + 7) / 8 * 8
        objects[index] = (at + p + objectHeader, Int(objectSize))
      } else {
        need = objectSize  // the free space, its header included
        guard need >= UInt64(objectHeader) else { throw damaged("free space of \(objectSize) bytes at byte \(at + p)") }
      }
      guard need <= UInt64(size - p) else {
        throw damaged("object \(index) of \(objectSize) bytes at byte \(at + p) overruns the collection of \(size) bytes")
      }
      p += Int(need)
    }
    let collection = Collection(end: at + size, objects: objects)
    collections[at] = collection
    return collection
  }
}
