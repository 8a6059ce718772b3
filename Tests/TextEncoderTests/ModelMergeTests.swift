import Foundation
import SafeTensors
import TestSupport
import Testing
import TextEncoder

/// `ModelMerge`: Σ wᵢ·θᵢ over tiny XLM-R directories (e5's SentencePiece model, random weights).
@Suite(.needsRealModel) struct ModelMergeTests {
  /// A tiny model directory with random weights from `seed` (and `layers` layers); its first
  /// value is -0 for seed 1.
  func tiny(_ dir: URL, _ name: String, seed: UInt64, layers: Int = 1) throws -> String {
    let e5 = URL(fileURLWithPath: Fixtures.e5Model)
    let vocab = try EncoderConfig.load(path: e5.appendingPathComponent("config.json").path).vocabSize
    let config = EncoderConfig(
      vocabSize: vocab, hiddenSize: 8, numHiddenLayers: layers, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 20)
    let encoder = Encoder(config: config)
    encoder.initializeRandom(seed: seed, std: 0.2)
    // a signed zero where the other model holds a positive value: merging must keep its sign
    encoder.store.withSettledValues { $0[0] = seed == 1 ? -0.0 : 0.5 }
    let out = dir.appendingPathComponent(name).path
    try ModelDirectoryWriter(layout: .init(pooling: .mean, normalize: true)).write(
      encoder: encoder, sentencePieceModel: try Data(contentsOf: e5.appendingPathComponent("sentencepiece.bpe.model")), to: out)
    return out
  }

  func values(_ encoder: Encoder) -> [Float] {
    encoder.store.withSettledValues { Array(UnsafeBufferPointer(start: $0, count: encoder.store.count)) }
  }

  @Test func aModelMergedWithItselfIsItselfBitForBit() throws {
    let dir = Fixtures.temporaryDirectory()
    let a = try tiny(dir, "a", seed: 1)
    let original = values(try SentenceEncoder(directory: a).encoder)
    for weights in [[0.5, 0.5], [0.3, 0.7], [1.0, 2.0, 4.0]] {
      let models = try weights.map { _ in try SentenceEncoder(directory: a) }
      let merged = try ModelMerge.merge(models, weights: try ModelMerge.normalized(weights, models: weights.count))
      let got = values(merged)
      #expect(got.map(\.bitPattern) == original.map(\.bitPattern), "weights \(weights)")
    }
  }

  @Test func weightsOneAndZeroGiveTheInputsAndOthersInterpolate() throws {
    let dir = Fixtures.temporaryDirectory()
    let a = try tiny(dir, "a", seed: 1), b = try tiny(dir, "b", seed: 2)
    let va = values(try SentenceEncoder(directory: a).encoder), vb = values(try SentenceEncoder(directory: b).encoder)
    #expect(va != vb)
    func merged(_ w: [Double]) throws -> [Float] {
      values(try ModelMerge.merge([try SentenceEncoder(directory: a), try SentenceEncoder(directory: b)],
                                  weights: try ModelMerge.normalized(w, models: 2)))
    }
    #expect(try merged([1, 0]).map(\.bitPattern) == va.map(\.bitPattern))
    #expect(try merged([0, 1]).map(\.bitPattern) == vb.map(\.bitPattern))
    let quarter = try merged([1, 3])
    let expected = zip(va, vb).map { Float(0.25 * Double($0) + 0.75 * Double($1)) }
    #expect(quarter.map(\.bitPattern) == expected.map(\.bitPattern))
  }

  @Test func theMergedDirectoryLoadsAndEmbedsAsItsWeightsSay() throws {
    let dir = Fixtures.temporaryDirectory()
    let a = try tiny(dir, "a", seed: 1)
    let merged = try ModelMerge.merge([try SentenceEncoder(directory: a), try SentenceEncoder(directory: a)],
                                      weights: [0.5, 0.5])
    let out = dir.appendingPathComponent("merged").path
    try ModelDirectoryWriter(layout: .init(pooling: .mean, normalize: true)).write(
      encoder: merged, sentencePieceModel: try Data(contentsOf: URL(fileURLWithPath: a + "/sentencepiece.bpe.model")), to: out)
    let original = try Data(contentsOf: URL(fileURLWithPath: a + "/model.safetensors"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/model.safetensors")) == original)
    let texts = ["한국어 문장입니다.", "an English sentence"]
    #expect(try SentenceEncoder(directory: out).embed(texts) == (try SentenceEncoder(directory: a).embed(texts)))
  }

  @Test func incompatibleModelsAndBadWeightsAreRefused() throws {
    let dir = Fixtures.temporaryDirectory()
    let a = try tiny(dir, "a", seed: 1), deeper = try tiny(dir, "deeper", seed: 1, layers: 2)
    let mixed = [try SentenceEncoder(directory: a), try SentenceEncoder(directory: deeper)]
    #expect(throws: ModelMergeError.self) { try ModelMerge.merge(mixed, weights: [0.5, 0.5]) }
    #expect((try? ModelMerge.checkCompatible(mixed)) == nil)
    do {
      try ModelMerge.checkCompatible(mixed)
    } catch {
      #expect("\(error)".contains("config.json"))
    }

    // a tokenizer file one directory has and the other has not
    let other = try tiny(dir, "other", seed: 2)
    try Data("{}".utf8).write(to: URL(fileURLWithPath: other + "/tokenizer.json"))
    do {
      try ModelMerge.checkCompatible([try SentenceEncoder(directory: a), try SentenceEncoder(directory: other)])
      Issue.record("a different tokenizer was accepted")
    } catch {
      #expect("\(error)".contains("tokenizer.json differs"))
    }

    for (weights, message) in [([0.5], "1 weights for 2 models"), ([-1.0, 2], "at least 0"), ([0.0, 0], "sum to 0"),
                               ([Double.nan, 1], "finite")] {
      do {
        _ = try ModelMerge.normalized(weights, models: 2)
        Issue.record("weights \(weights) accepted")
      } catch {
        #expect("\(error)".contains(message), "\(error)")
      }
    }
  }
}
