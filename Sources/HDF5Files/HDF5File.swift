import CHDF5
import Foundation

/// A thin wrapper over libhdf5 for the flat datasets this project stores: float32 arrays of any
/// rank and string attributes on the file root. Files are readable by h5py.
public final class HDF5File {
  public let path: String
  private let id: hid_t
  private let writable: Bool

  private init(path: String, id: hid_t, writable: Bool) {
    self.path = path
    self.id = id
    self.writable = writable
  }

  /// Creates (truncates) a file.
  public static func create(path: String) throws -> HDF5File {
    ch5_quiet()
    let id = H5Fcreate(path, ch5_acc_trunc(), ch5_p_default(), ch5_p_default())
    guard id >= 0 else { throw HDF5Error.cannotCreate(path: path) }
    return HDF5File(path: path, id: id, writable: true)
  }

  /// Opens an existing file read-only.
  public static func open(path: String) throws -> HDF5File {
    ch5_quiet()
    guard FileManager.default.fileExists(atPath: path) else { throw HDF5Error.cannotOpen(path: path) }
    guard let superblock = try Superblock.read(path: path) else {
      throw HDF5Error.corrupt(path: path, detail: "not an HDF5 file (no HDF5 signature)")
    }
    guard superblock.fileLength >= superblock.requiredLength else {
      throw HDF5Error.corrupt(path: path, detail: "truncated: the file has \(superblock.fileLength) bytes, "
        + "its superblock records \(superblock.requiredLength)")
    }
    let id = H5Fopen(path, ch5_acc_rdonly(), ch5_p_default())
    guard id >= 0 else { throw HDF5Error.cannotOpen(path: path) }
    return HDF5File(path: path, id: id, writable: false)
  }

  deinit { H5Fclose(id) }

  private func write(_ name: String, shape: [Int], type: hid_t, data: UnsafeRawPointer) throws {
    var dims = shape.map { hsize_t($0) }
    let space = H5Screate_simple(Int32(dims.count), &dims, nil)
    guard space >= 0 else { throw HDF5Error.failed(path: path, what: "creating the dataspace of '\(name)'") }
    defer { H5Sclose(space) }
    let ds = H5Dcreate2(id, name, type, space, ch5_p_default(), ch5_p_default(), ch5_p_default())
    guard ds >= 0 else { throw HDF5Error.failed(path: path, what: "creating dataset '\(name)'") }
    defer { H5Dclose(ds) }
    guard H5Dwrite(ds, type, ch5_s_all(), ch5_s_all(), ch5_p_default(), data) >= 0 else {
      throw HDF5Error.failed(path: path, what: "writing dataset '\(name)'")
    }
  }

  public func write(_ name: String, shape: [Int], floats: [Float]) throws {
    precondition(floats.count == shape.reduce(1, *), "dataset \(name): \(floats.count) values for shape \(shape)")
    try floats.withUnsafeBytes { try write(name, shape: shape, type: ch5_native_float(), data: $0.baseAddress!) }
  }

  /// The shape of dataset `name`.
  public func shape(_ name: String) throws -> [Int] {
    guard H5Lexists(id, name, ch5_p_default()) > 0 else { throw HDF5Error.missing(path: path, name: name) }
    let ds = H5Dopen2(id, name, ch5_p_default())
    guard ds >= 0 else { throw HDF5Error.missing(path: path, name: name) }
    defer { H5Dclose(ds) }
    let space = H5Dget_space(ds)
    defer { H5Sclose(space) }
    let rank = Int(H5Sget_simple_extent_ndims(space))
    var dims = [hsize_t](repeating: 0, count: max(rank, 1))
    H5Sget_simple_extent_dims(space, &dims, nil)
    return dims.prefix(rank).map { Int($0) }
  }

  public func readFloats(_ name: String) throws -> [Float] {
    let n = try shape(name).reduce(1, *)
    let ds = H5Dopen2(id, name, ch5_p_default())
    defer { H5Dclose(ds) }
    var out = [Float](repeating: 0, count: n)
    let rc = out.withUnsafeMutableBytes { H5Dread(ds, ch5_native_float(), ch5_s_all(), ch5_s_all(), ch5_p_default(), $0.baseAddress!) }
    guard rc >= 0 else { throw HDF5Error.failed(path: path, what: "reading dataset '\(name)'") }
    return out
  }

  /// Sets a variable-length UTF-8 string attribute on the file root.
  public func setAttribute(_ name: String, _ value: String) throws {
    let type = H5Tcopy(ch5_c_s1())
    defer { H5Tclose(type) }
    H5Tset_size(type, ch5_variable())
    H5Tset_cset(type, H5T_CSET_UTF8)
    let space = H5Screate(H5S_SCALAR)
    defer { H5Sclose(space) }
    if H5Aexists(id, name) > 0 { H5Adelete(id, name) }
    let attr = H5Acreate2(id, name, type, space, ch5_p_default(), ch5_p_default())
    guard attr >= 0 else { throw HDF5Error.failed(path: path, what: "creating attribute '\(name)'") }
    defer { H5Aclose(attr) }
    let rc = value.withCString { cs -> herr_t in
      var p: UnsafePointer<CChar>? = cs
      return H5Awrite(attr, type, &p)
    }
    guard rc >= 0 else { throw HDF5Error.failed(path: path, what: "writing attribute '\(name)'") }
  }

  /// Reads a string attribute of the file root.
  public func attribute(_ name: String) throws -> String {
    guard H5Aexists(id, name) > 0 else { throw HDF5Error.missing(path: path, name: name) }
    let attr = H5Aopen(id, name, ch5_p_default())
    defer { H5Aclose(attr) }
    let type = H5Aget_type(attr)
    defer { H5Tclose(type) }
    if H5Tis_variable_str(type) > 0 {
      let memType = H5Tcopy(ch5_c_s1())
      defer { H5Tclose(memType) }
      H5Tset_size(memType, ch5_variable())
      H5Tset_cset(memType, H5T_CSET_UTF8)
      var p: UnsafeMutablePointer<CChar>? = nil
      guard H5Aread(attr, memType, &p) >= 0, let p else { throw HDF5Error.failed(path: path, what: "reading attribute '\(name)'") }
      defer { H5free_memory(p) }
      return String(cString: p)
    }
    let size = H5Tget_size(type)
    var buf = [CChar](repeating: 0, count: size + 1)
    guard H5Aread(attr, type, &buf) >= 0 else { throw HDF5Error.failed(path: path, what: "reading attribute '\(name)'") }
    return String(cString: buf)
  }

  public func flush() throws {
    guard H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0 else { throw HDF5Error.failed(path: path, what: "flushing") }
  }
}
