import Autograd
import Foundation
import TestSupport
import Testing
import TextEncoder
import Training

/// The whole tiny encoder under InfoNCE against central differences: 32 random entries of every
/// parameter tensor (`trainer gradcheck --entries 0` checks them all, in about a minute).
@Suite struct EncoderGradCheckTests {
  @Test func everyParameterOfATinyEncoderMatchesCentralDifferences() throws {
    let encoder = Encoder(config: EncoderGradCheck.tinyConfig)
    encoder.initializeRandom(seed: 5, std: 0.2)
    let sequences = EncoderGradCheck.randomTriplets(config: encoder.config, seed: 5)
    #expect(Set(sequences.map(\.count)).isSuperset(of: [1, 2, 7, 64]))
    let results = try EncoderGradCheck.run(encoder: encoder, sequences: sequences, entriesPerTensor: 32)
    #expect(results.count == encoder.store.views.count)
    let failing = results.filter { !EncoderGradCheck.passes($0, among: results, tolerance: 1e-2) }
    #expect(failing.isEmpty, "\(failing.map(\.description).joined(separator: "\n"))")
    // real gradients everywhere except the key biases, whose exact gradient is zero
    let flat = results.filter { $0.maxRef < 1e-2 }.map(\.name)
    #expect(flat.allSatisfy { $0.hasSuffix("key.bias") }, "\(flat)")
  }

  @Test func initializationIsSeededAndBERTLike() {
    let a = Encoder(config: EncoderGradCheck.tinyConfig), b = Encoder(config: EncoderGradCheck.tinyConfig)
    a.initializeRandom(seed: 1)
    b.initializeRandom(seed: 1)
    let n = a.store.count
    #expect(a.store.withSettledValues { Array(UnsafeBufferPointer(start: $0, count: n)) }
      == b.store.withSettledValues { Array(UnsafeBufferPointer(start: $0, count: n)) })
    #expect(a.store.pointer("embeddings.LayerNorm.weight")[5] == 1 && a.store.pointer("encoder.layer.0.attention.self.query.bias")[3] == 0)
    let w = UnsafeBufferPointer(start: a.store.pointer("encoder.layer.1.intermediate.dense.weight"), count: 64 * 32)
    let std = (w.reduce(0) { $0 + Double($1 * $1) } / Double(w.count)).squareRoot()
    #expect(abs(std - 0.02) < 0.003, "std \(std)")
    // the padding row of the word embeddings is zero
    #expect((0..<32).allSatisfy { a.store.pointer("embeddings.word_embeddings.weight")[1 * 32 + $0] == 0 })
  }
}
