import Autograd
import TestSupport
import Testing

/// Every tape op against central differences (GradCheck), on packed sequences of unequal
/// lengths where the op sees sequences.
@Suite struct OpGradientTests {
  static let layout = SequenceLayout(lengths: [1, 2, 7, 64])

  func tensor(_ shape: [Int], seed: UInt64, scale: Float = 1, offset: Float = 0) -> Tensor {
    var rng = SplitMix64(seed: seed)
    return Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in offset + scale * rng.nextNormal() })
  }

  func expectGradients(
    _ inputs: [(name: String, tensor: Tensor)], tolerance: Double = 3e-3, step: Float = 1e-2,
    _ build: (Tape, [Variable]) -> Variable
  ) throws {
    for c in try GradCheck.check(inputs: inputs, step: step, build: build) {
      #expect(c.relative <= tolerance, "\(c)")
      #expect(c.maxRef > 0, "\(c.name): the gradient is identically zero, nothing was checked")
    }
  }

  @Test func linearWithBiasGELUDropoutResidual() throws {
    let x = tensor([5, 6], seed: 1), w = tensor([4, 6], seed: 2, scale: 0.5), b = tensor([4], seed: 3), r = tensor([5, 4], seed: 4)
    try expectGradients([("x", x), ("weight", w), ("bias", b)]) { t, v in t.linear(v[0], weight: v[1], bias: v[2]) }
    try expectGradients([("x", x), ("weight", w), ("bias", b)]) { t, v in t.linear(v[0], weight: v[1], bias: v[2], gelu: true) }
    try expectGradients([("x", x), ("weight", w), ("bias", b), ("residual", r)]) { t, v in
      t.linear(v[0], weight: v[1], bias: v[2], dropout: t.dropout(p: 0.3), residual: v[3])
    }
    try expectGradients([("x", x), ("weight", w)]) { t, v in t.linear(v[0], weight: v[1], bias: nil) }
  }

  @Test func layerNormWithDropout() throws {
    let x = tensor([4, 16], seed: 5, scale: 2, offset: 1), w = tensor([16], seed: 6, offset: 1), b = tensor([16], seed: 7)
    try expectGradients([("x", x), ("weight", w), ("bias", b)], tolerance: 5e-3) { t, v in
      t.layerNorm(v[0], weight: v[1], bias: v[2], eps: 1e-5)
    }
    try expectGradients([("x", x), ("weight", w), ("bias", b)], tolerance: 5e-3) { t, v in
      t.layerNorm(v[0], weight: v[1], bias: v[2], eps: 1e-5, dropout: t.dropout(p: 0.5))
    }
  }

  @Test func geluDropoutAddScale() throws {
    let x = tensor([3, 20], seed: 8, scale: 2), y = tensor([3, 20], seed: 9)
    try expectGradients([("x", x)]) { t, v in t.gelu(v[0]) }
    try expectGradients([("x", x)]) { t, v in t.dropout(v[0], p: 0.25) }
    try expectGradients([("a", x), ("b", y)]) { t, v in t.add(v[0], v[1]) }
    try expectGradients([("x", x)]) { t, v in t.scale(v[0], by: -3) }
  }

  @Test func embeddingsScatterAddIntoRepeatedRows() throws {
    let word = tensor([10, 4], seed: 10), pos = tensor([6, 4], seed: 11), type = tensor([2, 4], seed: 12)
    let ids: [Int32] = [3, 7, 3, 3, 0, 9], positions: [Int32] = [2, 3, 4, 2, 2, 5], types: [Int32] = [0, 1, 0, 0, 1, 1]
    try expectGradients([("word", word), ("position", pos), ("tokenType", type)]) { t, v in
      t.embeddings(ids: ids, positions: positions, types: types, word: v[0], position: v[1], tokenType: v[2])
    }
    // rows no token used get no gradient; a row used three times gets three contributions
    let tape = Tape()
    let vw = tape.input(word), vp = tape.input(pos), vt = tape.input(type)
    let e = tape.embeddings(ids: ids, positions: positions, types: nil, word: vw, position: vp, tokenType: vt)
    try tape.backward(from: e, seed: [Float](repeating: 1, count: 24))
    let g = tape.gradient(vw)!
    #expect(g[4 * 1] == 0 && g[4 * 3] == 3 && g[4 * 9] == 1)
    #expect(tape.gradient(vt)![0] == 6 && tape.gradient(vt)![4] == 0)
  }

  @Test func attentionOnPackedSequences() throws {
    let T = Self.layout.totalTokens, H = 2, D = 4
    let q = tensor([T, H * D], seed: 13), k = tensor([T, H * D], seed: 14), v = tensor([T, H * D], seed: 15)
    try expectGradients([("q", q), ("k", k), ("v", v)]) { t, x in
      t.attention(q: x[0], k: x[1], v: x[2], layout: Self.layout, heads: H)
    }
    try expectGradients([("q", q), ("k", k), ("v", v)]) { t, x in
      t.attention(q: x[0], k: x[1], v: x[2], layout: Self.layout, heads: H, dropout: t.dropout(p: 0.2))
    }
  }

  @Test func fusedQKVAttentionEqualsSeparateAndMatchesCentralDifferences() throws {
    let T = Self.layout.totalTokens, H = 2, D = 4, C = H * D
    let qkv = tensor([T, 3 * C], seed: 24)
    try expectGradients([("qkv", qkv)]) { t, x in t.attention(qkv: x[0], layout: Self.layout, heads: H, dropout: t.dropout(p: 0.2)) }
    // the same numbers as q, k, v given apart
    let parts = (0..<3).map { p in Tensor(shape: [T, C], values: (0..<T * C).map { qkv.data[($0 / C) * 3 * C + p * C + $0 % C] }) }
    let a = Tape(), b = Tape()
    let fused = a.attention(qkv: a.input(qkv), layout: Self.layout, heads: H)
    let apart = b.attention(q: b.input(parts[0]), k: b.input(parts[1]), v: b.input(parts[2]), layout: Self.layout, heads: H)
    #expect(a.array(fused) == b.array(apart))
  }

  @Test func poolingOnPackedSequences() throws {
    let x = tensor([Self.layout.totalTokens, 5], seed: 16)
    for mode in PoolingMode.allCases {
      try expectGradients([("x", x)]) { t, v in t.pool(v[0], layout: Self.layout, mode: mode) }
    }
  }

  @Test func normalizeAndSimilarities() throws {
    let a = tensor([4, 6], seed: 17), b = tensor([5, 6], seed: 18)
    try expectGradients([("x", a)]) { t, v in t.l2Normalize(v[0]) }
    try expectGradients([("a", a), ("b", b)]) { t, v in t.dotProducts(v[0], v[1]) }
    try expectGradients([("a", a), ("b", b)]) { t, v in t.cosineSimilarityMatrix(v[0], v[1]) }
    try expectGradients([("x", a)]) { t, v in t.rows(v[0], 1..<3) }
    try expectGradients([("x", a)]) { t, v in t.l2Normalize(t.leadingColumns(v[0], 3)) }
    try expectGradients([("a", a), ("b", tensor([4, 6], seed: 22))]) { t, v in t.rowDot(v[0], v[1]) }
    try expectGradients([("x", tensor([5], seed: 23))]) { t, v in t.pairwiseDifferences(v[0]) }
    try expectGradients([("a", a), ("b", b)]) { t, v in t.concatenate([v[0], t.scale(v[1], by: 2)]) }
    try expectGradients([("x", a)]) { t, v in t.tanh(t.reshape(v[0], to: [6, 4])) }
    try expectGradients([("x", a)]) { t, v in t.gather(v[0], columns: [5, 0, 0, 3, 2, 2, 1, 4], width: 2) }
  }

  @Test func softmaxLosses() throws {
    let x = tensor([3, 5], seed: 19, scale: 2), y = tensor([3, 5], seed: 20)
    var rng = SplitMix64(seed: 21)
    var p = (0..<15).map { _ in Float(rng.next() % 100) / 100 + 0.01 }
    for r in 0..<3 {
      let s = p[r * 5..<r * 5 + 5].reduce(0, +)
      for j in 0..<5 { p[r * 5 + j] /= s }
    }
    p[7] = 0  // a zero-probability target contributes nothing
    try expectGradients([("x", x)]) { t, v in t.logSoftmax(v[0]) }
    try expectGradients([("x", x)]) { t, v in t.crossEntropy(v[0], targets: [4, 0, 2]) }
    try expectGradients([("x", x)]) { t, v in t.klDivergence(t.logSoftmax(v[0]), targetProbs: p) }
    try expectGradients([("a", x), ("b", y)]) { t, v in t.mse(v[0], v[1]) }
    try expectGradients([("x", x)]) { t, v in t.mean(v[0]) }
    var mask = [Bool](repeating: false, count: 15)
    mask[1] = true; mask[9] = true
    try expectGradients([("x", x)]) { t, v in t.crossEntropy(t.maskedFill(v[0], mask: mask), targets: [4, 0, 2]) }
  }
}
