/// Old-style groups (what libhdf5 and h5py write by default): a symbol table message names a
/// version 1 B-tree of symbol table nodes ("SNOD") and a local heap ("HEAP") that holds the
/// link names.
///
/// Every node is read only when it lies in the file, each node at most once (a cycle is
/// damage), and child levels must descend, so a damaged tree can neither loop nor over-allocate.
enum Groups {
  /// A group's member: its name and the position of its object header (nil for a soft link,
  /// which the reader does not follow).
  struct Entry {
    var name: String
    var header: Int?
    /// The B-tree and local heap cached in the entry (cache type 1), if any.
    var cachedTable: (btree: UInt64, heap: UInt64)?
  }

  /// The members of the group whose symbol table message is `message`, in the B-tree's order.
  static func entries(symbolTable message: ArraySlice<UInt8>, in file: FileBytes) throws -> [Entry] {
    var m = ByteCursor(message, "the symbol table message")
    let btree = try file.position(try m.uint(file.offsetSize), "the group's B-tree")
    let heap = try LocalHeap.read(at: try file.position(try m.uint(file.offsetSize), "the group's local heap"), in: file)
    var entries: [Entry] = []
    var visited: Set<Int> = []
    try walk(btree, level: nil, heap: heap, file: file, visited: &visited, into: &entries)
    return entries
  }

  /// Adds the entries under B-tree node `at` (whose level must be `level` when known).
  static func walk(_ at: Int, level expected: Int?, heap: LocalHeap, file: FileBytes, visited: inout Set<Int>, into entries: inout [Entry]) throws {
    guard visited.insert(at).inserted else { throw FormatProblem.damaged("the group B-tree reaches its node at byte \(at) twice") }
    let o = file.offsetSize, l = file.lengthSize
    var head = ByteCursor(try file.read(at, 8 + 2 * o, "the group B-tree node"), "the group B-tree node at byte \(at)")
    try head.expect("TREE")
    let type = try head.u8(), level = Int(try head.u8()), used = Int(try head.uint(2))
    guard type == 0 else { throw FormatProblem.damaged("the group B-tree node at byte \(at) has node type \(type)") }
    if let expected, level != expected {
      throw FormatProblem.damaged("the group B-tree node at byte \(at) has level \(level), expected \(expected)")
    }
    // keys (heap offsets of names) and children alternate: key, child, key, …, child, key
    let size = l + used * (o + l)
    var c = ByteCursor(try file.read(at + 8 + 2 * o, size, "the group B-tree node"), "the group B-tree node at byte \(at)")
    try c.skip(l)
    for _ in 0..<used {
      let child = try file.position(try c.uint(o), "a child of the group B-tree node at byte \(at)")
      try c.skip(l)
      if level > 0 {
        try walk(child, level: level - 1, heap: heap, file: file, visited: &visited, into: &entries)
      } else {
        guard visited.insert(child).inserted else { throw FormatProblem.damaged("the group B-tree reaches the symbol node at byte \(child) twice") }
        try symbolNode(child, heap: heap, file: file, into: &entries)
      }
    }
  }

  /// Adds the entries of the symbol table node at `at`.
  static func symbolNode(_ at: Int, heap: LocalHeap, file: FileBytes, into entries: inout [Entry]) throws {
    let o = file.offsetSize
    var head = ByteCursor(try file.read(at, 8, "the symbol table node"), "the symbol table node at byte \(at)")
    try head.expect("SNOD")
    let version = try head.u8()
    guard version == 1 else { throw FormatProblem.damaged("the symbol table node at byte \(at) has version \(version)") }
    try head.skip(1)
    let count = Int(try head.uint(2))
    let entrySize = 2 * o + 24
    var c = ByteCursor(try file.read(at + 8, count * entrySize, "the symbol table node"), "the symbol table node at byte \(at)")
    for _ in 0..<count {
      let nameOffset = try c.uint(o)
      let header = try c.uint(o)
      let cache = try c.uint(4)
      try c.skip(4)
      var scratch = ByteCursor(try c.take(16), "a symbol table entry")
      let name = try heap.string(at: nameOffset)
      switch cache {
      case 0, 1:
        let table = cache == 1 ? (try scratch.uint(o), try scratch.uint(o)) : nil
        entries.append(Entry(name: name, header: try file.position(header, "the object '\(name)'"), cachedTable: table))
      case 2: entries.append(Entry(name: name, header: nil, cachedTable: nil))
      default: throw FormatProblem.damaged("the symbol table entry '\(name)' has cache type \(cache)")
      }
    }
  }
}

/// A local heap: the block of NUL-terminated link names of a group.
struct LocalHeap {
  let data: [UInt8]
  let at: Int

  static func read(at: Int, in file: FileBytes) throws -> LocalHeap {
    var c = ByteCursor(try file.read(at, 8 + 2 * file.lengthSize + file.offsetSize, "the local heap"), "the local heap at byte \(at)")
    try c.expect("HEAP")
    let version = try c.u8()
    guard version == 0 else { throw FormatProblem.damaged("the local heap at byte \(at) has version \(version)") }
    try c.skip(3)
    let size = try c.uint(file.lengthSize)
    let freeList = try c.uint(file.lengthSize)
    let start = try file.position(try c.uint(file.offsetSize), "the data of the local heap at byte \(at)")
    guard size <= UInt64(file.size) else { throw FormatProblem.damaged("the local heap at byte \(at) declares \(size) bytes") }
    let data = try file.read(start, Int(size), "the data of the local heap at byte \(at)")
    // the free list (as libhdf5 walks it when it loads the heap): blocks inside the data, in order
    var free = freeList, blocks = 0
    let none: UInt64 = file.lengthSize == 8 ? .max : (1 << UInt64(file.lengthSize * 8)) - 1
    while free != none && free != 1 {  // 1: H5HL_FREE_NULL
      blocks += 1
      guard free <= size, size - free >= UInt64(2 * file.lengthSize), blocks <= data.count else {
        throw FormatProblem.damaged("the free list of the local heap at byte \(at) leaves its \(size) bytes")
      }
      var f = ByteCursor(data[Int(free)...], "the free list of the local heap at byte \(at)")
      let next = try f.uint(file.lengthSize), blockSize = try f.uint(file.lengthSize)
      guard blockSize <= size - free, next == 1 || next == none || next > free else {
        throw FormatProblem.damaged("the free list of the local heap at byte \(at) is damaged at offset \(free)")
      }
      free = next
    }
    return LocalHeap(data: data, at: at)
  }

  /// The NUL-terminated string at `offset` in the heap's data.
  func string(at offset: UInt64) throws -> String {
    guard offset < UInt64(data.count) else {
      throw FormatProblem.damaged("a name at offset \(offset) lies outside the local heap at byte \(at) (\(data.count) bytes)")
    }
    let rest = data[Int(offset)...]
    guard let end = rest.firstIndex(of: 0) else {
      throw FormatProblem.damaged("the name at offset \(offset) of the local heap at byte \(at) has no end")
    }
    return String(decoding: rest[..<end], as: UTF8.self)
  }
}
