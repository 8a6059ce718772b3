import Autograd

extension Encoder {
  /// Records the encoder's forward pass on `tape` and returns the final hidden states (T, C).
  /// With `dropout` the config's hidden and attention-probability dropout apply (training);
  /// without, the pass equals `hiddenStates(_:)`.
  ///
  /// Per layer the tape keeps what the backward kernels read and nothing else: the layer input,
  /// q, k, v, the attention probabilities, the attention context, the two pre-LayerNorm sums,
  /// the LayerNorm outputs, and the FFN activation and its GELU slope. Dropout masks are
  /// regenerated from their seeds; residual adds are fused into the linear before them.
  public func hiddenStates(_ batch: TokenBatch, on tape: Tape, dropout: Bool) throws -> Variable {
    try batch.validate(for: config)
    let c = config
    let hiddenP = dropout ? c.hiddenDropoutProb : 0, attentionP = dropout ? c.attentionProbsDropoutProb : 0
    // where this batch's elements sit in the batch it was sliced from (0 for a whole batch)
    let hiddenOffset = batch.precedingTokens * c.hiddenSize
    let attentionOffset = batch.precedingSquaredLengths * c.numAttentionHeads
    func p(_ name: String) -> Variable { tape.parameter(name, of: store) }

    let e = tape.embeddings(
      ids: batch.ids, positions: batch.positions, types: nil, word: p(WeightNames.wordEmbeddings),
      position: p(WeightNames.positionEmbeddings), tokenType: p(WeightNames.tokenTypeEmbeddings))
    var x = tape.layerNorm(
      e, weight: p(WeightNames.embeddingsNormWeight), bias: p(WeightNames.embeddingsNormBias), eps: c.layerNormEps,
      dropout: tape.dropout(p: hiddenP, offset: hiddenOffset))

    for l in 0..<c.numHiddenLayers {
      let n = WeightNames.Layer(l)
      let ctx: Variable
      if store.contiguousOffset(n.qkvWeights) != nil && store.contiguousOffset(n.qkvBiases) != nil {
        // one (T, 3C) projection: a wider matrix product than three (T, C) ones
        let C = c.hiddenSize
        let qkv = tape.linear(
          x, weight: tape.parameter(spanning: n.qkvWeights, of: store, shape: [3 * C, C]),
          bias: tape.parameter(spanning: n.qkvBiases, of: store, shape: [3 * C]))
        ctx = tape.attention(qkv: qkv, layout: batch.layout, heads: c.numAttentionHeads, dropout: tape.dropout(p: attentionP, offset: attentionOffset))
      } else {
        let q = tape.linear(x, weight: p(n.queryWeight), bias: p(n.queryBias))
        let k = tape.linear(x, weight: p(n.keyWeight), bias: p(n.keyBias))
        let v = tape.linear(x, weight: p(n.valueWeight), bias: p(n.valueBias))
        ctx = tape.attention(q: q, k: k, v: v, layout: batch.layout, heads: c.numAttentionHeads, dropout: tape.dropout(p: attentionP, offset: attentionOffset))
      }
      let a = tape.linear(
        ctx, weight: p(n.attentionOutputWeight), bias: p(n.attentionOutputBias), dropout: tape.dropout(p: hiddenP, offset: hiddenOffset),
        residual: x)
      let h = tape.layerNorm(a, weight: p(n.attentionNormWeight), bias: p(n.attentionNormBias), eps: c.layerNormEps)
      let mid = tape.linear(h, weight: p(n.intermediateWeight), bias: p(n.intermediateBias), gelu: true)
      let o = tape.linear(
        mid, weight: p(n.outputWeight), bias: p(n.outputBias), dropout: tape.dropout(p: hiddenP, offset: hiddenOffset), residual: h)
      x = tape.layerNorm(o, weight: p(n.outputNormWeight), bias: p(n.outputNormBias), eps: c.layerNormEps)
    }
    return x
  }

  /// Pooled (and optionally L2-normalized) sentence embeddings (S, C), recorded on `tape`.
  public func embed(
    _ batch: TokenBatch, on tape: Tape, pooling: PoolingMode, normalize: Bool, dropout: Bool
  ) throws -> Variable {
    let pooled = tape.pool(try hiddenStates(batch, on: tape, dropout: dropout), layout: batch.layout, mode: pooling)
    return normalize ? tape.l2Normalize(pooled) : pooled
  }
}
