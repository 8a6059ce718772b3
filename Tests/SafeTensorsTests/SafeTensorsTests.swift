import Foundation
import SafeTensors
import TestSupport
import Testing

@Suite struct SafeTensorsTests {
  @Test func roundTripsEveryDTypeWithMetadata() throws {
    let dir = Fixtures.temporaryDirectory()
    let path = dir.appendingPathComponent("t.safetensors").path
    let a: [Float] = [1, -2.5, 3.25, 0, 65504, -1e-3]
    var w = SafeTensorsWriter(metadata: ["format": "pt", "note": "test"])
    a.withUnsafeBufferPointer { buf in
      w.add("a.f32", shape: [2, 3], floats: buf)
      w.add("a.f16", shape: [6], floats: buf, as: .f16)
      w.add("a.bf16", shape: [3, 2], floats: buf, as: .bf16)
    }
    w.add("ids", shape: [3], int64s: [7, -1, 1 << 40])
    try w.write(to: path)

    // header length is a multiple of 8, so tensor data is 8-byte aligned
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let headerLength = bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    #expect(headerLength % 8 == 0)

    let f = try SafeTensorsFile(path: path)
    #expect(f.metadata == ["format": "pt", "note": "test"])
    #expect(f.names == ["a.f32", "a.f16", "a.bf16", "ids"])
    #expect(try f.entry("a.f32").shape == [2, 3])
    #expect(try f.floats("a.f32") == a)
    #expect(try f.floats("a.f16") == a.map { Float(Float16($0)) })
    let bf = try f.floats("a.bf16")
    for (x, y) in zip(bf, a) { #expect(abs(x - y) <= abs(y) / 128) }
    #expect(try f.int64s("ids") == [7, -1, 1 << 40])
  }

  @Test func spansAreWrittenInOrderAsOneTensor() throws {
    // small spans (staged together), one larger than the staging buffer's quarter (written
    // straight), an empty one, and the same spans as F16
    let path = Fixtures.temporaryDirectory().appendingPathComponent("t.safetensors").path
    let big = (0..<(1 << 20) + 3).map { Float($0 % 977) - 400 }
    let small = (0..<2000).map { Float($0) * 0.5 }
    try big.withUnsafeBufferPointer { b in
      try small.withUnsafeBufferPointer { s in
        let spans = [UnsafeBufferPointer(rebasing: s[0..<7]), UnsafeBufferPointer(rebasing: s[7..<7]), b,
                     UnsafeBufferPointer(rebasing: s[100..<2000]), UnsafeBufferPointer(rebasing: s[10..<20])]
        let n = spans.reduce(0) { $0 + $1.count }
        var w = SafeTensorsWriter()
        w.add("joined", shape: [n], spans: spans)
        w.add("joined.f16", shape: [n], spans: spans, as: .f16)
        try w.write(to: path)
      }
    }
    let expected = Array(small[0..<7]) + big + Array(small[100..<2000]) + Array(small[10..<20])
    let f = try SafeTensorsFile(path: path)
    #expect(try f.floats("joined") == expected)
    #expect(try f.floats("joined.f16") == expected.map { Float(Float16($0)) })
  }

  @Test func truncatedFileNamesTheTensor() throws {
    let dir = Fixtures.temporaryDirectory()
    let path = dir.appendingPathComponent("t.safetensors").path
    var w = SafeTensorsWriter()
    let a = [Float](repeating: 1, count: 100)
    a.withUnsafeBufferPointer { w.add("weights", shape: [100], floats: $0) }
    try w.write(to: path)
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: path))
    let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: path) }
    #expect("\(error!)".contains("weights") && "\(error!)".contains("truncated"))

    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
    let short = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: path) }
    #expect("\(short!)".contains("truncated"))
  }

  @Test func missingFileAndMalformedHeader() throws {
    let missing = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: "/nonexistent/x.safetensors") }
    #expect("\(missing!)".contains("/nonexistent/x.safetensors"))
    let path = Fixtures.temporaryDirectory().appendingPathComponent("bad.safetensors").path
    var d = Data()
    var n = UInt64(4).littleEndian
    d.append(Data(bytes: &n, count: 8))
    d.append(Data("nope".utf8))
    try d.write(to: URL(fileURLWithPath: path))
    let bad = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: path) }
    #expect("\(bad!)".contains("malformed"))
  }

  @Test func missingTensorIsNamed() throws {
    let path = Fixtures.temporaryDirectory().appendingPathComponent("t.safetensors").path
    var w = SafeTensorsWriter()
    [Float(1)].withUnsafeBufferPointer { w.add("x", shape: [1], floats: $0) }
    try w.write(to: path)
    let f = try SafeTensorsFile(path: path)
    let e = #expect(throws: SafeTensorsError.self) { try f.floats("y") }
    #expect("\(e!)".contains("'y'"))
  }

  @Test func halfConversionsRoundToNearest() {
    #expect(HalfFloat.toFloat(0x3C00) == 1)
    #expect(HalfFloat.fromFloat(1) == 0x3C00)
    #expect(HalfFloat.toFloat(0xC000) == -2)
    #expect(HalfFloat.bf16ToFloat(0x3F80) == 1)
    #expect(HalfFloat.floatToBF16(1) == 0x3F80)
    #expect(HalfFloat.floatToBF16(Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie to even
    #expect(HalfFloat.floatToBF16(Float(bitPattern: 0x3F81_8000)) == 0x3F82)
  }
}
