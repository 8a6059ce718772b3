import Autograd
import Foundation
import SafeTensors
import TestSupport
import Testing

@testable import TextEncoder

/// The forward pass of a tiny random encoder equals PyTorch's (tools/reference/tiny_encoder.py)
/// on packed sequences of 1, 2, 7 and 64 tokens.
@Suite struct TinyEncoderParityTests {
  static func load(_ kind: String) throws -> (Encoder, SafeTensorsFile) {
    let config = try EncoderConfig.load(path: Fixtures.path("tiny-\(kind)/config.json"))
    let encoder = Encoder(config: config)
    let unused = try encoder.load(from: SafeTensorsFile(path: Fixtures.path("tiny-\(kind)/model.safetensors")))
    #expect(unused.isEmpty)
    return (encoder, try SafeTensorsFile(path: Fixtures.path("tiny-\(kind)/reference.safetensors")))
  }

  static func batch(_ ref: SafeTensorsFile, _ config: EncoderConfig) throws -> TokenBatch {
    let ids = try ref.int64s("ids").map { Int32($0) }
    let lengths = try ref.int64s("lengths").map { Int($0) }
    var seqs: [[Int32]] = []
    var start = 0
    for n in lengths {
      seqs.append(Array(ids[start..<start + n]))
      start += n
    }
    return TokenBatch(sequences: seqs, config: config)
  }

  @Test(arguments: ["xlmr", "bert"])
  func hiddenStatesAndPoolingMatchPyTorch(kind: String) throws {
    let (encoder, ref) = try Self.load(kind)
    let batch = try Self.batch(ref, encoder.config)
    #expect(batch.layout.offsets == [0, 1, 3, 10, 74])

    let hidden = try encoder.hiddenStates(batch)
    let dh = difference(hidden.array, try ref.floats("hidden"))
    #expect(dh.maxAbs <= 1e-5, "hidden states: \(dh)")

    let mean = try encoder.embed(batch, pooling: .mean, normalize: false)
    let dm = difference(mean.array, try ref.floats("mean"))
    #expect(dm.maxAbs <= 1e-5, "mean pooling: \(dm)")

    let cls = try encoder.embed(batch, pooling: .cls, normalize: false)
    let dc = difference(cls.array, try ref.floats("cls"))
    #expect(dc.maxAbs <= 1e-5, "cls pooling: \(dc)")
  }

  @Test func positionIdsFollowTheModelType() throws {
    let (xlmr, _) = try Self.load("xlmr")
    let (bert, _) = try Self.load("bert")
    #expect(TokenBatch(sequences: [[5, 6, 7]], config: xlmr.config).positions == [2, 3, 4])
    #expect(TokenBatch(sequences: [[5, 6, 7]], config: bert.config).positions == [0, 1, 2])
  }

  @Test func outOfRangeTokensAndOverlongSequencesAreRejected() throws {
    let (encoder, _) = try Self.load("xlmr")
    let e = #expect(throws: TextEncoderError.self) {
      try encoder.hiddenStates(TokenBatch(sequences: [[0, 100, 2]], config: encoder.config))
    }
    #expect("\(e!)".contains("token id 100"))
    let long = #expect(throws: TextEncoderError.self) {
      try encoder.hiddenStates(TokenBatch(sequences: [[Int32](repeating: 5, count: 67)], config: encoder.config))
    }
    #expect("\(long!)".contains("67 tokens"))
  }

  @Test func saveThenLoadGivesTheSameParameters() throws {
    let (encoder, _) = try Self.load("xlmr")
    let path = Fixtures.temporaryDirectory().appendingPathComponent("m.safetensors").path
    try encoder.save(to: path)
    let copy = Encoder(config: encoder.config)
    try copy.load(from: SafeTensorsFile(path: path))
    #expect(copy.store.withSettledValues { Array(UnsafeBufferPointer(start: $0, count: copy.store.count)) }
      == encoder.store.withSettledValues { Array(UnsafeBufferPointer(start: $0, count: encoder.store.count)) })
  }
}
