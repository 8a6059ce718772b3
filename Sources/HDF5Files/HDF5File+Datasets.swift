import CHDF5
import Foundation

extension HDF5File {
  /// Writes a numeric dataset of `shape` (row-major), replacing any dataset of that name.
  /// `chunkRows` stores it in chunks of that many rows (for reading a few rows at a time).
  public func write<T: HDF5Element>(_ name: String, shape: [Int], values: [T], chunkRows: Int? = nil) throws {
    precondition(values.count == shape.reduce(1, *), "dataset \(name): \(values.count) values for shape \(shape)")
    try values.withUnsafeBytes { try write(name, shape: shape, type: T.memoryType, data: $0.baseAddress, chunkRows: chunkRows) }
  }

  public func write(_ name: String, shape: [Int], floats: [Float]) throws {
    try write(name, shape: shape, values: floats)
  }

  func write(_ name: String, shape: [Int], type: hid_t, data: UnsafeRawPointer?, chunkRows: Int?) throws {
    try remove(name)
    var dims = shape.map { hsize_t($0) }
    let space = H5Screate_simple(Int32(dims.count), &dims, nil)
    guard space >= 0 else { throw HDF5Error.failed(path: path, what: "creating the dataspace of '\(name)'") }
    defer { H5Sclose(space) }
    let links = intermediateGroups()
    defer { H5Pclose(links) }
    let create = ch5_dataset_create()
    defer { H5Pclose(create) }
    if let chunkRows, let rows = shape.first, rows > 0 {
      var chunk = dims
      chunk[0] = hsize_t(min(max(chunkRows, 1), rows))
      H5Pset_chunk(create, Int32(chunk.count), &chunk)
    }
    let ds = H5Dcreate2(id, name, type, space, links, create, ch5_p_default())
    guard ds >= 0 else { throw HDF5Error.failed(path: path, what: "creating dataset '\(name)'") }
    defer { H5Dclose(ds) }
    guard shape.reduce(1, *) == 0 || H5Dwrite(ds, type, ch5_s_all(), ch5_s_all(), ch5_p_default(), data) >= 0 else {
      throw HDF5Error.failed(path: path, what: "writing dataset '\(name)'")
    }
  }

  /// Opens dataset `name` for the body.
  func withDataset<R>(_ name: String, _ body: (hid_t) throws -> R) throws -> R {
    guard exists(name) else { throw HDF5Error.missing(path: path, name: name) }
    let ds = H5Dopen2(id, name, ch5_p_default())
    guard ds >= 0 else { throw HDF5Error.missing(path: path, name: name) }
    defer { H5Dclose(ds) }
    return try body(ds)
  }

  /// The shape of dataset `name`.
  public func shape(_ name: String) throws -> [Int] {
    if let reader { return try reader.withDataset(name) { try shape($0.dims, name) } }
    return try withDataset(name) { try shape(of: $0, name) }
  }

  /// Stored dimensions as a shape; a dimension beyond Int is refused.
  func shape(_ dims: [UInt64], _ name: String) throws -> [Int] {
    try dims.map { d in
      guard let n = Int(exactly: d) else { throw HDF5Error.wrongShape(path: path, name: name, detail: "a dimension of \(d)") }
      return n
    }
  }

  /// The shape of open dataset `name`; a dimension beyond Int is refused.
  func shape(of ds: hid_t, _ name: String) throws -> [Int] {
    let space = H5Dget_space(ds)
    guard space >= 0 else { throw HDF5Error.failed(path: path, what: "reading the shape of '\(name)'") }
    defer { H5Sclose(space) }
    let rank = Int(H5Sget_simple_extent_ndims(space))
    guard rank >= 0 else { throw HDF5Error.failed(path: path, what: "reading the shape of '\(name)'") }
    var dims = [hsize_t](repeating: 0, count: max(rank, 1))
    H5Sget_simple_extent_dims(space, &dims, nil)
    return try shape(Array(dims.prefix(rank)), name)
  }

  /// The elements of `shape`, refused unless they and their `elementSize`-byte values fit the
  /// file: a stored (uncompressed) dataset cannot hold more bytes than the file has, so a larger
  /// declared shape is damage, found before anything is allocated for it.
  func checkedCount(_ shape: [Int], elementSize: Int, _ name: String) throws -> Int {
    var bytes = elementSize, count = 1
    var overflow = false
    for d in shape where !overflow {
      (count, overflow) = count.multipliedReportingOverflow(by: d)
      if !overflow { (bytes, overflow) = bytes.multipliedReportingOverflow(by: d) }
    }
    var fileSize: hsize_t = 0
    if let reader {
      fileSize = hsize_t(reader.file.size)
    } else {
      guard H5Fget_filesize(id, &fileSize) >= 0 else { throw HDF5Error.failed(path: path, what: "reading the file's size") }
    }
    guard !overflow, UInt64(bytes) <= fileSize else {
      throw HDF5Error.wrongShape(
        path: path, name: name,
        detail: "shape \(shape) of \(elementSize)-byte values declares \(overflow ? "more than 2^63" : "\(bytes)") bytes, more than the file's \(fileSize)")
    }
    return count
  }

  /// The shape of dataset `name`, checked against the file's size (see `checkedCount`).
  public func checkedShape(_ name: String) throws -> [Int] {
    if let reader {
      return try reader.withDataset(name) { d in
        let shape = try shape(d.dims, name)
        _ = try checkedCount(shape, elementSize: max(d.type.size, 1), name)
        return shape
      }
    }
    return try withDataset(name) { ds in
      let shape = try shape(of: ds, name)
      let type = H5Dget_type(ds)
      defer { H5Tclose(type) }
      _ = try checkedCount(shape, elementSize: max(H5Tget_size(type), 1), name)
      return shape
    }
  }

  /// The stored element type of dataset `name`: int32, int64, float32, string, ….
  public func typeName(_ name: String) throws -> String {
    if let reader { return try reader.withDataset(name) { $0.type.description } }
    return try withDataset(name) { ds in
      let type = H5Dget_type(ds)
      defer { H5Tclose(type) }
      return typeDescription(type)
    }
  }

  /// Every value of dataset `name`, which must hold `T`s.
  public func read<T: HDF5Element>(_ name: String, as: T.Type = T.self) throws -> [T] {
    try read(name, only: nil, as: T.self)
  }

  public func readFloats(_ name: String) throws -> [Float] { try read(name) }

  /// Rows `rows` (along the first dimension) of dataset `name`, row-major; reads only them.
  public func read<T: HDF5Element>(_ name: String, rows: Range<Int>, as: T.Type = T.self) throws -> [T] {
    try read(name, only: rows, as: T.self)
  }

  /// Rows `only` of dataset `name`, or all of them (nil), with the dataset opened once.
  func read<T: HDF5Element>(_ name: String, only: Range<Int>?, as: T.Type) throws -> [T] {
    if let reader { return try read(name, only: only, as: T.self, reader) }
    return try withDataset(name) { ds in
      let shape = try shape(of: ds, name)
      let rows = only ?? 0..<(shape.first ?? 1)
      let type = H5Dget_type(ds)
      defer { H5Tclose(type) }
      guard H5Tget_class(type) == T.typeClass, H5Tget_size(type) == MemoryLayout<T>.size else {
        throw HDF5Error.wrongType(path: path, name: name, found: typeDescription(type), expected: T.typeName)
      }
      _ = try checkedCount(shape, elementSize: MemoryLayout<T>.size, name)
      let total = shape.first ?? 1
      guard rows.lowerBound >= 0, rows.upperBound <= total else {
        throw HDF5Error.wrongShape(path: path, name: name, detail: "rows \(rows) asked of \(total)")
      }
      let rowSize = shape.dropFirst().reduce(1, *)
      var out = [T](repeating: 0, count: rows.count * rowSize)
      if out.isEmpty { return out }
      let fileSpace = H5Dget_space(ds)
      defer { H5Sclose(fileSpace) }
      var memSpace = ch5_s_all()
      if !shape.isEmpty {
        var start = [hsize_t](repeating: 0, count: shape.count), count = shape.map { hsize_t($0) }
        start[0] = hsize_t(rows.lowerBound)
        count[0] = hsize_t(rows.count)
        H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &count, nil)
        memSpace = H5Screate_simple(Int32(count.count), &count, nil)
      }
      defer { if memSpace != ch5_s_all() { H5Sclose(memSpace) } }
      let rc = out.withUnsafeMutableBytes {
        H5Dread(ds, T.memoryType, memSpace, shape.isEmpty ? ch5_s_all() : fileSpace, ch5_p_default(), $0.baseAddress!)
      }
      guard rc >= 0 else { throw HDF5Error.failed(path: path, what: "reading dataset '\(name)'") }
      return out
    }
  }

  /// Writes a 1-D dataset of variable-length UTF-8 strings (h5py reads them as bytes or str).
  public func write(_ name: String, strings: [String]) throws {
    let type = stringType()
    defer { H5Tclose(type) }
    // keep every C string alive while HDF5 copies them
    let cStrings = strings.map { strdup($0) }
    defer { cStrings.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = cStrings.map { $0.map { UnsafePointer($0) } }
    try pointers.withUnsafeMutableBytes {
      try write(name, shape: [strings.count], type: type, data: $0.baseAddress, chunkRows: nil)
    }
  }

  /// Every string of a 1-D string dataset.
  public func readStrings(_ name: String) throws -> [String] {
    if let reader {
      return try reader.withDataset(name) { d in
        guard case .variableString = d.type else {
          throw HDF5Error.wrongType(path: path, name: name, found: d.type.description, expected: "variable-length string")
        }
        guard d.type.size == 8 + reader.file.offsetSize else {
          throw HDF5Error.damaged(path: path, name: name, detail: "string heap IDs of \(d.type.size) bytes")
        }
        let shape = try shape(d.dims, name)
        let n = try checkedCount(shape, elementSize: d.type.size, name)
        return n == 0 ? [] : try reader.strings(d, shape: shape, count: n, name)
      }
    }
    return try withDataset(name) { ds in
      let fileType = H5Dget_type(ds)
      defer { H5Tclose(fileType) }
      guard H5Tget_class(fileType) == H5T_STRING, H5Tis_variable_str(fileType) > 0 else {
        throw HDF5Error.wrongType(path: path, name: name, found: typeDescription(fileType), expected: "variable-length string")
      }
      // a heap ID takes 16 bytes in the file
      let n = try checkedCount(try shape(of: ds, name), elementSize: 16, name)
      if n == 0 { return [] }
      var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: n)
      let type = stringType()
      defer { H5Tclose(type) }
      guard pointers.withUnsafeMutableBytes({ H5Dread(ds, type, ch5_s_all(), ch5_s_all(), ch5_p_default(), $0.baseAddress!) }) >= 0 else {
        throw HDF5Error.failed(path: path, what: "reading dataset '\(name)'")
      }
      defer { pointers.forEach { H5free_memory($0) } }
      return pointers.map { $0.map { String(cString: $0) } ?? "" }
    }
  }
}

extension HDF5File {
  /// Rows `only` (or all) of dataset `name` of a file opened read-only, through its reader.
  func read<T: HDF5Element>(_ name: String, only: Range<Int>?, as: T.Type, _ reader: HDF5Reader) throws -> [T] {
    try reader.withDataset(name) { d in
      let shape = try shape(d.dims, name)
      guard let bigEndian = d.type.holds(T.self) else {
        throw HDF5Error.wrongType(path: path, name: name, found: d.type.description, expected: T.typeName)
      }
      _ = try checkedCount(shape, elementSize: MemoryLayout<T>.size, name)
      let total = shape.first ?? 1
      let rows = only ?? 0..<total
      guard rows.lowerBound >= 0, rows.upperBound <= total else {
        throw HDF5Error.wrongShape(path: path, name: name, detail: "rows \(rows) asked of \(total)")
      }
      if rows.isEmpty { return [] }
      // no overflow: the whole shape's product was checked
      var out = [T](repeating: 0, count: rows.count * shape.dropFirst().reduce(1, *))
      if out.isEmpty { return out }
      try out.withUnsafeMutableBytes { bytes in
        try reader.readRows(d, shape: shape, rows: rows, into: bytes)
        if bigEndian {
          let size = MemoryLayout<T>.size
          for k in stride(from: 0, to: bytes.count, by: size) { bytes[k..<(k + size)].reverse() }
        }
      }
      return out
    }
  }
}
