import CHDF5
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// HDF5 files for the datasets this project stores: numeric arrays of any rank (read whole or
/// by rows), string arrays, groups, and string attributes on any object. Files are readable by
/// h5py. Names are paths from the root ("corpus/ids"); groups on the way are created as needed.
///
/// libhdf5 writes (files this process creates, or opens writable after checking them); a file
/// opened read-only is read by `HDF5Reader` alone, so libhdf5 never parses an untrusted file.
public final class HDF5File {
  public let path: String
  /// The libhdf5 handle of a created or writable file (−1 for a file opened read-only).
  let id: hid_t
  /// The reader of a file opened read-only (nil for libhdf5's files).
  let reader: HDF5Reader?

  private init(path: String, id: hid_t, reader: HDF5Reader? = nil) {
    self.path = path
    self.id = id
    self.reader = reader
  }

  /// Creates (truncates) a file.
  public static func create(path: String) throws -> HDF5File {
    ch5_quiet()
    let id = H5Fcreate(path, ch5_acc_trunc(), ch5_p_default(), ch5_p_default())
    guard id >= 0 else { throw HDF5Error.cannotCreate(path: path, reason: whyNotCreatable(path)) }
    return HDF5File(path: path, id: id)
  }

  /// Why a file cannot be created at `path` (libhdf5 says nothing): a missing directory, a
  /// directory in the way, or what the system says when the file is opened for writing.
  static func whyNotCreatable(_ path: String) -> String {
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
      return "directory \(directory) does not exist"
    }
    guard isDirectory.boolValue else { return "\(directory) is not a directory" }
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      return "it is a directory"
    }
    let existed = FileManager.default.fileExists(atPath: path)
    let fd = Glibc.open(path, O_WRONLY | O_CREAT, 0o644)
    guard fd >= 0 else { return String(cString: strerror(errno)) }
    close(fd)
    if !existed { unlink(path) }
    return "libhdf5 could not create it"
  }

  /// Opens an existing file, read-only unless `writable`. A file that is not HDF5, or shorter
  /// than its superblock records (truncated), is refused before anything else is read. A
  /// read-only file is read by `HDF5Reader`; a writable one is first walked whole by it (every
  /// object, attribute, chunk and string libhdf5 could touch), and only an undamaged file within
  /// the reader's subset is handed to libhdf5.
  public static func open(path: String, writable: Bool = false) throws -> HDF5File {
    guard FileManager.default.fileExists(atPath: path) else { throw HDF5Error.cannotOpen(path: path) }
    guard let superblock = try Superblock.read(path: path) else {
      throw HDF5Error.corrupt(path: path, detail: "not an HDF5 file (no HDF5 signature)")
    }
    guard superblock.fileLength >= superblock.requiredLength else {
      throw HDF5Error.corrupt(path: path, detail: "truncated: the file has \(superblock.fileLength) bytes, "
        + "its superblock records \(superblock.requiredLength)")
    }
    let reader = try HDF5Reader(path: path, superblock: superblock)
    guard writable else { return HDF5File(path: path, id: -1, reader: reader) }
    try reader.validateAll()
    ch5_quiet()
    let id = H5Fopen(path, ch5_acc_rdwr(), ch5_p_default())
    guard id >= 0 else { throw HDF5Error.cannotOpen(path: path) }
    return HDF5File(path: path, id: id)
  }

  deinit { if id >= 0 { H5Fclose(id) } }

  public func flush() throws {
    if reader != nil { return }  // nothing written
    guard H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0 else { throw HDF5Error.failed(path: path, what: "flushing") }
  }

  /// Whether a dataset or group exists at `name` (every group on the way must exist too).
  public func exists(_ name: String) -> Bool {
    if let reader { return reader.exists(name) }
    var prefix = ""
    for part in name.split(separator: "/") {
      prefix += (prefix.isEmpty ? "" : "/") + part
      guard H5Lexists(id, prefix, ch5_p_default()) > 0 else { return false }
    }
    return true
  }

  /// Removes the link `name` if it exists (the space is not reclaimed until the file is copied).
  public func remove(_ name: String) throws {
    try requireWritable("removing '\(name)'")
    guard exists(name) else { return }
    guard H5Ldelete(id, name, ch5_p_default()) >= 0 else { throw HDF5Error.failed(path: path, what: "removing '\(name)'") }
  }

  /// The members of group `name` ("" or "/" for the root), in name order: each with whether it
  /// is a group.
  public func members(of name: String) throws -> [(name: String, isGroup: Bool)] {
    if let reader { return try reader.members(of: name) }
    let group = H5Gopen2(id, name.isEmpty ? "/" : name, ch5_p_default())
    guard group >= 0 else { throw HDF5Error.missing(path: path, name: name) }
    defer { H5Gclose(group) }
    var info = H5G_info_t()
    guard H5Gget_info(group, &info) >= 0 else { throw HDF5Error.failed(path: path, what: "listing '\(name)'") }
    return try (0..<info.nlinks).map { i in
      let size = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, ch5_p_default())
      guard size >= 0 else { throw HDF5Error.failed(path: path, what: "listing '\(name)'") }
      var buf = [CChar](repeating: 0, count: Int(size) + 1)
      H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count, ch5_p_default())
      let member = String(cString: buf)
      let object = H5Oopen(group, member, ch5_p_default())
      defer { if object >= 0 { H5Oclose(object) } }
      return (member, object >= 0 && H5Iget_type(object) == H5I_GROUP)
    }
  }

  /// A link-creation property list that creates missing groups on the way.
  func intermediateGroups() -> hid_t {
    let plist = ch5_link_create()
    H5Pset_create_intermediate_group(plist, 1)
    return plist
  }

  /// Creates group `name` (and any on the way) unless it exists.
  public func createGroup(_ name: String) throws {
    try requireWritable("creating group '\(name)'")
    if exists(name) { return }
    let plist = intermediateGroups()
    defer { H5Pclose(plist) }
    let group = H5Gcreate2(id, name, plist, ch5_p_default(), ch5_p_default())
    guard group >= 0 else { throw HDF5Error.failed(path: path, what: "creating group '\(name)'") }
    H5Gclose(group)
  }

  /// Refuses a change to a file opened read-only.
  func requireWritable(_ what: String) throws {
    guard reader == nil else { throw HDF5Error.failed(path: path, what: "\(what) (the file is open read-only)") }
  }

  /// Opens object `name` ("/" is the root) of a libhdf5 file for attribute access.
  func withObject<R>(_ name: String, _ body: (hid_t) throws -> R) throws -> R {
    try requireWritable("changing '\(name)'")
    guard name == "/" || name.isEmpty || exists(name) else { throw HDF5Error.missing(path: path, name: name) }
    let object = H5Oopen(id, name.isEmpty ? "/" : name, ch5_p_default())
    guard object >= 0 else { throw HDF5Error.missing(path: path, name: name) }
    defer { H5Oclose(object) }
    return try body(object)
  }

  /// Sets a variable-length UTF-8 string attribute on object `on` (default: the root).
  public func setAttribute(_ name: String, _ value: String, on objectName: String = "/") throws {
    try withObject(objectName) { object in
      let type = stringType()
      defer { H5Tclose(type) }
      let space = H5Screate(H5S_SCALAR)
      defer { H5Sclose(space) }
      if H5Aexists(object, name) > 0 { H5Adelete(object, name) }
      let attr = H5Acreate2(object, name, type, space, ch5_p_default(), ch5_p_default())
      guard attr >= 0 else { throw HDF5Error.failed(path: path, what: "creating attribute '\(name)'") }
      defer { H5Aclose(attr) }
      let rc = value.withCString { cs -> herr_t in
        var p: UnsafePointer<CChar>? = cs
        return H5Awrite(attr, type, &p)
      }
      guard rc >= 0 else { throw HDF5Error.failed(path: path, what: "writing attribute '\(name)'") }
    }
  }

  /// Reads a string attribute of object `of` (default: the root).
  public func attribute(_ name: String, of objectName: String = "/") throws -> String {
    if let reader { return try reader.attribute(name, of: objectName) }
    let full = objectName == "/" ? name : "\(objectName)@\(name)"
    return try withObject(objectName) { object in
      guard H5Aexists(object, name) > 0 else { throw HDF5Error.missing(path: path, name: full) }
      let attr = H5Aopen(object, name, ch5_p_default())
      defer { H5Aclose(attr) }
      let type = H5Aget_type(attr)
      defer { H5Tclose(type) }
      guard H5Tget_class(type) == H5T_STRING else {
        throw HDF5Error.wrongType(path: path, name: full, found: typeDescription(type), expected: "string")
      }
      if H5Tis_variable_str(type) > 0 {
        let memType = stringType()
        defer { H5Tclose(memType) }
        var p: UnsafeMutablePointer<CChar>? = nil
        guard H5Aread(attr, memType, &p) >= 0, let p else { throw HDF5Error.failed(path: path, what: "reading attribute '\(full)'") }
        defer { H5free_memory(p) }
        return String(cString: p)
      }
      let size = H5Tget_size(type)
      var buf = [CChar](repeating: 0, count: size + 1)
      guard H5Aread(attr, type, &buf) >= 0 else { throw HDF5Error.failed(path: path, what: "reading attribute '\(full)'") }
      return String(cString: buf)
    }
  }

  /// The names of the attributes of object `of`, in name order.
  public func attributeNames(of objectName: String = "/") throws -> [String] {
    if let reader { return try reader.attributeNames(of: objectName) }
    return try withObject(objectName) { object in
      var info = H5O_info_t()
      guard H5Oget_info2(object, &info, UInt32(H5O_INFO_NUM_ATTRS)) >= 0 else { throw HDF5Error.failed(path: path, what: "reading '\(objectName)'") }
      return (0..<info.num_attrs).map { i in
        let size = H5Aget_name_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, ch5_p_default())
        var buf = [CChar](repeating: 0, count: max(Int(size), 0) + 1)
        H5Aget_name_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count, ch5_p_default())
        return String(cString: buf)
      }
    }
  }

  /// Variable-length UTF-8 strings.
  func stringType() -> hid_t {
    let type = H5Tcopy(ch5_c_s1())
    H5Tset_size(type, ch5_variable())
    H5Tset_cset(type, H5T_CSET_UTF8)
    return type
  }
}
