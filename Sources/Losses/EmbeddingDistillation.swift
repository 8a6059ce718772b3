import Autograd
import Foundation

/// Embedding distillation from a bi-encoder teacher (sentence-transformers' MSELoss): every text
/// of the batch — each query, its positive and its first `hardNegatives` negatives — is
/// embedded by the student (s, normalized when the model's output is) and compared with the
/// teacher's stored embedding t of the same text:
///   mse = mean over texts and teacher dimensions of (s·Wᵀ − t)²,
/// W (teacher dims × student dims) a learned projection when the two widths differ (none when
/// they are equal). Optionally, with `klWeight`, the KL of the teacher's and the student's
/// in-batch similarity distributions: for query i over the batch's candidates (every positive,
/// then the hard negatives; a duplicate of its positive left out, as InfoNCE leaves it out),
///   kl = mean_i Σ_j p_ij (log p_ij − log q_ij),  p_i = softmax(cos_t(q_i, c) / T), q_i = softmax(cos_s(q_i, c) / T).
/// With `infoNCE` the stage's InfoNCE is added:
///   loss = infoNCEWeight · InfoNCE + weight · mse + klWeight · kl,
/// T being InfoNCE's temperature; alone, loss = weight · mse + klWeight · kl.
public struct EmbeddingDistillation: Objective {
  public var infoNCE: InfoNCE?
  public var infoNCEWeight: Float
  public var weight: Float
  public var klWeight: Float
  /// The temperature of the KL term's softmaxes.
  public var temperature: Float
  /// Negatives per example that are embedded (InfoNCE's own when it is there).
  public var hardNegatives: Int
  /// The student's embedding is L2-normalized before the MSE (the model's output is normalized).
  public var normalize: Bool
  public var projection: Projection?

  /// The learned map from the student's embedding width to the teacher's: one matrix (teacher
  /// dims, student dims) in a store of its own, trained beside the encoder and saved with the
  /// checkpoint, never exported with the model.
  public struct Projection: Sendable {
    public static let name = "projection.weight"
    public let store: ParameterStore
    public var teacherDim: Int { store.views[0].shape[0] }
    public var studentDim: Int { store.views[0].shape[1] }

    /// A projection initialized as PyTorch's `nn.Linear` (uniform in ±1/√(student dims)),
    /// drawn from `seed`.
    public init(studentDim: Int, teacherDim: Int, seed: UInt64) {
      store = ParameterStore(specs: [(Self.name, [teacherDim, studentDim])])
      var g = SplitMix64(seed: seed)
      let bound = 1 / Float(studentDim).squareRoot()
      let w = store.pointer(Self.name)
      for i in 0..<(teacherDim * studentDim) {
        let u = Float(g.next() >> 40) / Float(1 << 24)  // [0, 1)
        w[i] = (2 * u - 1) * bound
      }
    }

    /// A projection with these weights, row-major (teacher dims, student dims).
    public init(weights: [Float], studentDim: Int, teacherDim: Int) {
      precondition(weights.count == studentDim * teacherDim, "projection weights")
      store = ParameterStore(specs: [(Self.name, [teacherDim, studentDim])])
      store.pointer(Self.name).update(from: weights, count: weights.count)
    }
  }

  public init(
    infoNCE: InfoNCE?, infoNCEWeight: Float = 1, weight: Float, klWeight: Float = 0, temperature: Float? = nil,
    hardNegatives: Int = 0, normalize: Bool, projection: Projection? = nil
  ) {
    self.infoNCE = infoNCE
    self.infoNCEWeight = infoNCEWeight
    self.weight = weight
    self.klWeight = klWeight
    self.temperature = infoNCE?.temperature ?? temperature ?? 0.05
    self.hardNegatives = infoNCE?.hardNegatives ?? hardNegatives
    self.normalize = normalize
    self.projection = projection
  }

  public var reads: ModelOutput { .embeddings }
  public var textsPerExample: Int { 2 + hardNegatives }
  public var parameters: ParameterStore? { projection?.store }

  /// Rows as InfoNCE's: every query, then every positive, then each query's first
  /// `hardNegatives` negatives in order. Units: the queries; a rank's share is its queries with
  /// their positives and negatives.
  public func batch(_ examples: [LossExample]) throws -> LossBatch {
    let inner = try infoNCE.map { try $0.batch(examples) }
    var queries: [LossInput] = [], positives: [LossInput] = [], negatives: [LossInput] = []
    var positiveKeys: [String] = [], negativeKeys: [String] = [], negativeOwners: [Int] = []
    var teacher: [[Float]] = [], teacherPositives: [[Float]] = [], teacherNegatives: [[Float]] = []
    for (i, e) in examples.enumerated() {
      guard e.score == nil else {
        throw LossError.unsuitableExample(objective: "embedding distillation", example: i, needs: "(query, positive[, negatives]) examples")
      }
      let k = min(hardNegatives, e.negatives.count)
      guard let t = e.teacherEmbeddings, t.count >= 2 + k else { throw LossError.noTeacherEmbeddings(example: i) }
      queries.append(.text(example: i, .query, role: .query))
      positives.append(.text(example: i, .positive, role: .passage))
      positiveKeys.append(e.positive)
      teacher.append(t[0])
      teacherPositives.append(t[1])
      for j in 0..<k {
        negatives.append(.text(example: i, .negative(j), role: .passage))
        negativeKeys.append(e.negatives[j])
        negativeOwners.append(i)
        teacherNegatives.append(t[2 + j])
      }
    }
    teacher += teacherPositives + teacherNegatives
    let n = queries.count, m = positives.count + negatives.count
    let dims = teacher.first?.count ?? 0
    if let p = projection, p.teacherDim != dims { throw LossError.teacherWidth(found: dims, expected: p.teacherDim) }
    if let bad = teacher.firstIndex(where: { $0.count != dims }) { throw LossError.teacherWidth(found: teacher[bad].count, expected: dims) }
    let flat = teacher.flatMap { $0 }
    var mask = InfoNCE.duplicatePositiveMask(positives: positiveKeys, candidates: positiveKeys + negativeKeys)
    InfoNCE.maskOtherPositives(examples.map(\.otherPositives), candidates: positiveKeys + negativeKeys, mask: &mask)
    let probabilities = klWeight > 0 ? teacherProbabilities(flat, queries: n, candidates: m, dims: dims, mask: mask) : []
    // each query's negatives, as a range of the negative rows
    var negativeRange = [Range<Int>](repeating: 0..<0, count: n + 1), at = 0
    for i in 0..<n {
      let start = at
      while at < negativeOwners.count && negativeOwners[at] == i { at += 1 }
      negativeRange[i] = start..<at
    }
    let objective = self
    return LossBatch(
      inputs: inner?.inputs ?? (queries + positives + negatives), units: n, replicated: false,
      loss: { tape, e, rows in
        var sums: [Double] = [0, 0, 0, 0, 0]
        if rows.isEmpty { return (tape.constant(Tensor(shape: [])), sums) }
        let negs = negativeRange[rows.lowerBound].lowerBound..<negativeRange[rows.upperBound - 1].upperBound
        let texts = [rows, (n + rows.lowerBound)..<(n + rows.upperBound), (2 * n + negs.lowerBound)..<(2 * n + negs.upperBound)]
        var loss = objective.mse(tape: tape, embeddings: e, teacher: flat, dims: dims, texts: texts, total: n + m)
        if objective.klWeight > 0 {
          let kl = objective.kl(tape: tape, embeddings: e, queries: n, candidates: m, rows: rows, mask: mask, probabilities: probabilities)
          loss = tape.add(loss, tape.scale(kl, by: objective.klWeight))
        }
        if let inner {
          let (l, s) = inner.loss(tape, e, rows)
          sums = s
          loss = tape.add(tape.scale(l, by: objective.infoNCEWeight), loss)
        }
        return (loss, sums)
      },
      metrics: { sums in inner?.metrics(sums) ?? LossMetrics() })
  }

  /// weight · Σ over text ranges `texts` of the squared error of (projected) student rows against
  /// the teacher's, divided by `total` texts × `dims`: this share's part of the batch's mean.
  func mse(tape: Tape, embeddings e: Variable, teacher: [Float], dims: Int, texts: [Range<Int>], total: Int) -> Variable {
    var loss: Variable?
    for r in texts where !r.isEmpty {
      var s = tape.rows(e, r)
      if normalize { s = tape.l2Normalize(s) }
      if let projection { s = tape.linear(s, weight: tape.parameter(Projection.name, of: projection.store), bias: nil) }
      let t = Tensor(shape: [r.count, dims])
      teacher.withUnsafeBufferPointer { t.data.update(from: $0.baseAddress! + r.lowerBound * dims, count: r.count * dims) }
      let term = tape.scale(tape.mse(s, tape.constant(t)), by: weight * Float(r.count) / Float(max(total, 1)))
      loss = loss.map { tape.add($0, term) } ?? term
    }
    return loss!
  }

  /// The KL term of queries `rows` as their share of the batch's mean over queries.
  func kl(
    tape: Tape, embeddings e: Variable, queries n: Int, candidates m: Int, rows: Range<Int>, mask: [Bool], probabilities p: [Float]
  ) -> Variable {
    let cosines = tape.cosineSimilarityMatrix(tape.rows(e, rows), tape.rows(e, n..<n + m))
    let rowMask = Array(mask[(rows.lowerBound * m)..<(rows.upperBound * m)])
    let logQ = tape.logSoftmax(tape.maskedFill(tape.scale(cosines, by: 1 / temperature), mask: rowMask))
    let kl = tape.klDivergence(logQ, targetProbs: Array(p[(rows.lowerBound * m)..<(rows.upperBound * m)]))
    return tape.scale(kl, by: Float(rows.count) / Float(max(n, 1)))
  }

  /// The teacher's (n, m) in-batch distributions: softmax over each query's unmasked candidates
  /// of the cosines of the teacher's embeddings (rows: the n queries, then the m candidates) / T.
  func teacherProbabilities(_ t: [Float], queries n: Int, candidates m: Int, dims: Int, mask: [Bool]) -> [Float] {
    func unit(_ r: Int) -> [Double] {
      let v = (0..<dims).map { Double(t[r * dims + $0]) }
      let norm = max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
      return v.map { $0 / norm }
    }
    let q = (0..<n).map(unit), c = (0..<m).map { unit(n + $0) }
    var logits = [Float](repeating: 0, count: n * m)
    for i in 0..<n {
      for j in 0..<m { logits[i * m + j] = Float(zip(q[i], c[j]).reduce(0) { $0 + $1.0 * $1.1 } / Double(temperature)) }
    }
    return Distillation.softmax(logits, width: m, absent: mask)
  }
}
