import Foundation
import SafeTensors
import TestSupport
import Testing

@testable import TextEncoder

/// A model's config and weights are checked before anything is allocated from them, and its
/// weights are checked for NaN and infinity at load.
@Suite struct WeightValidationTests {
  // D6: sizes whose parameter count overflows once trapped in the multiplication
  @Test func sizesWhoseParameterCountOverflowsAreRefusedWithTheKey() throws {
    let path = try writeConfig { $0["hidden_size"] = 1_099_511_627_776 }
    let e = #expect(throws: TextEncoderError.self) { try EncoderConfig.load(path: path) }
    #expect("\(e!)".contains(path) && "\(e!)".contains("hidden_size") && "\(e!)".contains("overflow"), "\(e!)")
    let ffn = try writeConfig { $0["intermediate_size"] = Int.max / 2 }
    let e2 = #expect(throws: TextEncoderError.self) { try EncoderConfig.load(path: ffn) }
    #expect("\(e2!)".contains("intermediate_size"), "\(e2!)")
  }

  /// A small model with e5's vocabulary (so that its tokenizer loads) in a new directory;
  /// `edit` may change its weights before they are written.
  static func model(edit: (Encoder) -> Void = { _ in }) throws -> URL {
    let e5 = URL(fileURLWithPath: Fixtures.e5Model)
    let vocab = try EncoderConfig.load(path: e5.appendingPathComponent("config.json").path).vocabSize
    let encoder = Encoder(config: EncoderConfig(
      vocabSize: vocab, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 20))
    encoder.initializeRandom(seed: 5)
    edit(encoder)
    let out = Fixtures.temporaryDirectory().appendingPathComponent("model")
    try ModelDirectoryWriter(layout: .init(pooling: .mean, normalize: true)).write(
      encoder: encoder, sentencePieceModel: try Data(contentsOf: e5.appendingPathComponent("sentencepiece.bpe.model")),
      to: out.path)
    return out
  }

  static func setConfig(_ dir: URL, _ key: String, _ value: Any) throws {
    let url = dir.appendingPathComponent("config.json")
    var obj = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    obj[key] = value
    try JSONSerialization.data(withJSONObject: obj).write(to: url)
  }

  // D7: a vocab_size that disagrees with the word embeddings is reported before the table is
  // allocated (2^40 rows once asked for 32 TB and trapped; a one-digit typo asked for GBs)
  @Test(.needsRealModel) func aVocabSizeThatDisagreesWithTheWeightsIsReportedBeforeAllocating() throws {
    let dir = try Self.model()
    let weights = dir.appendingPathComponent("model.safetensors").path
    for vocab in [1 << 40, 2_500_370] {
      try Self.setConfig(dir, "vocab_size", vocab)
      let e = #expect(throws: TextEncoderError.self) { try SentenceEncoder(directory: dir.path) }
      #expect("\(e!)" == "\(weights): tensor 'embeddings.word_embeddings.weight' has shape [250037, 8], expected [\(vocab), 8]", "\(e!)")
    }
  }

  // D13: NaN or infinite weights were loaded silently (and `trainer embed` wrote NaN embeddings)
  @Test(.needsRealModel) func nonFiniteWeightsAreRefusedWithTensorIndexAndFile() throws {
    let nan = try Self.model { $0.store.pointer(WeightNames.Layer(0).valueWeight)[13] = .nan }
    let e = #expect(throws: TextEncoderError.self) { try SentenceEncoder(directory: nan.path) }
    #expect("\(e!)" == "\(nan.path)/model.safetensors: tensor 'encoder.layer.0.attention.self.value.weight' holds nan at index 13 ([1, 5])", "\(e!)")
    let inf = try Self.model { $0.store.pointer(WeightNames.embeddingsNormBias)[0] = -.infinity }
    let e2 = #expect(throws: TextEncoderError.self) { try SentenceEncoder(directory: inf.path) }
    #expect("\(e2!)".contains("'embeddings.LayerNorm.bias' holds -inf at index 0"), "\(e2!)")
    #expect(try SentenceEncoder(directory: try Self.model().path).config.hiddenSize == 8)
  }
}
