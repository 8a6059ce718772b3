import DataSets
import Foundation
import HDF5Files

/// Writing mined negatives into a data set without risking it: the file is copied, the copy
/// gets the new `/mined` group, and only then replaces the original.
enum MinedNegatives {
  static func write(
    into path: String, negatives: [Int64], scores: [Float], positiveScores: [Float], k: Int, attributes: [String: String]
  ) throws {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
    try? FileManager.default.removeItem(atPath: temporary)
    try FileManager.default.copyItem(atPath: path, toPath: temporary)
    do {
      let file = try HDF5File.open(path: temporary, writable: true)
      try file.remove("mined")
      try file.remove("teacher")  // teacher scores were of the previous negatives
      let rows = positiveScores.count
      try file.write(DataSetLayout.minedNegatives, shape: [rows, k], values: negatives)
      try file.write(DataSetLayout.minedScores, shape: [rows, k], values: scores)
      try file.write(DataSetLayout.minedPositiveScores, shape: [rows], values: positiveScores)
      for (name, value) in attributes.sorted(by: { $0.key < $1.key }) { try file.setAttribute(name, value, on: "mined") }
      try file.flush()
    } catch {
      try? FileManager.default.removeItem(atPath: temporary)
      throw error
    }
    guard rename(temporary, path) == 0 else {
      try? FileManager.default.removeItem(atPath: temporary)
      throw DataSetError.notADataSet(path: path, detail: "cannot move the mined file into place")
    }
  }
}
