import DataSets
import Foundation
import HDF5Files

/// Writing mined negatives into a data set's `/mined` group (any teacher scores, which were of
/// the previous negatives, are removed with the old group).
enum MinedNegatives {
  static func write(
    into path: String, negatives: [Int64], scores: [Float], positiveScores: [Float], k: Int, attributes: [String: String]
  ) throws {
    try DataSetUpdate.apply(to: path, removing: ["mined", "teacher"]) { file in
      let rows = positiveScores.count
      try file.write(DataSetLayout.minedNegatives, shape: [rows, k], values: negatives)
      try file.write(DataSetLayout.minedScores, shape: [rows, k], values: scores)
      try file.write(DataSetLayout.minedPositiveScores, shape: [rows], values: positiveScores)
      for (name, value) in attributes.sorted(by: { $0.key < $1.key }) { try file.setAttribute(name, value, on: "mined") }
    }
  }
}
