import Foundation
import HDF5Files
import TestSupport
import Testing

@Suite struct DamagedFileTests {
  func file(_ name: String = "d.h5", _ fill: (HDF5File) throws -> Void) throws -> String {
    let path = Fixtures.temporaryDirectory().appendingPathComponent(name).path
    do {
      let f = try HDF5File.create(path: path)
      try fill(f)
      try f.flush()
    }
    return path
  }

  // D7: a declared shape far beyond the file was allocated before anything was checked
  @Test func aDatasetDeclaringMoreThanTheFileHoldsIsRefusedBeforeReading() throws {
    let path = try file { try $0.write("examples/negatives", shape: [830, 7], values: [Int64](repeating: -1, count: 5810), chunkRows: 830) }
    try FilePatch.replace(path, FilePatch.dims([830, 7]), FilePatch.dims([830, 1_000_000_000_000_000]))
    let f = try HDF5File.open(path: path)
    #expect(try f.shape("examples/negatives") == [830, 1_000_000_000_000_000])
    let e = #expect(throws: HDF5Error.self) { try f.read("examples/negatives", as: Int64.self) }
    #expect("\(e!)".contains(path) && "\(e!)".contains("'examples/negatives'") && "\(e!)".contains("more than the file"), "\(e!)")
    // rows within the declared shape are refused too: they lie past the file's end
    let e2 = #expect(throws: HDF5Error.self) { try f.read("examples/negatives", rows: 0..<1, as: Int64.self) }
    #expect("\(e2!)".contains("'examples/negatives'"), "\(e2!)")
    // a product of dimensions that overflows
    try FilePatch.replace(path, FilePatch.dims([830, 1_000_000_000_000_000]), FilePatch.dims([1 << 40, 1 << 40]))
    let e3 = #expect(throws: HDF5Error.self) { try HDF5File.open(path: path).read("examples/negatives", as: Int64.self) }
    #expect("\(e3!)".contains("'examples/negatives'"), "\(e3!)")
  }

  // D18: a create failure named no reason
  @Test func aCreateFailureNamesTheFileAndTheReason() throws {
    let missing = Fixtures.temporaryDirectory().path + "/no/such/dir/x.h5"
    let e = #expect(throws: HDF5Error.self) { try HDF5File.create(path: missing) }
    #expect("\(e!)" == "\(missing): cannot create HDF5 file: directory \(URL(fileURLWithPath: missing).deletingLastPathComponent().path) does not exist", "\(e!)")
    let dir = Fixtures.temporaryDirectory()
    try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir.path)
    defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path) }
    if getuid() != 0 {  // root writes anywhere
      let e2 = #expect(throws: HDF5Error.self) { try HDF5File.create(path: dir.path + "/x.h5") }
      #expect("\(e2!)".contains("Permission denied"), "\(e2!)")
    }
    let e3 = #expect(throws: HDF5Error.self) { try HDF5File.create(path: dir.path) }
    #expect("\(e3!)".contains("is a directory"), "\(e3!)")
  }

  /// A file with string attributes and a string dataset, whose strings share a global heap.
  func strings() throws -> String {
    try file {
      try $0.setAttribute("format", "trainer-dataset")
      try $0.write("corpus/texts", strings: ["first text", "second", "셋째 문장"])
    }
  }

  /// The offset of the global heap collection in the file's bytes.
  func heap(_ path: String) throws -> (bytes: [UInt8], at: Int) {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    return (bytes, try #require(FilePatch.find(bytes, Array("GCOL".utf8))))
  }

  // D8: libhdf5 segfaulted (or looped) loading a global heap whose object sizes were damaged
  @Test func aGlobalHeapWithDamagedObjectSizesIsRefusedBeforeLibHDF5ReadsIt() throws {
    for (offsetInObject, value) in [(8, UInt8(0xF0)), (11, 0xFF), (8, 0x07)] {
      let path = try strings()
      var (bytes, at) = try heap(path)
      // the first object's header: index u16, references u16, reserved u32, size u64
      bytes[at + 16 + offsetInObject] ^= value
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      let e = #expect(throws: HDF5Error.self) {
        let f = try HDF5File.open(path: path)
        _ = try f.attribute("format")
        _ = try f.readStrings("corpus/texts")
      }
      #expect("\(e!)".contains(path) && "\(e!)".contains("global heap at byte \(at)"), "\(e!)")
    }
  }

  // D8: … or read past its object list for a heap ID naming an object it does not have
  @Test func aStringDatasetWhoseHeapIDsAreDamagedIsRefused() throws {
    let path = try strings()
    let (bytes, at) = try heap(path)
    // the heap ID of text 1 ("second", 6 bytes): length u32, collection address u64, index u32
    let id = Array(withUnsafeBytes(of: UInt32(6).littleEndian) { Array($0) } + withUnsafeBytes(of: UInt64(at).littleEndian) { Array($0) })
    let position = try #require(FilePatch.find(bytes, id))
    var damaged = bytes
    damaged[position + 12] = 0xEE
    try Data(damaged).write(to: URL(fileURLWithPath: path))
    let e = #expect(throws: HDF5Error.self) { try HDF5File.open(path: path).readStrings("corpus/texts") }
    #expect("\(e!)".contains("'corpus/texts'") && "\(e!)".contains("row 1"), "\(e!)")
    // a length that disagrees with the object's size
    damaged = bytes
    damaged[position] = 60
    try Data(damaged).write(to: URL(fileURLWithPath: path))
    let e2 = #expect(throws: HDF5Error.self) { try HDF5File.open(path: path).readStrings("corpus/texts") }
    #expect("\(e2!)".contains("row 1"), "\(e2!)")
    // undamaged, everything reads
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    #expect(try HDF5File.open(path: path).readStrings("corpus/texts") == ["first text", "second", "셋째 문장"])
  }
}
