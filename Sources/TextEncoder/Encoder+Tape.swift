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
    let ops = TapeOps(
      tape: tape, store: store, layout: batch.layout, heads: c.numAttentionHeads, eps: c.layerNormEps,
      hiddenP: dropout ? c.hiddenDropoutProb : 0, attentionP: dropout ? c.attentionProbsDropoutProb : 0,
      // where this batch's elements sit in the batch it was sliced from (0 for a whole batch)
      hiddenOffset: batch.precedingTokens * c.hiddenSize, attentionOffset: batch.precedingSquaredLengths * c.numAttentionHeads)
    func p(_ name: String) -> Variable { tape.parameter(name, of: store) }

    let e = tape.embeddings(
      ids: batch.ids, positions: batch.positions, types: batch.types, word: p(WeightNames.wordEmbeddings),
      position: p(WeightNames.positionEmbeddings), tokenType: p(WeightNames.tokenTypeEmbeddings))
    var x = tape.layerNorm(
      e, weight: p(WeightNames.embeddingsNormWeight), bias: p(WeightNames.embeddingsNormBias), eps: c.layerNormEps,
      dropout: ops.hiddenDropout())
    for layer in layers { x = layer.forward(x, ops) }
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

/// A layer's forward pass recorded on a tape, each parameter a view into the store; the hidden
/// and attention-probability dropout (probability 0 without dropout) draw a seed per use.
struct TapeOps: LayerOps {
  let tape: Tape
  let store: ParameterStore
  let layout: SequenceLayout
  let heads: Int
  let eps: Float
  let hiddenP: Float, attentionP: Float
  let hiddenOffset: Int, attentionOffset: Int

  /// The hidden dropout of one use (a fresh seed), nil without dropout.
  func hiddenDropout() -> Dropout? { tape.dropout(p: hiddenP, offset: hiddenOffset) }

  /// Parameter `names` (one, or several back to back as one tensor of `shape`) of the store.
  func parameter(_ names: [String], shape: [Int]) -> Variable {
    names.count == 1 ? tape.parameter(names[0], of: store) : tape.parameter(spanning: names, of: store, shape: shape)
  }

  func dense(
    _ d: EncoderLayer.Dense, _ x: Variable, gelu: Bool, dropout: Bool, residual: Variable?, into _: LayerBuffer
  ) -> Variable {
    tape.linear(
      x, weight: parameter(d.weight, shape: [d.outFeatures, d.inFeatures]), bias: parameter(d.bias, shape: [d.outFeatures]),
      gelu: gelu, dropout: dropout ? hiddenDropout() : nil, residual: residual)
  }

  func attention(qkv: Variable) -> Variable {
    tape.attention(qkv: qkv, layout: layout, heads: heads, dropout: tape.dropout(p: attentionP, offset: attentionOffset))
  }

  func attention(q: Variable, k: Variable, v: Variable) -> Variable {
    tape.attention(q: q, k: k, v: v, layout: layout, heads: heads, dropout: tape.dropout(p: attentionP, offset: attentionOffset))
  }

  func layerNorm(_ n: EncoderLayer.LayerNorm, _ x: Variable, into _: LayerBuffer) -> Variable {
    tape.layerNorm(x, weight: tape.parameter(n.weight, of: store), bias: tape.parameter(n.bias, of: store), eps: eps)
  }
}
