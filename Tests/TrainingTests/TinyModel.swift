import Foundation
import TestSupport
import TextEncoder

/// A random small XLM-R with e5's vocabulary and SentencePiece model.
func tinyModel(in dir: URL, layers: Int = 1, width: Int = 16, heads: Int = 2) throws -> URL {
  let e5 = URL(fileURLWithPath: Fixtures.e5Model)
  let vocab = try EncoderConfig.load(path: e5.appendingPathComponent("config.json").path).vocabSize
  let config = EncoderConfig(
    vocabSize: vocab, hiddenSize: width, numHiddenLayers: layers, numAttentionHeads: heads, intermediateSize: 2 * width,
    maxPositionEmbeddings: 66)
  let encoder = Encoder(config: config)
  encoder.initializeRandom(seed: 3, std: 0.2)
  let out = dir.appendingPathComponent("tiny-model")
  try ModelDirectoryWriter(layout: .init(pooling: .mean, normalize: true)).write(
    encoder: encoder, sentencePieceModel: try Data(contentsOf: e5.appendingPathComponent("sentencepiece.bpe.model")),
    to: out.path)
  return out
}
