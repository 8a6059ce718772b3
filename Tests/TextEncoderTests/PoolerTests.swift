import Foundation
import SafeTensors
import TestSupport
import Testing

@testable import TextEncoder

/// `pooler.dense.*`: kept as loaded and written back, zeros when the weights had none (so that
/// transformers reports nothing newly initialized), refused when malformed.
@Suite struct PoolerTests {
  static let config = EncoderConfig(
    vocabSize: 10, hiddenSize: 4, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 8, maxPositionEmbeddings: 12)

  static func floats(_ file: SafeTensorsFile, _ name: String) throws -> [Float] {
    let n = try #require(file.entries[name]).shape.reduce(1, *)
    var out = [Float](repeating: .nan, count: n)
    try out.withUnsafeMutableBufferPointer { try file.copyFloats(name, into: $0.baseAddress!) }
    return out
  }

  @Test func anEncoderWithoutAPoolerWritesZeros() throws {
    let e = Encoder(config: Self.config)
    e.initializeRandom(seed: 1)
    #expect(e.pooler == nil)
    let path = Fixtures.temporaryDirectory().appendingPathComponent("m.safetensors").path
    try e.save(to: path)
    let file = try SafeTensorsFile(path: path)
    #expect(file.entries["pooler.dense.weight"]?.shape == [4, 4] && file.entries["pooler.dense.bias"]?.shape == [4])
    #expect(try Self.floats(file, "pooler.dense.weight") == [Float](repeating: 0, count: 16))
    #expect(try Self.floats(file, "pooler.dense.bias") == [0, 0, 0, 0])
  }

  @Test func aLoadedPoolerIsWrittenBackUnchanged() throws {
    let e = Encoder(config: Self.config)
    e.initializeRandom(seed: 2)
    e.pooler = Pooler(weight: (0..<16).map { Float($0) / 7 }, bias: [1, -2, 3, -4])
    let dir = Fixtures.temporaryDirectory()
    let first = dir.appendingPathComponent("a.safetensors").path, second = dir.appendingPathComponent("b.safetensors").path
    try e.save(to: first)
    let loaded = try Encoder(config: Self.config, weights: SafeTensorsFile(path: first))
    #expect(loaded.pooler == e.pooler)
    try loaded.save(to: second)
    #expect(try Data(contentsOf: URL(fileURLWithPath: first)) == Data(contentsOf: URL(fileURLWithPath: second)))
    // a file without a pooler leaves the loaded one in place (a checkpoint of an earlier version)
    let unused = try loaded.load(from: SafeTensorsFile(path: first))
    #expect(unused.isEmpty && loaded.pooler == e.pooler)
  }

  @Test func aMalformedPoolerIsRefusedWithItsTensor() throws {
    let e = Encoder(config: Self.config)
    e.initializeRandom(seed: 3)
    let path = Fixtures.temporaryDirectory().appendingPathComponent("bad.safetensors").path
    var writer = SafeTensorsWriter()
    let wrong = [Float](repeating: 1, count: 9)
    try wrong.withUnsafeBufferPointer { w in
      for view in e.store.views {
        writer.add(view.name, shape: view.shape, floats: UnsafeBufferPointer(start: e.store.pointer(view.name), count: view.count))
      }
      writer.add("pooler.dense.weight", shape: [3, 3], floats: w)
      try writer.write(to: path)
    }
    let error = #expect(throws: TextEncoderError.self) { try Encoder(config: Self.config, weights: SafeTensorsFile(path: path)) }
    #expect("\(error!)".contains("pooler.dense.weight") && "\(error!)".contains(path), "\(error!)")
  }
}
