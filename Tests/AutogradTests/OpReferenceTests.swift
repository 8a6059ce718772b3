import Autograd
import Losses
import SafeTensors
import TestSupport
import Testing

/// Every tape op against PyTorch's output and input gradients (tools/reference/ops.py), for a
/// random upstream gradient; sequence ops on packed sequences of 1, 2, 7 and 64 tokens, which
/// PyTorch runs padded and masked. Dropout's mask generator is re-implemented in the script, so
/// the reference fixes the mask as well.
@Suite struct OpReferenceTests {
  static let file = Result { try SafeTensorsFile(path: Fixtures.path("ops/reference.safetensors")) }
  static let layout = SequenceLayout(lengths: [1, 2, 7, 64])

  func check(
    _ op: String, _ inputs: [String], tolerance: Float = 2e-6, tapeSeed: UInt64 = 0, _ build: (Tape, [Variable]) throws -> Variable
  ) throws {
    let ref = try Self.file.get()
    let tape = Tape(seed: tapeSeed)
    var vars: [Variable] = []
    for name in inputs {
      let key = "\(op).\(name)"
      vars.append(tape.input(Tensor(shape: ref.entries[key]!.shape, values: try ref.floats(key))))
    }
    let out = try build(tape, vars)
    let dOut = difference(tape.array(out), try ref.floats("\(op).out"))
    #expect(dOut.maxAbs <= tolerance * max(1, dOut.maxRef), "\(op) output: \(dOut)")
    try tape.backward(from: out, seed: try ref.floats("\(op).upstream"))
    for (name, v) in zip(inputs, vars) {
      let d = difference(tape.gradient(v) ?? [], try ref.floats("\(op).grad.\(name)"))
      #expect(d.maxAbs <= tolerance * max(1, d.maxRef), "\(op) gradient of \(name): \(d)")
    }
  }

  func ints(_ key: String) throws -> [Int] { try Self.file.get().int64s(key).map { Int($0) } }

  @Test func embeddingsLinearLayerNormGELU() throws {
    let ids = try ints("embeddings.ids").map(Int32.init), pos = try ints("embeddings.positions").map(Int32.init)
    let types = try ints("embeddings.types").map(Int32.init)
    try check("embeddings", ["word", "position", "tokenType"]) { t, v in
      t.embeddings(ids: ids, positions: pos, types: types, word: v[0], position: v[1], tokenType: v[2])
    }
    try check("linear", ["x", "weight", "bias", "residual"]) { t, v in
      t.linear(v[0], weight: v[1], bias: v[2], residual: v[3])
    }
    try check("linearGELU", ["x", "weight", "bias"]) { t, v in t.linear(v[0], weight: v[1], bias: v[2], gelu: true) }
    try check("layerNorm", ["x", "weight", "bias"]) { t, v in t.layerNorm(v[0], weight: v[1], bias: v[2], eps: 1e-5) }
    try check("gelu", ["x"]) { t, v in t.gelu(v[0]) }
    try check("add", ["a", "b"]) { t, v in t.add(v[0], v[1]) }
    try check("scale", ["x"]) { t, v in t.scale(v[0], by: -3.5) }
    try check("dropout", ["x"], tapeSeed: 1234) { t, v in t.dropout(v[0], p: 0.25) }
  }

  @Test func packedSequenceOps() throws {
    #expect(try ints("attention.lengths") == [1, 2, 7, 64])
    try check("attention", ["q", "k", "v"]) { t, v in t.attention(q: v[0], k: v[1], v: v[2], layout: Self.layout, heads: 2) }
    try check("poolMean", ["x"]) { t, v in t.pool(v[0], layout: Self.layout, mode: .mean) }
    try check("poolCLS", ["x"]) { t, v in t.pool(v[0], layout: Self.layout, mode: .cls) }
  }

  @Test func similaritiesAndLosses() throws {
    try check("l2Normalize", ["x"]) { t, v in t.l2Normalize(v[0]) }
    try check("cosineSimilarity", ["a", "b"]) { t, v in t.cosineSimilarityMatrix(v[0], v[1]) }
    try check("rows", ["x"]) { t, v in t.rows(v[0], 1..<3) }
    try check("leadingColumns", ["x"]) { t, v in t.leadingColumns(v[0], 4) }
    try check("logSoftmax", ["x"]) { t, v in t.logSoftmax(v[0]) }
    let targets = try ints("crossEntropy.targets")
    try check("crossEntropy", ["x"]) { t, v in t.crossEntropy(v[0], targets: targets) }
    let mask = try ints("maskedCrossEntropy.mask").map { $0 != 0 }
    try check("maskedCrossEntropy", ["x"]) { t, v in t.crossEntropy(t.maskedFill(v[0], mask: mask), targets: targets) }
    let p = try Self.file.get().floats("klDivergence.target")
    try check("klDivergence", ["x"]) { t, v in t.klDivergence(t.logSoftmax(v[0]), targetProbs: p) }
    try check("mse", ["a", "b"]) { t, v in t.mse(v[0], v[1]) }
    try check("mean", ["x"]) { t, v in t.mean(v[0]) }
    try check("rowDot", ["a", "b"]) { t, v in t.rowDot(v[0], v[1]) }
    try check("pairwiseDifferences", ["x"]) { t, v in t.pairwiseDifferences(v[0]) }
    let scores = try Self.file.get().floats("cosent.scores")
    try check("cosent", ["a", "b"], tolerance: 1e-5) { t, v in CoSENT(scale: 20).loss(tape: t, a: v[0], b: v[1], scores: scores) }
  }
}
