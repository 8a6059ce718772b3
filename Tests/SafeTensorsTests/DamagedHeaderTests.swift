import Foundation
import SafeTensors
import TestSupport
import Testing

/// Damaged headers are refused as the reference reader (the safetensors crate) refuses them,
/// with the file and tensor named, and without trapping on any number in them.
@Suite struct DamagedHeaderTests {
  /// A file of `header` (JSON text) and `dataBytes` zero bytes of data, or with `length` as the
  /// header's recorded length.
  func write(_ header: String, dataBytes: Int, length: UInt64? = nil) throws -> String {
    var d = Data()
    withUnsafeBytes(of: (length ?? UInt64(header.utf8.count)).littleEndian) { d.append(contentsOf: $0) }
    d.append(Data(header.utf8))
    d.append(Data(count: dataBytes))
    let path = Fixtures.temporaryDirectory().appendingPathComponent("t.safetensors").path
    try d.write(to: URL(fileURLWithPath: path))
    return path
  }

  func error(_ path: String) -> String {
    do {
      _ = try SafeTensorsFile(path: path)
      return "(no error)"
    } catch { return "\(error)" }
  }

  // D6: a header length of 2^63 or more once trapped converting to Int
  @Test func headerLengthOfTwoToTheSixtyThreeIsRefused() throws {
    for length in [UInt64(1) << 63, UInt64.max] {
      let path = try write("{}", dataBytes: 0, length: length)
      let e = error(path)
      #expect(e.contains(path) && e.contains("header length \(length) exceeds the file size"), "\(e)")
    }
  }

  // D6: a shape whose element count overflows Int once trapped in the product
  @Test func shapeWhoseProductOverflowsIsRefused() throws {
    let huge = 1 << 32
    let path = try write(#"{"w":{"dtype":"F32","shape":[\#(huge),\#(huge),4],"data_offsets":[0,16]}}"#, dataBytes: 16)
    let e = error(path)
    #expect(e.contains(path) && e.contains("'w'") && e.contains("overflows"), "\(e)")
  }

  // D19: the reference reader refuses overlapping tensors
  @Test func overlappingTensorsAreRefused() throws {
    let path = try write(
      #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
      dataBytes: 12)
    let e = error(path)
    #expect(e.contains(path) && e.contains("'b'") && e.contains("overlaps"), "\(e)")
    // the same bytes named twice
    let twice = try write(
      #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
      dataBytes: 8)
    #expect(error(twice).contains("overlaps"), "\(error(twice))")
  }

  // D19: … and byte ranges that do not tile the data section (a gap, bytes left at the end)
  @Test func rangesThatDoNotTileTheDataAreRefused() throws {
    let gap = try write(
      #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
      dataBytes: 12)
    let e1 = error(gap)
    #expect(e1.contains(gap) && e1.contains("4..<8 before tensor 'b' belong to no tensor"), "\(e1)")
    let tail = try write(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 10)
    let e2 = error(tail)
    #expect(e2.contains("the tensors end at data byte 4 but the data section has 10 bytes"), "\(e2)")
    let start = try write(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataBytes: 8)
    #expect(error(start).contains("0..<4 before tensor 'a'"), "\(error(start))")
  }

  @Test func aHeaderThatIsNotAnObjectOrOffsetsThatAreNotIntegersAreRefused() throws {
    #expect(error(try write(" {}", dataBytes: 0)).contains("not a JSON object"))
    let fractional = try write(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4.5]}}"#, dataBytes: 4)
    #expect(error(fractional).contains("bad data_offsets"))
    let enormous = try write(#"{"a":{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}}"#, dataBytes: 4)
    #expect(error(enormous).contains("bad shape"))
    // what the writer makes still reads: empty tensors and a file with no tensors
    let ok = try write(
      #"{"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"F16","shape":[1,3],"data_offsets":[0,6]}}"#,
      dataBytes: 6)
    #expect(try SafeTensorsFile(path: ok).entries.count == 2)
    #expect(try SafeTensorsFile(path: try write("{}", dataBytes: 0)).entries.isEmpty)
  }
}
