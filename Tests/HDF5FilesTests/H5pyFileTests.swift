import Foundation
import HDF5Files
import TestSupport
import Testing

/// The reader against h5py: Tests/Fixtures/hdf5/h5py.h5 and the values h5py reads from it
/// (h5py.json), both made by tools/reference/hdf5_files.py.
@Suite struct H5pyFileTests {
  let path = Fixtures.path("hdf5/h5py.h5")

  func expected() throws -> (attributes: [String: String], datasets: [String: [Any]], members: [String: [String]]) {
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("hdf5/h5py.json"))))
    let all = try #require(json as? [String: Any])
    return (
      try #require(all["attributes"] as? [String: String]), try #require(all["datasets"] as? [String: [Any]]),
      try #require(all["members"] as? [String: [String]])
    )
  }

  /// Every value of dataset `name` as Doubles, read as its stored type.
  func numbers(_ f: HDF5File, _ name: String, rows: Range<Int>? = nil) throws -> [Double] {
    switch try f.typeName(name) {
    case "int32": return try (rows.map { try f.read(name, rows: $0, as: Int32.self) } ?? f.read(name, as: Int32.self)).map(Double.init)
    case "int64": return try (rows.map { try f.read(name, rows: $0, as: Int64.self) } ?? f.read(name, as: Int64.self)).map(Double.init)
    case "float32": return try (rows.map { try f.read(name, rows: $0, as: Float.self) } ?? f.read(name, as: Float.self)).map(Double.init)
    case let other: Issue.record("\(name): type \(other)"); return []
    }
  }

  @Test func everyDatasetAttributeAndMemberReadsAsH5pyReadsIt() throws {
    let (attributes, datasets, members) = try expected()
    let f = try HDF5File.open(path: path)
    for (key, value) in attributes {
      let parts = key.split(separator: "@", maxSplits: 1).map(String.init)
      let (object, name) = parts.count == 2 ? (parts[0], parts[1]) : ("/", parts[0])
      #expect(try f.attribute(name, of: object) == value, "\(key)")
    }
    for object in Set(attributes.keys.map { $0.contains("@") ? String($0.split(separator: "@")[0]) : "/" }) {
      let names = attributes.keys.filter { object == "/" ? !$0.contains("@") : $0.hasPrefix(object + "@") }
        .map { object == "/" ? $0 : String($0.dropFirst(object.count + 1)) }
      #expect(try f.attributeNames(of: object) == names.sorted(), "\(object)")
    }
    for (group, names) in members {
      let listed = try f.members(of: group)
      #expect(listed.map(\.name) == names, "\(group)")
      for m in listed { #expect(m.isGroup == (members[group == "/" ? m.name : "\(group)/\(m.name)"] != nil), "\(group)/\(m.name)") }
    }
    #expect(datasets.count == 8)
    // libhdf5 reads the same (a copy opened writable: walked by the reader, then read by libhdf5)
    let copy = Fixtures.temporaryDirectory().appendingPathComponent("w.h5").path
    try FileManager.default.copyItem(atPath: path, toPath: copy)
    let w = try HDF5File.open(path: copy, writable: true)
    for (name, values) in datasets {
      if let strings = values as? [String] {
        #expect(try f.readStrings(name) == strings, "\(name)")
        #expect(try w.readStrings(name) == strings, "\(name)")
        continue
      }
      let all = try numbers(f, name)
      #expect(try numbers(w, name) == all, "\(name)")
      #expect(all == values.compactMap { ($0 as? NSNumber)?.doubleValue }, "\(name)")
      // every range of rows, read alone
      let shape = try f.shape(name)
      guard let rows = shape.first, rows > 1 else { continue }
      let rowSize = all.count / rows
      for start in 0..<rows {
        for end in (start + 1)...rows where end - start <= 9 || end == rows {
          #expect(try numbers(f, name, rows: start..<end) == Array(all[(start * rowSize)..<(end * rowSize)]), "\(name) rows \(start)..<\(end)")
        }
      }
    }
  }

  @Test func whatTheReaderDoesNotSupportIsRefusedByName() throws {
    let path = Fixtures.path("hdf5/unsupported.h5")
    let f = try HDF5File.open(path: path)
    #expect(try f.members(of: "/").map(\.name) == ["double", "fixed_strings", "gzip", "soft", "unsigned"])
    for (name, message) in [
      ("gzip", "'gzip': not supported: filters"), ("soft", "'soft': not supported: 'soft' is a soft link"),
      ("unsigned", "'unsigned' holds uint32, expected int32"), ("double", "'double' holds float64, expected int32"),
    ] {
      let e = #expect(throws: HDF5Error.self) { _ = try f.read(name, as: Int32.self) }
      #expect("\(e!)".hasPrefix(path + ": ") && "\(e!)".contains(message), "\(e!)")
    }
    let e = #expect(throws: HDF5Error.self) { _ = try f.readStrings("fixed_strings") }
    #expect("\(e!)".contains("'fixed_strings' holds string, expected variable-length string"), "\(e!)")
    // a file libhdf5 would open for writing is walked first: the soft link is refused
    let copy = Fixtures.temporaryDirectory().appendingPathComponent("u.h5").path
    try FileManager.default.copyItem(atPath: path, toPath: copy)
    let w = #expect(throws: HDF5Error.self) { _ = try HDF5File.open(path: copy, writable: true) }
    #expect("\(w!)".contains("not supported"), "\(w!)")

    let loop = Fixtures.path("hdf5/loop.h5")
    let c = #expect(throws: HDF5Error.self) { _ = try HDF5File.open(path: loop).members(of: "/") }
    #expect("\(c!)".contains("group 'g/back' is a group linked from another place too"), "\(c!)")

    let latest = Fixtures.path("hdf5/latest.h5")
    let l = #expect(throws: HDF5Error.self) { _ = try HDF5File.open(path: latest) }
    #expect("\(l!)".contains("superblock version 3"), "\(l!)")
  }
}
