import Foundation

/// Reads HDF5 files without libhdf5, for exactly what trainer and h5py write by default:
/// superblock version 0 or 1, version 1 object headers (with continuations), old-style groups
/// (symbol tables), compact attributes, contiguous, compact or unfiltered chunked datasets, and
/// variable-length strings in global heaps. Every offset, length and count is checked against
/// the file and each other before use; anything else is refused with an error naming the file,
/// the object and what was found. Thread-safe (one lock around the parsed structures).
final class HDF5Reader: @unchecked Sendable {
  let path: String
  let file: FileBytes
  let root: Int
  private let lock = NSLock()
  private var headers: [Int: ObjectHeader] = [:]
  private var groups: [Int: [Groups.Entry]] = [:]
  private var chunkIndexes: [Int: ChunkIndex] = [:]
  private var heap = GlobalHeapObjects()
  /// Whether the groups were found to form a tree (see `checkGroupTree`).
  private var groupsFormATree = false

  /// A dataset's description from its object header.
  struct Dataset {
    var header: Int
    var dims: [UInt64]
    var type: Datatype
    var layout: Layout
    var fill: ArraySlice<UInt8>?
  }

  init(path: String, superblock: Superblock) throws {
    self.path = path
    guard superblock.version <= 1 else {
      throw HDF5Error.unsupported(
        path: path, name: "/", detail: "superblock version \(superblock.version) (written with libver='latest'; versions 0 and 1 are read)")
    }
    file = try FileBytes(path: path, superblock: superblock)
    do {
      root = try file.position(superblock.rootAddress, "the root group")
    } catch let p as FormatProblem {
      throw HDF5Error.corrupt(path: path, detail: p.detail)
    }
  }

  /// Runs `body` under the lock, turning a format problem into an error naming `name`.
  func locked<R>(_ name: String, _ body: () throws -> R) throws -> R {
    lock.lock()
    defer { lock.unlock() }
    do { return try body() } catch let p as FormatProblem {
      let shown = name.isEmpty ? "/" : name
      throw p.unsupported ? HDF5Error.unsupported(path: path, name: shown, detail: p.detail) : HDF5Error.damaged(path: path, name: shown, detail: p.detail)
    }
  }

  func header(_ at: Int) throws -> ObjectHeader {
    if let h = headers[at] { return h }
    let h = try ObjectHeader.read(at: at, in: file)
    for m in h.messages where [ObjectHeader.MessageType.linkInfo, ObjectHeader.MessageType.link].contains(m.type) {
      throw FormatProblem.unsupported("a new-style group (link messages; symbol tables are read)")
    }
    headers[at] = h
    return h
  }

  /// The members of the group with header `h`, or nil if it is not a group.
  func entries(_ h: ObjectHeader) throws -> [Groups.Entry]? {
    if let e = groups[h.address] { return e }
    guard let table = h.first(ObjectHeader.MessageType.symbolTable) else { return nil }
    let e = try Groups.entries(symbolTable: table.data, in: file)
    groups[h.address] = e
    return e
  }

  /// The object header position of `name` (a path from the root), or nil if there is none.
  func find(_ name: String) throws -> Int? {
    var at = root
    for part in name.split(separator: "/") {
      guard let members = try entries(try header(at)), let entry = members.first(where: { $0.name == part }) else { return nil }
      guard let next = entry.header else { throw FormatProblem.unsupported("'\(part)' is a soft link (hard links are followed)") }
      at = next
    }
    return at
  }

  func object(_ name: String) throws -> ObjectHeader {
    guard let at = try find(name) else { throw HDF5Error.missing(path: path, name: name) }
    return try header(at)
  }

  // MARK: groups and attributes

  func exists(_ name: String) -> Bool { (try? locked(name) { try find(name) }) != nil }

  func members(of name: String) throws -> [(name: String, isGroup: Bool)] {
    try locked(name) {
      try checkGroupTree()
      guard let members = try entries(try object(name)) else { throw HDF5Error.missing(path: path, name: name) }
      return try members.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }.map { entry in
        (entry.name, try entry.header.map { try header($0).first(ObjectHeader.MessageType.symbolTable) != nil } ?? false)
      }
    }
  }

  /// Checks once that every group is linked from one place only (the groups form a tree, as
  /// trainer and h5py make them), so that a caller listing groups recursively ends: a group
  /// linked from its own subtree, or from two groups, would make such a walk endless or
  /// exponential.
  func checkGroupTree() throws {
    if groupsFormATree { return }
    var seen: Set<Int> = [root], queue = [(root, "/")]
    while let (at, name) = queue.popLast() {
      for entry in try entries(try header(at)) ?? [] {
        guard let member = entry.header, try header(member).first(ObjectHeader.MessageType.symbolTable) != nil else { continue }
        let path = name == "/" ? entry.name : "\(name)/\(entry.name)"
        guard seen.insert(member).inserted else {
          throw FormatProblem.unsupported("group '\(path)' is a group linked from another place too (groups must form a tree)")
        }
        queue.append((member, path))
      }
    }
    groupsFormATree = true
  }

  func attributes(_ h: ObjectHeader) throws -> [Attribute] {
    if let info = h.first(ObjectHeader.MessageType.attributeInfo) {
      var c = ByteCursor(info.data, "the attribute info message")
      try c.skip(1)
      let flags = try c.u8()
      if flags & 1 != 0 { try c.skip(2) }
      guard try c.uint(file.offsetSize) == file.undefinedAddress else {
        throw FormatProblem.unsupported("dense attribute storage (compact attributes are read)")
      }
    }
    return try h.all(ObjectHeader.MessageType.attribute).map { m in
      guard !m.isShared else { throw FormatProblem.unsupported("a shared attribute message") }
      return try Attribute.parse(m.data, lengthSize: file.lengthSize)
    }
  }

  func attributeNames(of name: String) throws -> [String] {
    try locked(name) { try attributes(try object(name)).map(\.name).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
  }

  func attribute(_ attribute: String, of name: String) throws -> String {
    let full = name == "/" || name.isEmpty ? attribute : "\(name)@\(attribute)"
    return try locked(full) {
      guard let a = try attributes(try object(name)).first(where: { $0.name == attribute }) else {
        throw HDF5Error.missing(path: path, name: full)
      }
      return try string(of: a, full)
    }
  }

  /// The value of a string attribute holding one string.
  func string(of a: Attribute, _ full: String) throws -> String {
    switch a.type {
    case .fixedString, .variableString: break
    default: throw HDF5Error.wrongType(path: path, name: full, found: a.type.description, expected: "string")
    }
    guard a.space.dims.allSatisfy({ $0 == 1 }) else {
      throw HDF5Error.wrongShape(path: path, name: full, detail: "shape \(a.space.dims), expected one string")
    }
    guard a.value.count >= a.type.size else { throw FormatProblem.damaged("its value is cut short") }
    let value = a.value.prefix(a.type.size)
    if case .variableString = a.type { return try heapString(value, "its value") }
    return String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
  }

  /// The string a heap ID (length u32, collection address, object index u32) names.
  func heapString(_ id: ArraySlice<UInt8>, _ what: @autoclosure () -> String) throws -> String {
    var c = ByteCursor(id, "a string's heap ID")
    let length = try c.uint(4), collection = try c.uint(file.offsetSize), index = try c.uint(4)
    if length == 0 || collection == 0 { return "" }  // empty or null: libhdf5 reads no heap
    guard let object = try heap.object(collection: collection, index: index, in: file), UInt64(object.size) == length else {
      throw FormatProblem.damaged("\(what()) (\(length) bytes, object \(index) of the global heap at address \(collection)) is not there")
    }
    let bytes = try file.read(object.at, object.size, "a string")
    return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
  }

  // MARK: datasets

  func dataset(_ name: String) throws -> Dataset { try dataset(of: try object(name), name) }

  func dataset(of h: ObjectHeader, _ name: String) throws -> Dataset {
    typealias T = ObjectHeader.MessageType
    guard let layout = h.first(T.layout), let space = h.first(T.dataspace), let type = h.first(T.datatype) else {
      throw HDF5Error.missing(path: path, name: name)
    }
    guard h.first(T.filters) == nil else { throw FormatProblem.unsupported("filters (compression; unfiltered data is read)") }
    guard h.first(T.externalFiles) == nil else { throw FormatProblem.unsupported("external data files") }
    guard !layout.isShared, !space.isShared, !type.isShared else { throw FormatProblem.unsupported("shared (committed) messages") }
    return Dataset(
      header: h.address, dims: try Dataspace.parse(space.data, lengthSize: file.lengthSize).dims, type: try Datatype.parse(type.data),
      layout: try Layout.parse(layout.data, offsetSize: file.offsetSize, lengthSize: file.lengthSize),
      fill: try h.first(T.fillValue).flatMap { try FillValue.parse($0.data) })
  }

  func withDataset<R>(_ name: String, _ body: (Dataset) throws -> R) throws -> R {
    try locked(name) { try body(try dataset(name)) }
  }

  /// Reads rows `rows` (along the first dimension) of dataset `d` of `shape` into `out`, whose
  /// size is the rows' bytes; the caller has checked the shape against the file's size and the
  /// rows against the shape.
  func readRows(_ d: Dataset, shape: [Int], rows: Range<Int>, into out: UnsafeMutableRawBufferPointer) throws {
    let elementSize = d.type.size
    guard !out.isEmpty else { return }
    let rowBytes = out.count / rows.count
    if let fill = d.fill, fill.count == elementSize, fill.contains(where: { $0 != 0 }) {
      let value = Array(fill)
      for k in stride(from: 0, to: out.count, by: elementSize) { out.baseAddress!.advanced(by: k).copyMemory(from: value, byteCount: elementSize) }
    }
    let total = (shape.first ?? 1) * rowBytes
    switch d.layout {
    case .compact(let data):
      guard data.count >= total else { throw FormatProblem.damaged("its compact data holds \(data.count) bytes of \(total)") }
      out.copyBytes(from: data.dropFirst(rows.lowerBound * rowBytes).prefix(out.count))
    case .contiguous(let address, let size):
      if address == file.undefinedAddress { return }  // never written: the fill value
      guard size >= UInt64(total) else { throw FormatProblem.damaged("its storage holds \(size) bytes of \(total)") }
      let at = try file.position(address, "its data")
      try file.read(into: out, at: at + rows.lowerBound * rowBytes, "its data")
    case .chunked(let btree, let chunk, let chunkElement):
      guard chunkElement == elementSize else { throw FormatProblem.damaged("chunks of \(chunkElement)-byte elements for \(elementSize)-byte values") }
      let index = try chunkIndexes[d.header]
        ?? ChunkIndex.read(btree: btree, shape: shape, chunk: chunk, elementSize: elementSize, file: file)
      chunkIndexes[d.header] = index
      try copyChunks(index, shape: shape, chunk: chunk, rows: rows, elementSize: elementSize, into: out)
    }
  }

  /// Copies the part of every chunk inside `rows` into `out`, a run along the last dimension at
  /// a time; chunks never written keep the fill value.
  func copyChunks(_ index: ChunkIndex, shape: [Int], chunk: [Int], rows: Range<Int>, elementSize: Int, into out: UnsafeMutableRawBufferPointer) throws {
    let rank = shape.count
    var region = shape.map { 0..<$0 }
    region[0] = rows
    // the chunk positions covering the region, dimension by dimension
    let starts = (0..<rank).map { d in Array(stride(from: region[d].lowerBound / chunk[d] * chunk[d], to: region[d].upperBound, by: chunk[d])) }
    var outStride = [Int](repeating: 1, count: rank), chunkStride = [Int](repeating: 1, count: rank)
    for d in stride(from: rank - 2, through: 0, by: -1) {
      outStride[d] = outStride[d + 1] * region[d + 1].count
      chunkStride[d] = chunkStride[d + 1] * chunk[d + 1]
    }
    var position = [Int](repeating: 0, count: rank)  // an index into `starts`
    while true {
      let p = (0..<rank).map { starts[$0][position[$0]] }
      if let at = index.chunks[p] {
        let inside = (0..<rank).map { d in max(p[d], region[d].lowerBound)..<min(p[d] + chunk[d], region[d].upperBound) }
        let run = inside[rank - 1]
        var t = inside.map(\.lowerBound)  // an element of the region, last dimension fixed at the run's start
        outer: while true {
          var source = 0, target = 0
          for d in 0..<rank {
            source += (t[d] - p[d]) * chunkStride[d]
            target += (t[d] - region[d].lowerBound) * outStride[d]
          }
          let slice = UnsafeMutableRawBufferPointer(rebasing: out[(target * elementSize)..<((target + run.count) * elementSize)])
          try file.read(into: slice, at: at + source * elementSize, "a chunk")
          var d = rank - 2
          while d >= 0 {
            t[d] += 1
            if t[d] < inside[d].upperBound { continue outer }
            t[d] = inside[d].lowerBound
            d -= 1
          }
          break
        }
      }
      var d = rank - 1
      while d >= 0 {
        position[d] += 1
        if position[d] < starts[d].count { break }
        position[d] = 0
        d -= 1
      }
      if d < 0 { return }
    }
  }

  /// The strings of dataset `d` (variable-length; `count` elements, checked against the file).
  func strings(_ d: Dataset, shape: [Int], count: Int, _ name: String) throws -> [String] {
    guard d.type.size == 8 + file.offsetSize else { throw FormatProblem.damaged("string heap IDs of \(d.type.size) bytes") }
    var raw = [UInt8](repeating: 0, count: count * d.type.size)
    try raw.withUnsafeMutableBytes { try readRows(d, shape: shape.isEmpty ? [1] : shape, rows: 0..<(shape.first ?? 1), into: $0) }
    return try (0..<count).map { row in
      try heapString(raw[(row * d.type.size)..<((row + 1) * d.type.size)], "the string of row \(row)")
    }
  }
}
