import Autograd
import Foundation
import Losses
import SafeTensors
import TestSupport
import Testing

@testable import TextEncoder

/// The encoder with bf16 matrix products against itself in fp32: the whole encoder's gradients
/// within a stated tolerance, the inference pass equal to the tape's to fp32 rounding, and (on the
/// real model) every sentence's bf16 embedding within cosine 0.999 of its fp32 embedding.
@Suite struct BF16EncoderTests {
  /// Per parameter tensor, max |g_bf16 − g_fp32| ≤ `tolerance` · max |g_fp32|; the loss within
  /// 1e-2 relative. bf16 keeps 8 significant bits (relative rounding 2⁻⁹ ≈ 0.002): a gradient
  /// crosses several rounded products per layer, so a few percent is what rounding alone gives.
  /// Measured on AMD Zen 5 (oneDNN's avx512_core_bf16 kernels): worst tensor 0.035 on the tiny
  /// encoder (a LayerNorm weight), 0.024 on multilingual-e5-small (a query weight).
  static let tolerance: Float = 0.05

  static func compare(_ fp32: Encoder, _ bf16: Encoder) -> (failures: [String], worst: (String, Float)) {
    var failures: [String] = [], worst = ("", Float(0))
    for view in fp32.store.views where !EncoderGradientTests.isKeyBias(view.name) {
      let d = difference(EncoderGradientTests.gradient(bf16, view.name), EncoderGradientTests.gradient(fp32, view.name))
      guard d.maxRef > 0 else { continue }
      if d.relative > worst.1 { worst = (view.name, d.relative) }
      if !(d.relative <= tolerance) { failures.append("\(view.name): \(d)") }
    }
    return (failures, worst)
  }

  @Test(.needsNativeBF16) func tinyEncoderGradientsInBF16StayCloseToFP32() throws {
    let (fp32, _) = try TinyEncoderParityTests.load("xlmr")
    let (bf16, _) = try TinyEncoderParityTests.load("xlmr")
    bf16.store.precision = .bf16
    let ref = try SafeTensorsFile(path: Fixtures.path("tiny-xlmr/grads.safetensors"))
    let batch = try TinyEncoderParityTests.batch(ref, fp32.config)
    let l32 = try EncoderGradientTests.infoNCE(fp32, batch), l16 = try EncoderGradientTests.infoNCE(bf16, batch)
    #expect(abs(l16 - l32) <= 1e-2 * abs(l32), "loss bf16 \(l16), fp32 \(l32)")
    #expect(l16 != l32, "the bf16 pass gave fp32's loss to the bit: did it run in bf16?")
    let (failures, worst) = Self.compare(fp32, bf16)
    #expect(failures.isEmpty, "\(failures.count) tensors beyond \(Self.tolerance) (worst \(worst)):\n\(failures.joined(separator: "\n"))")
  }

  @Test(.needsNativeBF16, .needsRealModel) func e5SmallGradientsInBF16StayCloseToFP32() throws {
    func load() throws -> Encoder {
      let encoder = Encoder(config: try EncoderConfig.load(path: Fixtures.e5Model + "/config.json"))
      try encoder.load(from: SafeTensorsFile(path: Fixtures.e5Model + "/model.safetensors"))
      return encoder
    }
    let fp32 = try load(), bf16 = try load()
    bf16.store.precision = .bf16
    let ref = try SafeTensorsFile(path: Fixtures.path("e5-small/grads.safetensors"))
    let batch = try TinyEncoderParityTests.batch(ref, fp32.config)
    let l32 = try EncoderGradientTests.infoNCE(fp32, batch), l16 = try EncoderGradientTests.infoNCE(bf16, batch)
    #expect(abs(l16 - l32) <= 1e-2 * abs(l32), "loss bf16 \(l16), fp32 \(l32)")
    let (failures, worst) = Self.compare(fp32, bf16)
    #expect(failures.isEmpty, "\(failures.count) tensors beyond \(Self.tolerance) (worst \(worst)):\n\(failures.joined(separator: "\n"))")
  }

  /// Inference (`hiddenStates(_:)`, no tape) and training's forward (the tape) use the same bf16
  /// copies and the same products; inference's AVX-512 attention sums in another order and its
  /// feed-forward runs in blocks of rows. The sums differ in their last bits, and where such a
  /// value lands next to a bf16 rounding boundary the next product's input moves by one bf16 step
  /// (2⁻⁸ relative): the two agree within 1% of the largest value, not to the bit (measured on
  /// AMD Zen 5: 0.0015, 0.0006 and 0.0004). The second batch (360 tokens) spans three blocks of
  /// rows; the third, on a randomly initialized BERT of 300 positions, has sequences longer than a
  /// block (each then a block of its own).
  @Test(.needsNativeBF16) func theInferencePassMatchesTheTapesInBF16() throws {
    let (tiny, _) = try TinyEncoderParityTests.load("xlmr")
    let ref = try SafeTensorsFile(path: Fixtures.path("tiny-xlmr/grads.safetensors"))
    var r = SplitMix64(seed: 11)
    let many = (0..<12).map { s in (0..<(s % 2 == 0 ? 20 : 40)).map { _ in Int32(3 + r.next() % 90) } }
    let wide = Encoder(config: EncoderConfig(
      modelType: .bert, vocabSize: 100, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 64,
      maxPositionEmbeddings: 300))
    wide.initializeRandom(seed: 5, std: 0.1)
    #expect(wide.layers[0].selfAttention.fused != nil && tiny.layers[0].selfAttention.fused != nil)
    let long = [200, 30, 150, 5].map { n in (0..<n).map { _ in Int32(3 + r.next() % 90) } }
    let cases = [
      (tiny, try TinyEncoderParityTests.batch(ref, tiny.config)), (tiny, TokenBatch(sequences: many, config: tiny.config)),
      (wide, TokenBatch(sequences: long, config: wide.config)),
    ]
    for (encoder, batch) in cases {
      encoder.store.precision = .bf16
      let kernel = try encoder.hiddenStates(batch)
      let tape = Tape()
      let h = try encoder.hiddenStates(batch, on: tape, dropout: false)
      let taped = Array(UnsafeBufferPointer(start: tape.value(h), count: tape.count(h)))
      let d = difference(Array(UnsafeBufferPointer(start: kernel.data, count: kernel.count)), taped)
      #expect(d.relative <= 0.01, "\(batch.totalTokens) tokens: \(d)")
      encoder.store.precision = .fp32
      let fp32 = try encoder.hiddenStates(batch)
      #expect(Array(UnsafeBufferPointer(start: fp32.data, count: fp32.count)) != taped, "bf16 gave fp32's bits")
    }
    #expect(KernelOps.blockRows < 150)
  }

  @Test(.needsNativeBF16, .needsRealModel, .needsKorNLU) func e5SmallEmbeddingsInBF16AreWithinCosine0999OfFP32() throws {
    let model = try SentenceEncoder(directory: Fixtures.e5Model)
    let lines = try String(contentsOfFile: Fixtures.root.path + "/data/kornlu/KorSTS/sts-dev.tsv", encoding: .utf8)
      .split(separator: "\n").dropFirst().prefix(200)
    let texts = lines.flatMap { $0.split(separator: "\t", omittingEmptySubsequences: false).suffix(2).map(String.init) }
    let a = try model.embed(texts, prefix: "query: ", batchSize: 64)
    model.encoder.store.precision = .bf16
    let b = try model.embed(texts, prefix: "query: ", batchSize: 64)
    let C = model.config.hiddenSize
    var worst: Float = 1
    for i in 0..<texts.count {
      var dot: Float = 0, na: Float = 0, nb: Float = 0
      for d in 0..<C {
        dot += a[i * C + d] * b[i * C + d]
        na += a[i * C + d] * a[i * C + d]
        nb += b[i * C + d] * b[i * C + d]
      }
      worst = min(worst, dot / (na * nb).squareRoot())
    }
    #expect(worst >= 0.999, "lowest cosine between a sentence's bf16 and fp32 embeddings: \(worst)")
    #expect(a != b, "bf16 gave fp32's embeddings to the bit")
  }
}
