/// The chunks of a chunked dataset, from its version 1 B-tree (node type 1), every chunk checked:
/// unfiltered (its stored size is a whole chunk's bytes), inside the file, at a chunk-aligned
/// position inside the dataset, and listed once.
struct ChunkIndex {
  /// Chunk positions (the element index of its first element, per dimension) → byte position.
  var chunks: [[Int]: Int]

  static func read(btree: UInt64, shape: [Int], chunk: [Int], elementSize: Int, file: FileBytes) throws -> ChunkIndex {
    guard chunk.count == shape.count else {
      throw FormatProblem.damaged("chunks of \(chunk.count) dimensions for a dataset of \(shape.count)")
    }
    var chunkBytes = elementSize, overflow = false
    for d in chunk where !overflow { (chunkBytes, overflow) = chunkBytes.multipliedReportingOverflow(by: d) }
    guard !overflow, chunkBytes <= file.size else {
      throw FormatProblem.damaged("chunks of \(chunk) elements are larger than the file")
    }
    var index = ChunkIndex(chunks: [:])
    guard btree != file.undefinedAddress else { return index }  // nothing written yet
    var visited: Set<Int> = []
    let context = Context(shape: shape, chunk: chunk, chunkBytes: chunkBytes, file: file)
    try index.walk(try file.position(btree, "the chunk B-tree"), level: nil, context, &visited)
    return index
  }

  struct Context {
    var shape: [Int], chunk: [Int], chunkBytes: Int
    var file: FileBytes
  }

  mutating func walk(_ at: Int, level expected: Int?, _ x: Context, _ visited: inout Set<Int>) throws {
    guard visited.insert(at).inserted else { throw FormatProblem.damaged("the chunk B-tree reaches its node at byte \(at) twice") }
    let o = x.file.offsetSize, rank = x.shape.count
    var head = ByteCursor(try x.file.read(at, 8 + 2 * o, "the chunk B-tree node"), "the chunk B-tree node at byte \(at)")
    try head.expect("TREE")
    let type = try head.u8(), level = Int(try head.u8()), used = Int(try head.uint(2))
    guard type == 1 else { throw FormatProblem.damaged("the chunk B-tree node at byte \(at) has node type \(type)") }
    if let expected, level != expected {
      throw FormatProblem.damaged("the chunk B-tree node at byte \(at) has level \(level), expected \(expected)")
    }
    // key: chunk size u32, filter mask u32, (rank + 1) offsets u64; keys and children alternate
    let keySize = 8 + 8 * (rank + 1)
    var c = ByteCursor(
      try x.file.read(at + 8 + 2 * o, keySize + used * (o + keySize), "the chunk B-tree node"), "the chunk B-tree node at byte \(at)")
    for _ in 0..<used {
      let size = try c.uint(4), mask = try c.uint(4)
      let offsets = try (0...rank).map { _ in try c.uint(8) }
      let child = try x.file.position(try c.uint(o), "a child of the chunk B-tree node at byte \(at)")
      if level > 0 {
        try walk(child, level: level - 1, x, &visited)
        continue
      }
      let position = Array(offsets.prefix(rank))
      guard mask == 0, size == UInt64(x.chunkBytes) else {
        throw FormatProblem.unsupported("a filtered (compressed) chunk of \(size) bytes at byte \(child); unfiltered chunks")
      }
      guard offsets[rank] == 0,
        zip(position, zip(x.shape, x.chunk)).allSatisfy({ p, sc in p < UInt64(sc.0) && p % UInt64(sc.1) == 0 })
      else { throw FormatProblem.damaged("a chunk at element \(position) does not lie on the chunk grid of shape \(x.shape)") }
      guard x.file.holds(child, x.chunkBytes) else {
        throw FormatProblem.damaged("the chunk at element \(position) (\(x.chunkBytes) bytes at byte \(child)) lies past the end of the file")
      }
      let key = position.map { Int($0) }
      guard chunks.updateValue(child, forKey: key) == nil else {
        throw FormatProblem.damaged("the chunk at element \(position) is listed twice")
      }
    }
    try c.skip(keySize)
  }
}
