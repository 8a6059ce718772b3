import CHDF5

/// A number type stored in HDF5 datasets: its native memory type, and the class and size a
/// dataset must have to be read as it (HDF5 would otherwise convert silently, e.g. floats into
/// integers).
public protocol HDF5Element: Numeric, Sendable {
  static var memoryType: hid_t { get }
  static var typeClass: H5T_class_t { get }
  /// As `trainer data inspect` prints it: int32, int64, float32.
  static var typeName: String { get }
}

extension Float: HDF5Element {
  public static var memoryType: hid_t { ch5_native_float() }
  public static var typeClass: H5T_class_t { H5T_FLOAT }
  public static var typeName: String { "float32" }
}

extension Int32: HDF5Element {
  public static var memoryType: hid_t { ch5_native_int32() }
  public static var typeClass: H5T_class_t { H5T_INTEGER }
  public static var typeName: String { "int32" }
}

extension Int64: HDF5Element {
  public static var memoryType: hid_t { ch5_native_int64() }
  public static var typeClass: H5T_class_t { H5T_INTEGER }
  public static var typeName: String { "int64" }
}

/// How a dataset's stored type reads, for messages and `trainer data inspect`.
func typeDescription(_ type: hid_t) -> String {
  let size = H5Tget_size(type)
  switch H5Tget_class(type) {
  case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + "\(size * 8)"
  case H5T_FLOAT: return "float\(size * 8)"
  case H5T_STRING: return "string"
  default: return "type class \(H5Tget_class(type).rawValue)"
  }
}

extension Datatype {
  /// Whether values of this stored type read as `T` without conversion (a signed integer or an
  /// IEEE float of `T`'s size): nil if not, else whether they are big-endian.
  func holds<T: HDF5Element>(_: T.Type) -> Bool? {
    switch self {
    case .integer(let size, true, let bigEndian) where T.typeClass == H5T_INTEGER && size == MemoryLayout<T>.size: return bigEndian
    case .float(let size, let bigEndian) where T.typeClass == H5T_FLOAT && size == MemoryLayout<T>.size: return bigEndian
    default: return nil
    }
  }
}
