import DataSets
import Foundation
import HDF5Files
import Recipes
import Training

/// The HDF5 data-set reader as trainer uses it: `trainer data inspect` (the file's
/// groups, attributes, shapes and types; then the data set, its texts, data and mined negatives),
/// `trainer run` on an hdf5 source (TrainingData.loadSources, with and without the teacher's
/// scores), the token ids of corpus rows that training composes, and a writable open that
/// changes groups as DataSetUpdate does. libhdf5 itself is not instrumented; traps and memory
/// errors in our code, and crashes anywhere, are what this finds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  // a new name each time: libhdf5 keeps a file open while any of its objects is
  DataSetHarness.count += 1
  let path = FuzzInput.write(data, size, name: "data-\(DataSetHarness.count).h5")
  defer { try? FileManager.default.removeItem(atPath: path) }
  if let file = try? HDF5File.open(path: path) {
    DataSetHarness.walk(file, "/")
  }
  if let d = try? DataSetFile(path: path) {
    _ = try? d.texts()
    let rows = min(d.corpusCount, 64)
    for row in 0..<rows { _ = try? d.ids(row) }
    _ = try? d.ids(0..<rows)
    for e in 0..<min(d.exampleCount, 64) { _ = d.negatives(of: e) }
    if let mined = try? d.mined() {
      for e in 0..<min(d.exampleCount, 64) { _ = mined.of(e) }
    }
    _ = try? d.teacherScores()
    if let t = try? d.teacherEmbeddings() { _ = t.of(0) }
    _ = try? d.exampleRows()
  }
  // what `trainer mine` and `trainer score` do to a data set (DataSetUpdate): the file is walked
  // by the reader, and only then opened by libhdf5 to remove and add groups
  if let file = try? HDF5File.open(path: path, writable: true) {
    try? file.remove("mined")
    try? file.setAttribute("model", "fuzz", on: "teacher")
    try? file.write("teacher/scores", shape: [2], floats: [1, 2])
    try? file.flush()
  }
  let dataSets = DataSetFiles()  // the file opened once for every source, as in a run
  for negatives in [Recipe.NegativeSource.auto, .data, .mined] {
    for teacher in [false, true] {
      let source = Recipe.DataSource(format: .hdf5, paths: [path], negatives: negatives)
      _ = try? TrainingData.loadSources([source], dataSets: dataSets, teacher: teacher)
    }
  }
  return 0
}

enum DataSetHarness {
  nonisolated(unsafe) static var count = 0

  /// What `trainer data inspect` reads of every group: attributes, members, types and shapes.
  static func walk(_ file: HDF5File, _ group: String, depth: Int = 0) {
    guard depth < 8 else { return }
    for name in (try? file.attributeNames(of: group)) ?? [] { _ = try? file.attribute(name, of: group) }
    for member in (try? file.members(of: group)) ?? [] {
      let path = group == "/" ? member.name : "\(group)/\(member.name)"
      if member.isGroup {
        walk(file, path, depth: depth + 1)
      } else {
        _ = try? file.typeName(path)
        _ = try? file.shape(path)
      }
    }
  }
}
