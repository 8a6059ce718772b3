import Foundation
import HDF5Files

/// Changing a data set without risking it: the file is copied, the copy is changed, and only a
/// complete copy replaces the original (a failure or a kill leaves the original as it was).
public enum DataSetUpdate {
  /// Removes `groups` from a copy of `path`, lets `change` write into it, then renames it over
  /// `path`.
  public static func apply(to path: String, removing groups: [String], _ change: (HDF5File) throws -> Void) throws {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
    try? FileManager.default.removeItem(atPath: temporary)
    try FileManager.default.copyItem(atPath: path, toPath: temporary)
    do {
      let file = try HDF5File.open(path: temporary, writable: true)
      for g in groups { try file.remove(g) }
      try change(file)
      try file.flush()
    } catch {
      try? FileManager.default.removeItem(atPath: temporary)
      throw error
    }
    guard rename(temporary, path) == 0 else {
      try? FileManager.default.removeItem(atPath: temporary)
      throw DataSetError.notADataSet(path: path, detail: "cannot move the changed file into place")
    }
  }
}
