import Autograd

/// A BERT-family transformer encoder (XLM-R or BERT) over packed token batches, its parameters in
/// one `ParameterStore` under Hugging Face names.
public final class Encoder: @unchecked Sendable {
  public let config: EncoderConfig
  public let store: ParameterStore

  /// An encoder with zeroed parameters; fill them with `load(from:)` or `initializeRandom(seed:)`.
  public init(config: EncoderConfig) {
    self.config = config
    self.store = ParameterStore(specs: WeightNames.specs(config))
  }

  /// The final hidden states (T, C) of a packed batch, dropout off.
  public func hiddenStates(_ batch: TokenBatch) throws -> Tensor {
    try batch.validate(for: config)
    let c = config
    let T = batch.totalTokens, C = c.hiddenSize, F = c.intermediateSize
    let s = store
    let x = Tensor(shape: [T, C])
    let qkv = Tensor(uninitializedShape: [T, 3 * C])
    let ctx = Tensor(shape: [T, C]), tmp = Tensor(shape: [T, C]), mid = Tensor(shape: [T, F])

    batch.ids.withUnsafeBufferPointer { ids in
      batch.positions.withUnsafeBufferPointer { pos in
        embeddingSumForward(
          out: x.data, word: s.pointer(WeightNames.wordEmbeddings, readingRows: ids),
          position: s.pointer(WeightNames.positionEmbeddings),
          tokenType: s.pointer(WeightNames.tokenTypeEmbeddings), ids: ids.baseAddress!, positions: pos.baseAddress!,
          types: nil, rows: T, width: C)
      }
    }
    layerNormForward(
      out: x.data, mean: nil, rstd: nil, x: x.data, weight: s.pointer(WeightNames.embeddingsNormWeight),
      bias: s.pointer(WeightNames.embeddingsNormBias), rows: T, width: C, eps: c.layerNormEps)

    for l in 0..<c.numHiddenLayers {
      let n = WeightNames.Layer(l)
      if let w = s.pointer(spanning: n.qkvWeights), let b = s.pointer(spanning: n.qkvBiases) {
        // q, k, v as one (T, 3C) product
        linearForward(out: qkv.data, x: x.data, weight: w, bias: b, rows: T, inFeatures: C, outFeatures: 3 * C)
        attentionForward(
          ctx: ctx.data, probs: nil, probOffsets: nil, q: qkv.data, k: qkv.data + C, v: qkv.data + 2 * C, inputStride: 3 * C,
          layout: batch.layout, heads: c.numAttentionHeads, headDim: c.headDim)
      } else {
        let q = qkv.data, k = qkv.data + T * C, v = qkv.data + 2 * T * C
        linearForward(out: q, x: x.data, weight: s.pointer(n.queryWeight), bias: s.pointer(n.queryBias), rows: T, inFeatures: C, outFeatures: C)
        linearForward(out: k, x: x.data, weight: s.pointer(n.keyWeight), bias: s.pointer(n.keyBias), rows: T, inFeatures: C, outFeatures: C)
        linearForward(out: v, x: x.data, weight: s.pointer(n.valueWeight), bias: s.pointer(n.valueBias), rows: T, inFeatures: C, outFeatures: C)
        attentionForward(
          ctx: ctx.data, probs: nil, probOffsets: nil, q: q, k: k, v: v, layout: batch.layout, heads: c.numAttentionHeads,
          headDim: c.headDim)
      }
      linearForward(
        out: tmp.data, x: ctx.data, weight: s.pointer(n.attentionOutputWeight), bias: s.pointer(n.attentionOutputBias),
        rows: T, inFeatures: C, outFeatures: C)
      residualForward(out: tmp.data, a: tmp.data, b: x.data, count: T * C)
      layerNormForward(
        out: x.data, mean: nil, rstd: nil, x: tmp.data, weight: s.pointer(n.attentionNormWeight),
        bias: s.pointer(n.attentionNormBias), rows: T, width: C, eps: c.layerNormEps)
      linearForward(
        out: mid.data, x: x.data, weight: s.pointer(n.intermediateWeight), bias: s.pointer(n.intermediateBias),
        rows: T, inFeatures: C, outFeatures: F)
      geluForward(out: mid.data, x: mid.data, count: T * F)
      linearForward(
        out: tmp.data, x: mid.data, weight: s.pointer(n.outputWeight), bias: s.pointer(n.outputBias),
        rows: T, inFeatures: F, outFeatures: C)
      residualForward(out: tmp.data, a: tmp.data, b: x.data, count: T * C)
      layerNormForward(
        out: x.data, mean: nil, rstd: nil, x: tmp.data, weight: s.pointer(n.outputNormWeight),
        bias: s.pointer(n.outputNormBias), rows: T, width: C, eps: c.layerNormEps)
    }
    return x
  }

  /// Pooled (and optionally L2-normalized) sentence embeddings (S, C) of a packed batch.
  public func embed(_ batch: TokenBatch, pooling: PoolingMode, normalize: Bool) throws -> Tensor {
    let h = try hiddenStates(batch)
    let C = config.hiddenSize
    let out = Tensor(shape: [batch.count, C])
    poolForward(out: out.data, x: h.data, layout: batch.layout, width: C, mode: pooling)
    if normalize { l2NormalizeForward(out: out.data, norms: nil, x: out.data, rows: batch.count, width: C) }
    return out
  }
}
