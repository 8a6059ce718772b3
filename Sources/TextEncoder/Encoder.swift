import Autograd

/// A BERT-family transformer encoder (XLM-R or BERT) over packed token batches, its parameters in
/// one `ParameterStore` under Hugging Face names.
public final class Encoder: @unchecked Sendable {
  public let config: EncoderConfig
  public let store: ParameterStore
  public let layers: [EncoderLayer]
  /// `pooler.dense.*` of the weights it was loaded from, kept untouched and written back (see `Pooler`).
  public var pooler: Pooler?

  /// An encoder with zeroed parameters; fill them with `load(from:)` or `initializeRandom(seed:)`.
  public init(config: EncoderConfig) {
    self.config = config
    self.store = ParameterStore(specs: WeightNames.specs(config))
    self.layers = (0..<config.numHiddenLayers).map { [store] in EncoderLayer($0, config: config, store: store) }
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
        (batch.types ?? []).withUnsafeBufferPointer { types in
          embeddingSumForward(
            out: x.data, word: s.pointer(WeightNames.wordEmbeddings, readingRows: ids),
            position: s.pointer(WeightNames.positionEmbeddings),
            tokenType: s.pointer(WeightNames.tokenTypeEmbeddings), ids: ids.baseAddress!, positions: pos.baseAddress!,
            types: batch.types == nil ? nil : types.baseAddress, rows: T, width: C)
        }
      }
    }
    layerNormForward(
      out: x.data, mean: nil, rstd: nil, x: x.data, weight: s.pointer(WeightNames.embeddingsNormWeight),
      bias: s.pointer(WeightNames.embeddingsNormBias), rows: T, width: C, eps: c.layerNormEps)

    let ops = KernelOps(
      store: s, layout: batch.layout, heads: c.numAttentionHeads, headDim: c.headDim, eps: c.layerNormEps, rows: T, width: C,
      hidden: x.data, qkv: qkv.data, context: ctx.data, sum: tmp.data, intermediate: mid.data)
    for layer in layers { _ = layer.forward(x.data, ops) }  // each leaves its output in x
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

/// A layer's forward pass on the kernels, into buffers allocated once per batch: each layer
/// reads its input from `hidden` and leaves its output there. No dropout.
struct KernelOps: LayerOps {
  let store: ParameterStore
  let layout: SequenceLayout
  let heads: Int, headDim: Int
  let eps: Float
  /// T tokens of width C.
  let rows: Int, width: Int
  let hidden, qkv, context, sum, intermediate: UnsafeMutablePointer<Float>

  func buffer(_ b: LayerBuffer) -> UnsafeMutablePointer<Float> {
    switch b {
    case .hidden: hidden
    case .qkv, .query: qkv
    case .key: qkv + rows * width
    case .value: qkv + 2 * rows * width
    case .sum: sum
    case .intermediate: intermediate
    }
  }

  /// Parameter `names` (one, or several back to back) of the store.
  func parameter(_ names: [String]) -> UnsafeMutablePointer<Float> {
    names.count == 1 ? store.pointer(names[0]) : store.pointer(spanning: names)!
  }

  func dense(
    _ d: EncoderLayer.Dense, _ x: UnsafeMutablePointer<Float>, gelu: Bool, dropout: Bool, residual: UnsafeMutablePointer<Float>?,
    into b: LayerBuffer
  ) -> UnsafeMutablePointer<Float> {
    let out = buffer(b)
    // in bf16 the weight's copy (made once while the weights stay as they are) takes its place
    let weightBF16 = store.bf16Copy(d.weight)
    linearForward(
      out: out, x: x, weight: weightBF16 == nil ? parameter(d.weight) : nil, weightBF16: weightBF16,
      bias: parameter(d.bias), rows: rows, inFeatures: d.inFeatures, outFeatures: d.outFeatures, gelu: gelu,
      residual: residual)
    return out
  }

  func attention(qkv: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
    attention(q: qkv, k: qkv + width, v: qkv + 2 * width, stride: 3 * width)
  }

  func attention(
    q: UnsafeMutablePointer<Float>, k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
  ) -> UnsafeMutablePointer<Float> {
    attention(q: q, k: k, v: v, stride: width)
  }

  /// In bf16 (a CPU with AVX-512) the AVX-512 kernel; in fp32 the portable one.
  private func attention(
    q: UnsafeMutablePointer<Float>, k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, stride: Int
  ) -> UnsafeMutablePointer<Float> {
    if store.precision == .bf16 {
      attentionForwardAVX512(ctx: context, q: q, k: k, v: v, inputStride: stride, layout: layout, heads: heads, headDim: headDim)
    } else {
      attentionForward(
        ctx: context, probs: nil, probOffsets: nil, q: q, k: k, v: v, inputStride: stride, layout: layout, heads: heads,
        headDim: headDim)
    }
    return context
  }

  /// In bf16 (with the q, k, v projections fused), in blocks of whole sequences of up to
  /// `blockRows` rows (a longer sequence is a block of its own): a block's q, k, v
  /// (rows, 3C) and context are made and consumed while they are in the cache, instead of going
  /// through memory. Each row's arithmetic is the unblocked one's.
  func attentionHalf(
    _ selfAttention: EncoderLayer.SelfAttention, _ output: EncoderLayer.Output, _ x: UnsafeMutablePointer<Float>
  ) -> UnsafeMutablePointer<Float> {
    guard let fused = selfAttention.fused, let wQKV = store.bf16Copy(fused.weight), let wOut = store.bf16Copy(output.dense.weight)
    else { return output.forward(selfAttention.forward(x, self), residual: x, self) }
    let C = width, layout = layout
    var blocks: [Range<Int>] = []  // of sequences
    var first = 0
    while first < layout.count {
      var end = first + 1
      while end < layout.count && layout.offsets[end + 1] - layout.offsets[first] <= KernelOps.blockRows { end += 1 }
      blocks.append(first..<end)
      first = end
    }
    let maxRows = blocks.map { layout.offsets[$0.upperBound] - layout.offsets[$0.lowerBound] }.max() ?? 0
    let qkvBias = parameter(fused.bias), finish = outputBlock(output, weight: wOut)
    let (heads, headDim) = (heads, headDim)
    parallelFor(blocks.count) { range in
      Parallel.serially {
        let x16 = BF16.Buffer(count: maxRows * C)
        let qkv = UnsafeMutablePointer<Float>.allocate(capacity: maxRows * 3 * C)
        let context = UnsafeMutablePointer<Float>.allocate(capacity: maxRows * C)
        defer { qkv.deallocate(); context.deallocate() }
        for b in range {
          let sequences = blocks[b], r0 = layout.offsets[sequences.lowerBound], n = layout.offsets[sequences.upperBound] - r0
          BF16.round(x + r0 * C, into: x16.data, count: n * C)
          BF16.linear(rows: n, outFeatures: 3 * C, inFeatures: C, x: x16.data, weight: wQKV, bias: qkvBias, out: qkv)
          attentionForwardAVX512(
            ctx: context, q: qkv, k: qkv + C, v: qkv + 2 * C, inputStride: 3 * C,
            layout: SequenceLayout(lengths: sequences.map { layout.length($0) }), heads: heads, headDim: headDim)
          BF16.round(context, into: x16.data, count: n * C)
          finish(x16: x16.data, inFeatures: C, residual: x, rows: r0, count: n)
        }
      }
    }
    return hidden
  }

  /// In bf16, in blocks of `blockRows` rows: a block's intermediate (rows, F) is made, passed
  /// through GELU, rounded to bf16 and consumed by the output product while it is in the cache,
  /// instead of going through memory four times. Each row's arithmetic is the unblocked one's.
  func feedForward(
    _ intermediate: EncoderLayer.Dense, _ output: EncoderLayer.Output, _ h: UnsafeMutablePointer<Float>
  ) -> UnsafeMutablePointer<Float> {
    guard let w1 = store.bf16Copy(intermediate.weight), let w2 = store.bf16Copy(output.dense.weight) else {
      return output.forward(dense(intermediate, h, gelu: true, into: .intermediate), residual: h, self)
    }
    let C = width, F = intermediate.outFeatures, block = KernelOps.blockRows
    let b1 = parameter(intermediate.bias), finish = outputBlock(output, weight: w2), rows = rows
    parallelFor((rows + block - 1) / block) { blocks in
      Parallel.serially {
        let x16 = BF16.Buffer(count: block * C), mid16 = BF16.Buffer(count: block * F)
        let mid = UnsafeMutablePointer<Float>.allocate(capacity: block * F)
        defer { mid.deallocate() }
        for b in blocks {
          let r0 = b * block, n = min(block, rows - r0)
          BF16.round(h + r0 * C, into: x16.data, count: n * C)
          BF16.linear(rows: n, outFeatures: F, inFeatures: C, x: x16.data, weight: w1, bias: b1, out: mid)
          BF16.geluRounded(mid, into: mid16.data, count: n * F)
          finish(x16: mid16.data, inFeatures: F, residual: h, rows: r0, count: n)
        }
      }
    }
    return hidden
  }

  /// How either half ends in bf16, for a block of rows: `hidden` = LayerNorm(x16·Wᵀ + b +
  /// residual), the sum made in `sum` by oneDNN as it writes.
  struct OutputBlock {
    let weight: BF16.Buffer, bias: UnsafeMutablePointer<Float>
    let normWeight: UnsafeMutablePointer<Float>, normBias: UnsafeMutablePointer<Float>, eps: Float
    let width: Int, sum: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>

    /// Rows `r0..<r0 + n`; `x16` holds the block's n rows of `inFeatures`, `residual` all rows.
    func callAsFunction(x16: UnsafePointer<UInt16>, inFeatures: Int, residual: UnsafePointer<Float>, rows r0: Int, count n: Int) {
      let C = width
      BF16.linear(
        rows: n, outFeatures: C, inFeatures: inFeatures, x: x16, weight: weight, bias: bias, addend: residual + r0 * C,
        out: sum + r0 * C)
      layerNormForward(
        out: hidden + r0 * C, mean: nil, rstd: nil, x: sum + r0 * C, weight: normWeight, bias: normBias, rows: n, width: C,
        eps: eps)
    }
  }

  func outputBlock(_ output: EncoderLayer.Output, weight: BF16.Buffer) -> OutputBlock {
    OutputBlock(
      weight: weight, bias: parameter(output.dense.bias), normWeight: store.pointer(output.layerNorm.weight),
      normBias: store.pointer(output.layerNorm.bias), eps: eps, width: width, sum: sum, hidden: hidden)
  }

  /// Rows of a block in bf16 (a feed-forward block's intermediate, 128 × 1536 floats for
  /// e5-small, and an attention block's q, k, v, 128 × 1152, stay in a core's L2 cache).
  static let blockRows = 128

  func layerNorm(_ n: EncoderLayer.LayerNorm, _ x: UnsafeMutablePointer<Float>, into b: LayerBuffer) -> UnsafeMutablePointer<Float> {
    let out = buffer(b)
    layerNormForward(
      out: out, mean: nil, rstd: nil, x: x, weight: store.pointer(n.weight), bias: store.pointer(n.bias), rows: rows, width: width,
      eps: eps)
    return out
  }
}
