import Testing

@testable import Autograd
@testable import TextEncoder

/// AdamW defers the weight decay of embedding rows that never had a gradient; the encoder's
/// inference path must read them settled, exactly as the training forward and a saved file do.
@Suite struct OwedDecayTests {
  @Test func inferenceReadsRowsThatOweWeightDecaySettled() throws {
    let config = EncoderConfig(
      vocabSize: 5000, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32,
      maxPositionEmbeddings: 40)
    let encoder = Encoder(config: config)
    encoder.initializeRandom(seed: 4)
    let optimizer = AdamW(store: encoder.store, settings: .init(weightDecay: 0.1))
    let trained = TokenBatch(sequences: [[0, 17, 2], [0, 4000, 33, 2]], config: config)
    for step in 1...3 {
      encoder.store.zeroGrad()
      let tape = Tape()
      let e = try encoder.embed(trained, on: tape, pooling: .mean, normalize: false, dropout: false)
      try tape.backward(from: tape.sum(e))
      optimizer.update(lr: 0.05 * Float(step))
    }
    // rows 1234 and 4999 never had a gradient: they owe three shrinks
    let word = encoder.store.view(WeightNames.wordEmbeddings)!
    let untouched = encoder.store.unsettledValues[word.offset + 1234 * 16]
    let batch = TokenBatch(sequences: [[0, 1234, 4999, 17, 2]], config: config)
    let before = try encoder.hiddenStates(batch)
    #expect(encoder.store.unsettledValues[word.offset + 1234 * 16] != untouched, "reading row 1234 settles it")
    let tape = Tape()
    let onTape = try encoder.hiddenStates(batch, on: tape, dropout: false)
    encoder.store.settleAll()
    let after = try encoder.hiddenStates(batch)
    #expect(Array(UnsafeBufferPointer(start: before.data, count: before.count)) == Array(UnsafeBufferPointer(start: after.data, count: after.count)))
    #expect(tape.array(onTape) == Array(UnsafeBufferPointer(start: after.data, count: after.count)))
  }
}
