extension HDF5Reader {
  /// The object header messages a file handed to libhdf5 for writing may hold.
  static let knownMessages: Set<Int> = {
    typealias T = ObjectHeader.MessageType
    return [
      T.null, T.dataspace, T.datatype, T.oldFillValue, T.fillValue, T.layout, T.attribute, T.comment, T.oldModificationTime,
      T.symbolTable, T.modificationTime, T.attributeInfo,
    ]
  }()

  /// Walks the whole file as libhdf5 may when it opens it for writing and changes it: every
  /// group (B-tree, symbol nodes, local heap, cached entries), object header, attribute (string
  /// values read), dataset (storage inside the file, chunk index, every string), refusing damage
  /// and anything outside the reader's subset (unknown messages, types with heap references other
  /// than strings).
  func validateAll() throws {
    try locked("/") {
      var visited: Set<Int> = []
      try validate(root, "/", depth: 0, &visited)
    }
  }

  private func validate(_ at: Int, _ name: String, depth: Int, _ visited: inout Set<Int>) throws {
    guard visited.insert(at).inserted else { return }  // another link to an object already walked
    guard depth <= 64 else { throw HDF5Error.unsupported(path: path, name: name, detail: "groups nested deeper than 64") }
    var members: [(String, Int)] = []
    do {
      let h = try header(at)
      for m in h.messages where !Self.knownMessages.contains(m.type) {
        throw FormatProblem.unsupported("object header message type \(m.type)")
      }
      for a in try attributes(h) {
        let full = name == "/" ? a.name : "\(name)@\(a.name)"
        switch a.type {
        case .fixedString, .variableString: _ = try string(of: a, full)
        case .integer, .float, .other(0, _), .other(1, _):
          let count = try checkedBytes(a.space.dims, elementSize: 1)
          guard count.multipliedReportingOverflow(by: a.type.size).partialValue <= a.value.count,
            !count.multipliedReportingOverflow(by: a.type.size).overflow
          else { throw FormatProblem.damaged("the value of attribute '\(a.name)' is cut short") }
        case .other(let typeClass, _):
          throw FormatProblem.unsupported("attribute '\(a.name)' of type class \(typeClass)")
        }
      }
      if h.first(ObjectHeader.MessageType.layout) != nil { try validateDataset(h, name) }
      for entry in try entries(h) ?? [] {
        guard let member = entry.header else { throw FormatProblem.unsupported("'\(entry.name)' is a soft link") }
        if let cached = entry.cachedTable {
          var table = ByteCursor(try header(member).first(ObjectHeader.MessageType.symbolTable)?.data ?? [], "the symbol table of '\(entry.name)'")
          guard try table.uint(file.offsetSize) == cached.btree, try table.uint(file.offsetSize) == cached.heap else {
            throw FormatProblem.damaged("the symbol table cached for '\(entry.name)' is not its own")
          }
        }
        members.append((entry.name, member))
      }
    } catch let p as FormatProblem {
      throw p.unsupported ? HDF5Error.unsupported(path: path, name: name, detail: p.detail) : HDF5Error.damaged(path: path, name: name, detail: p.detail)
    }
    for (member, header) in members {
      try validate(header, name == "/" ? member : "\(name)/\(member)", depth: depth + 1, &visited)
    }
  }

  /// Checks a dataset's storage: inside the file and as large as its shape, its chunk index,
  /// and every string.
  private func validateDataset(_ h: ObjectHeader, _ name: String) throws {
    let d = try dataset(of: h, name)
    switch d.type {
    case .integer, .float, .fixedString, .variableString, .other(0, _), .other(1, _): break
    case .other(let typeClass, _): throw FormatProblem.unsupported("a dataset of type class \(typeClass)")
    }
    guard d.type.size > 0 else { throw FormatProblem.damaged("elements of 0 bytes") }
    let count = try checkedBytes(d.dims, elementSize: 1)
    let bytes = try checkedBytes(d.dims, elementSize: d.type.size)
    let shape = try d.dims.map { d in
      guard let n = Int(exactly: d) else { throw FormatProblem.damaged("a dimension of \(d)") }
      return n
    }
    switch d.layout {
    case .compact(let data):
      guard data.count >= bytes else { throw FormatProblem.damaged("its compact data holds \(data.count) bytes of \(bytes)") }
    case .contiguous(let address, let size):
      if address != file.undefinedAddress {
        guard size >= UInt64(bytes), file.holds(try file.position(address, "its data"), bytes) else {
          throw FormatProblem.damaged("its \(bytes) bytes of data do not lie in the file")
        }
      }
    case .chunked(let btree, let chunk, let elementSize):
      guard elementSize == d.type.size else { throw FormatProblem.damaged("chunks of \(elementSize)-byte elements for \(d.type.size)-byte values") }
      _ = try ChunkIndex.read(btree: btree, shape: shape, chunk: chunk, elementSize: elementSize, file: file)
    }
    if case .variableString = d.type, count > 0 {
      guard d.type.size == 8 + file.offsetSize else { throw FormatProblem.damaged("string heap IDs of \(d.type.size) bytes") }
      _ = try strings(d, shape: shape, count: count, name)
    }
  }

  /// The bytes of `dims` elements of `elementSize` bytes, refused when beyond the file's size.
  func checkedBytes(_ dims: [UInt64], elementSize: Int) throws -> Int {
    var bytes = UInt64(elementSize)
    for d in dims {
      let (product, overflow) = bytes.multipliedReportingOverflow(by: d)
      guard !overflow else { throw FormatProblem.damaged("shape \(dims) declares more than 2^64 bytes") }
      bytes = product
    }
    // with 1-byte elements the count itself: a count beyond the file can't be backed
    guard bytes <= UInt64(file.size) else {
      throw FormatProblem.damaged("shape \(dims) of \(elementSize)-byte values declares \(bytes) bytes, more than the file's \(file.size)")
    }
    return Int(bytes)
  }
}
