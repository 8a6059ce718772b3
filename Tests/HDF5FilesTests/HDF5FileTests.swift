import Foundation
import HDF5Files
import TestSupport
import Testing

@Suite struct HDF5FileTests {
  @Test func datasetsAndAttributesRoundTrip() throws {
    let path = Fixtures.temporaryDirectory().appendingPathComponent("e.h5").path
    let values: [Float] = [1, -2, 3.5, 0, 1e-8, 7]
    do {
      let f = try HDF5File.create(path: path)
      try f.write("embeddings", shape: [2, 3], floats: values)
      try f.setAttribute("model", "모델 / model")
      try f.setAttribute("prefix", "")
      try f.flush()
    }
    let f = try HDF5File.open(path: path)
    #expect(try f.shape("embeddings") == [2, 3])
    #expect(try f.readFloats("embeddings") == values)
    #expect(try f.attribute("model") == "모델 / model")
    #expect(try f.attribute("prefix") == "")
    let missing = #expect(throws: HDF5Error.self) { try f.readFloats("scores") }
    #expect("\(missing!)".contains("'scores'") && "\(missing!)".contains(path))
    let noAttribute = #expect(throws: HDF5Error.self) { try f.attribute("date") }
    #expect("\(noAttribute!)".contains("'date'"))
  }

  @Test func missingCorruptAndTruncatedFilesAreRefused() throws {
    let dir = Fixtures.temporaryDirectory()
    let e1 = #expect(throws: HDF5Error.self) { try HDF5File.open(path: dir.path + "/none.h5") }
    #expect("\(e1!)".contains("none.h5"))
    let junk = dir.appendingPathComponent("junk.h5").path
    try Data("not an HDF5 file at all".utf8).write(to: URL(fileURLWithPath: junk))
    let e2 = #expect(throws: HDF5Error.self) { try HDF5File.open(path: junk) }
    #expect("\(e2!)".contains("junk.h5") && "\(e2!)".contains("not an HDF5 file"))

    let good = dir.appendingPathComponent("good.h5").path
    do {
      let f = try HDF5File.create(path: good)
      try f.write("embeddings", shape: [100, 8], floats: [Float](repeating: 1, count: 800))
    }
    let data = try Data(contentsOf: URL(fileURLWithPath: good))
    let cut = dir.appendingPathComponent("cut.h5").path
    try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
    // a truncated file is refused before libhdf5 sees it, with both lengths
    let e3 = #expect(throws: HDF5Error.self) { try HDF5File.open(path: cut) }
    #expect("\(e3!)".contains("cut.h5: cannot open as an HDF5 file: truncated: the file has \(data.count / 2) bytes, its superblock records \(data.count)"))
    // cut inside the superblock itself
    let stub = dir.appendingPathComponent("stub.h5").path
    try data.prefix(20).write(to: URL(fileURLWithPath: stub))
    let e4 = #expect(throws: HDF5Error.self) { try HDF5File.open(path: stub) }
    #expect("\(e4!)".contains("superblock at byte 0 is cut short"))
    // one byte short of whole
    let short = dir.appendingPathComponent("short.h5").path
    try data.prefix(data.count - 1).write(to: URL(fileURLWithPath: short))
    #expect(throws: HDF5Error.self) { try HDF5File.open(path: short) }
    // the whole file still opens
    #expect(try HDF5File.open(path: good).readFloats("embeddings").count == 800)
  }
}
