import Autograd

/// One transformer layer (`XLMRobertaLayer` / `BertLayer`), as Hugging Face splits it into
/// sub-modules: self-attention (`attention.self`), its output (`attention.output`: dense,
/// dropout, residual, LayerNorm), the intermediate (`intermediate`: dense, GELU) and the output
/// (`output`: dense, dropout, residual, LayerNorm). It holds the names of its parameters in the
/// store (`WeightNames.Layer`); its forward pass is written once, over `LayerOps`, and runs on
/// kernels (inference, `Encoder.hiddenStates(_:)`) or on a tape (training).
public struct EncoderLayer: Sendable {
  /// A dense layer's weight (out, in) and bias (out), each one parameter of the store or, for
  /// the fused query, key and value, several lying back to back.
  public struct Dense: Sendable {
    public let weight: [String]
    public let bias: [String]
    public let inFeatures: Int
    public let outFeatures: Int
  }

  public struct LayerNorm: Sendable {
    public let weight: String
    public let bias: String
  }

  /// `attention.self`: q, k, v projections and scaled dot-product attention over each sequence.
  public struct SelfAttention: Sendable {
    public let query: Dense
    public let key: Dense
    public let value: Dense
    /// The three projections as one (3C, C) product, when their weights and their biases lie
    /// back to back in the store (as `WeightNames.specs` lays them out): a wider matrix product
    /// than three (T, C) ones.
    public let fused: Dense?

    func forward<Ops: LayerOps>(_ x: Ops.Value, _ ops: Ops) -> Ops.Value {
      if let fused { return ops.attention(qkv: ops.dense(fused, x, into: .qkv)) }
      return ops.attention(
        q: ops.dense(query, x, into: .query), k: ops.dense(key, x, into: .key), v: ops.dense(value, x, into: .value))
    }
  }

  /// `attention.output` and `output`: LayerNorm(dropout(dense(x)) + residual).
  public struct Output: Sendable {
    public let dense: Dense
    public let layerNorm: LayerNorm

    func forward<Ops: LayerOps>(_ x: Ops.Value, residual: Ops.Value, _ ops: Ops) -> Ops.Value {
      ops.layerNorm(layerNorm, ops.dense(dense, x, gelu: false, dropout: true, residual: residual, into: .sum), into: .hidden)
    }
  }

  public let selfAttention: SelfAttention
  public let attentionOutput: Output
  /// `intermediate`: GELU(dense(x)).
  public let intermediate: Dense
  public let output: Output

  /// Layer `l` of an encoder with `config` whose parameters are in `store`.
  init(_ l: Int, config c: EncoderConfig, store: ParameterStore) {
    let n = WeightNames.Layer(l), C = c.hiddenSize, F = c.intermediateSize
    func dense(_ weight: String, _ bias: String, _ i: Int, _ o: Int) -> Dense {
      Dense(weight: [weight], bias: [bias], inFeatures: i, outFeatures: o)
    }
    let fused = store.contiguousOffset(n.qkvWeights) != nil && store.contiguousOffset(n.qkvBiases) != nil
    selfAttention = SelfAttention(
      query: dense(n.queryWeight, n.queryBias, C, C), key: dense(n.keyWeight, n.keyBias, C, C),
      value: dense(n.valueWeight, n.valueBias, C, C),
      fused: fused ? Dense(weight: n.qkvWeights, bias: n.qkvBiases, inFeatures: C, outFeatures: 3 * C) : nil)
    attentionOutput = Output(
      dense: dense(n.attentionOutputWeight, n.attentionOutputBias, C, C),
      layerNorm: LayerNorm(weight: n.attentionNormWeight, bias: n.attentionNormBias))
    intermediate = dense(n.intermediateWeight, n.intermediateBias, C, F)
    output = Output(
      dense: dense(n.outputWeight, n.outputBias, F, C), layerNorm: LayerNorm(weight: n.outputNormWeight, bias: n.outputNormBias))
  }

  /// The layer's output (T, C) for its input `x` (T, C).
  func forward<Ops: LayerOps>(_ x: Ops.Value, _ ops: Ops) -> Ops.Value {
    let h = ops.attentionHalf(selfAttention, attentionOutput, x)
    return ops.feedForward(intermediate, output, h)
  }
}

/// What a layer's forward pass does, on kernels (`KernelOps`) or on a tape (`TapeOps`).
protocol LayerOps {
  associatedtype Value
  /// x·Wᵀ + b (T, out); then GELU, or with `dropout` the hidden dropout (training only) and
  /// `residual` added.
  func dense(_ d: EncoderLayer.Dense, _ x: Value, gelu: Bool, dropout: Bool, residual: Value?, into: LayerBuffer) -> Value
  /// Attention over q, k, v given as one (T, 3C) matrix.
  func attention(qkv: Value) -> Value
  func attention(q: Value, k: Value, v: Value) -> Value
  func layerNorm(_ n: EncoderLayer.LayerNorm, _ x: Value, into: LayerBuffer) -> Value
  /// The attention half, `output` after `selfAttention`: LayerNorm(dense(attention(x)) + x).
  func attentionHalf(_ selfAttention: EncoderLayer.SelfAttention, _ output: EncoderLayer.Output, _ x: Value) -> Value
  /// The feed-forward half, `output` after `intermediate`: LayerNorm(dense(GELU(dense(h))) + h).
  func feedForward(_ intermediate: EncoderLayer.Dense, _ output: EncoderLayer.Output, _ h: Value) -> Value
}

extension LayerOps {
  func attentionHalf(_ selfAttention: EncoderLayer.SelfAttention, _ output: EncoderLayer.Output, _ x: Value) -> Value {
    output.forward(selfAttention.forward(x, self), residual: x, self)
  }

  func feedForward(_ intermediate: EncoderLayer.Dense, _ output: EncoderLayer.Output, _ h: Value) -> Value {
    output.forward(dense(intermediate, h, gelu: true, into: .intermediate), residual: h, self)
  }

  func dense(_ d: EncoderLayer.Dense, _ x: Value, gelu: Bool = false, into buffer: LayerBuffer) -> Value {
    dense(d, x, gelu: gelu, dropout: false, residual: nil, into: buffer)
  }
}

/// Where the kernel path keeps a result: it reuses a few buffers for every layer (the tape
/// allocates each result and ignores this). `query`, `key` and `value` are the thirds of `qkv`.
enum LayerBuffer {
  case hidden, qkv, query, key, value, sum, intermediate
}
