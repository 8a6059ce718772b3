import Autograd
import Losses
import TextEncoder

/// Central-difference check of every parameter tensor of an encoder under the InfoNCE loss of
/// a few random triplets (`trainer gradcheck`, and a test on a tiny config).
public enum EncoderGradCheck {
  /// The tiny XLM-R config of the tests: 2 layers, hidden 32, 4 heads, vocabulary 100.
  public static let tinyConfig = EncoderConfig(
    vocabSize: 100, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 64,
    maxPositionEmbeddings: 68, typeVocabSize: 1, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0)

  /// Random token sequences of 4 triplets (queries, positives, negatives) with lengths including
  /// 1, 2, 7 and 64 (capped by the position table).
  public static func randomTriplets(config: EncoderConfig, seed: UInt64) -> [[Int32]] {
    var rng = SplitMix64(seed: seed)
    let maxLength = min(64, config.maxSequenceLength)
    let lengths = [1, 7, 12, 64, 2, 5, 30, 9, 3, 64, 1, 20].map { min($0, maxLength) }
    return lengths.map { n in (0..<n).map { _ in Int32(3 + Int(rng.next() % UInt64(config.vocabSize - 3))) } }
  }

  /// Checks `entriesPerTensor` random entries of every parameter tensor (all entries when nil).
  /// A tensor passes when max |analytic − numeric| ≤ tolerance · max |numeric| of the tensor +
  /// 1e-3 · the largest |numeric| of any tensor. The second term is an allowance for the
  /// rounding noise of a Float32 loss (about 1e-4 here), which is all there is for tensors whose
  /// exact gradient is zero (the key biases: softmax ignores a shift shared by a whole row).
  public static func run(
    encoder: Encoder, sequences: [[Int32]], entriesPerTensor: Int?, step: Float = 1e-2, seed: UInt64 = 0
  ) throws -> [GradCheck.Comparison] {
    precondition(sequences.count % 3 == 0, "gradcheck needs whole triplets")
    let n = sequences.count / 3
    let batch = TokenBatch(sequences: sequences, config: encoder.config)
    // the objective `trainer run` trains with, over distinct texts: rows queries, positives, negatives
    let loss = try InfoNCE(temperature: 0.05, hardNegatives: 1).batch(
      (0..<n).map { LossExample(query: "q\($0)", positive: "p\($0)", negatives: ["n\($0)"]) })
    func evaluate(backward: Bool) throws -> Double {
      let tape = Tape()
      let e = try encoder.embed(batch, on: tape, pooling: .mean, normalize: false, dropout: false)
      let l = loss.loss(tape, e, 0..<n).loss
      if backward { try tape.backward(from: l) }
      return Double(tape.scalar(l))
    }
    let store = encoder.store
    return try store.withSettledValues { values in  // the check perturbs values directly
      store.zeroGrad()
      _ = try evaluate(backward: true)
      var rng = SplitMix64(seed: seed)
      return try store.views.map { view in
        let indices: [Int]
        if let k = entriesPerTensor, k < view.count {
          indices = (0..<k).map { _ in view.offset + Int(rng.next() % UInt64(view.count)) }
        } else {
          indices = Array(view.offset..<view.offset + view.count)
        }
        var c = try GradCheck.compare(
          name: view.name, values: values, analytic: store.denseGradients(), indices: indices, step: step
        ) { try evaluate(backward: false) }
        c.worst -= view.offset
        return c
      }
    }
  }

  /// Whether a comparison passes under the rule of `run`.
  public static func passes(_ c: GradCheck.Comparison, among all: [GradCheck.Comparison], tolerance: Double) -> Bool {
    let noise = 1e-3 * (all.map(\.maxRef).max() ?? 0)
    return c.maxAbs <= tolerance * c.maxRef + noise
  }
}
