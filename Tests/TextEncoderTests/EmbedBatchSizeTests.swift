import Testing

@testable import TextEncoder

/// Embedding in batches of fewer than one text is an error: it looped forever (every CLI path
/// refuses such a flag first; this is the library's own guard).
@Suite struct EmbedBatchSizeTests {
  @Test func aBatchSizeBelowOneIsAnError() throws {
    let encoder = Encoder(config: EncoderConfig(
      vocabSize: 20, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 20))
    encoder.initializeRandom(seed: 5)
    for size in [0, -1] {
      let e = #expect(throws: TextEncoderError.self) {
        try encoder.embed(sequences: [[0, 5, 2]], pooling: .mean, normalize: true, batchSize: size)
      }
      #expect("\(e!)".contains("batches of at least 1, got \(size)"))
    }
    #expect(try encoder.embed(sequences: [[0, 5, 2]], pooling: .mean, normalize: true, batchSize: 1).count == 8)
  }
}
