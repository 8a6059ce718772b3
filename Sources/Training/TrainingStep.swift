import Autograd
import DataSets
import Losses
import Recipes
import TextEncoder

/// One forward + backward of a stage's loss over a batch of examples; gradients accumulate into
/// the encoder's store. All texts of the batch go through the encoder as one packed batch.
public struct TrainingStep {
  public let encoder: Encoder
  public let tokenizer: Tokenizer
  public let pooling: PoolingMode
  public let maxLength: Int
  public let queryPrefix: String
  public let passagePrefix: String
  /// The hdf5 data sets that `.indexed` examples refer to.
  public var dataSets: DataSetFiles?
  /// InfoNCE stages: distillation from the examples' teacher scores.
  public var distill: Recipe.Distill?

  public init(encoder: Encoder, tokenizer: Tokenizer, pooling: PoolingMode, maxLength: Int, queryPrefix: String, passagePrefix: String) {
    self.encoder = encoder
    self.tokenizer = tokenizer
    self.pooling = pooling
    self.maxLength = maxLength
    self.queryPrefix = queryPrefix
    self.passagePrefix = passagePrefix
  }

  public struct Result: Sendable {
    public var loss: Float
    /// Real (unpadded) tokens through the encoder.
    public var tokens: Int
    public var layout: SequenceLayout
    /// InfoNCE: share of queries whose positive scores highest; the mean cosine of the positives
    /// and of each query's hardest negative. CoSENT: nil.
    public var accuracy: Float?
    public var positiveSimilarity: Float?
    public var hardestNegativeSimilarity: Float?
    public var profile: [String: Tape.OpTime]?
  }

  func tokens(_ texts: [String], prefix: String) -> [[Int32]] {
    texts.map { tokenizer.encode($0, prefix: prefix, maxLength: maxLength) }
  }

  /// `seed` drives dropout (when `dropout`). With `miniBatch` smaller than the batch's texts,
  /// InfoNCE runs as GradCache (`cachedInfoNCE`): the same loss and gradients, with the memory of
  /// `miniBatch` texts.
  public func run(
    _ examples: [TrainingExample], loss: Recipe.Loss, dropout: Bool, seed: UInt64, miniBatch: Int? = nil,
    profile: Bool = false
  ) throws -> Result {
    let tape = Tape(seed: seed, profile: profile)
    switch loss {
    case .infoNCE(let temperature, let symmetric, let hardNegatives):
      let set = try InfoNCEBatch(examples, step: self, hardNegatives: hardNegatives)
      let n = set.queries.count
      let candidateKeys = set.positiveKeys + set.negativeKeys
      let batch = TokenBatch(sequences: set.queries + set.positives + set.negatives, config: encoder.config)
      // a candidate with the text of the query's own positive, other than that positive, is no negative
      let mask = InfoNCE.duplicatePositiveMask(positives: set.positiveKeys, candidates: candidateKeys)
      let teacher = try distill.map { _ in try set.teacherTable(width: 1 + hardNegatives) }
      let graph = { (tape: Tape, e: Variable) -> (loss: Variable, cos: Variable) in
        let q = tape.rows(e, 0..<n), c = tape.rows(e, n..<n + candidateKeys.count)
        let cos = tape.cosineSimilarityMatrix(q, c)
        let logits = tape.scale(cos, by: 1 / temperature)
        var l = tape.crossEntropy(tape.maskedFill(logits, mask: mask), targets: Array(0..<n))
        if symmetric {
          let maskPQ = InfoNCE.duplicatePositiveMask(positives: set.queryKeys, candidates: set.queryKeys)
          let back = tape.crossEntropy(
            tape.maskedFill(tape.scale(tape.cosineSimilarityMatrix(tape.rows(c, 0..<n), q), by: 1 / temperature), mask: maskPQ),
            targets: Array(0..<n))
          l = tape.scale(tape.add(l, back), by: 0.5)
        }
        if let distill, let teacher {
          // each query's own candidates, the positive first, as the student's logits
          let student = tape.gather(logits, columns: teacher.columns, width: 1 + hardNegatives)
          let loss: Distillation = switch distill.kind {
          case .kl(let t): .kl(temperature: t)
          case .marginMSE: .marginMSE
          }
          let kd = loss.loss(tape: tape, student: student, teacher: teacher.scores, absent: teacher.absent)
          l = tape.add(tape.scale(l, by: distill.infoNCEWeight), tape.scale(kd, by: distill.weight))
        }
        return (l, cos)
      }
      if let miniBatch, miniBatch < batch.count {
        return try cachedInfoNCE(batch, miniBatch: miniBatch, dropout: dropout, seed: seed, queries: n, mask: mask, graph: graph)
      }
      let (l, cos) = graph(tape, try encoder.embed(batch, on: tape, pooling: pooling, normalize: false, dropout: dropout))
      var result = Result(loss: tape.scalar(l), tokens: batch.totalTokens, layout: batch.layout)
      (result.accuracy, result.positiveSimilarity, result.hardestNegativeSimilarity) =
        Self.rankingMetrics(tape.array(cos), queries: n, candidates: candidateKeys.count, mask: mask)
      try tape.backward(from: l)
      result.profile = tape.profile
      return result

    case .binary(let maxScore):
      let set = try CrossEncoderBatch(examples, step: self, hardNegatives: nil, maxScore: maxScore)
      let batch = TokenBatch(sequences: set.pairs, config: encoder.config)
      let logits = try encoder.logits(batch, on: tape, dropout: dropout)
      let l = tape.binaryCrossEntropy(logits: logits, targets: set.labels)
      var result = Result(loss: tape.scalar(l), tokens: batch.totalTokens, layout: batch.layout)
      result.accuracy = Self.binaryAccuracy(tape.array(logits), set.labels)
      try tape.backward(from: l)
      result.profile = tape.profile
      return result

    case .listwise(let k):
      let set = try CrossEncoderBatch(examples, step: self, hardNegatives: k, maxScore: 1)
      let batch = TokenBatch(sequences: set.pairs, config: encoder.config)
      let W = 1 + k, R = set.groups.count
      var columns = [Int](repeating: 0, count: R * W), absent = [Bool](repeating: true, count: R * W)
      for (r, g) in set.groups.enumerated() {
        for (j, p) in g.enumerated() {
          columns[r * W + j] = p
          absent[r * W + j] = false
        }
        for j in g.count..<W { columns[r * W + j] = g[0] }
      }
      let flat = tape.reshape(try encoder.logits(batch, on: tape, dropout: dropout), to: [1, set.pairs.count])
      let grouped = tape.maskedFill(tape.reshape(tape.gather(flat, columns: columns, width: R * W), to: [R, W]), mask: absent)
      let l = tape.crossEntropy(grouped, targets: [Int](repeating: 0, count: R))
      var result = Result(loss: tape.scalar(l), tokens: batch.totalTokens, layout: batch.layout)
      let g = tape.array(grouped)
      result.accuracy = Float((0..<R).filter { r in (1..<W).allSatisfy { g[r * W + $0] < g[r * W] } }.count) / Float(max(R, 1))
      try tape.backward(from: l)
      result.profile = tape.profile
      return result

    case .cosent(let scale):
      var first: [String] = [], second: [String] = [], scores: [Float] = []
      for e in examples {
        guard case .pair(let a, let b, let s) = e else { preconditionFailure("CoSENT needs scored pairs") }
        first.append(a)
        second.append(b)
        scores.append(s)
      }
      let n = first.count
      let batch = TokenBatch(sequences: tokens(first + second, prefix: queryPrefix), config: encoder.config)
      let e = try encoder.embed(batch, on: tape, pooling: pooling, normalize: false, dropout: dropout)
      let l = CoSENT(scale: scale).loss(tape: tape, a: tape.rows(e, 0..<n), b: tape.rows(e, n..<2 * n), scores: scores)
      var result = Result(loss: tape.scalar(l), tokens: batch.totalTokens, layout: batch.layout)
      try tape.backward(from: l)
      result.profile = tape.profile
      return result
    }
  }

  /// GradCache (Gao et al. 2021), as sentence-transformers' CachedMultipleNegativesRankingLoss:
  /// 1. embed the texts `miniBatch` at a time, keeping no graph, into one (texts, C) matrix;
  /// 2. compute the loss on that matrix and its gradient with respect to every embedding;
  /// 3. embed each mini-batch again, this time on a tape, and back-propagate its rows of that
  ///    gradient into the parameters.
  /// Every pass draws its dropout masks from the step's seed and the texts' places in the whole
  /// batch (`TokenBatch.slice`), so both passes, and the uncached step, drop the same elements.
  func cachedInfoNCE(
    _ batch: TokenBatch, miniBatch: Int, dropout: Bool, seed: UInt64, queries n: Int, mask: [Bool],
    graph: (Tape, Variable) -> (loss: Variable, cos: Variable)
  ) throws -> Result {
    let C = encoder.config.hiddenSize, total = batch.count
    let parts = stride(from: 0, to: total, by: miniBatch).map { $0..<min($0 + miniBatch, total) }
    let embeddings = Tensor(shape: [total, C])
    for part in parts {
      let tape = Tape(seed: seed)
      let e = try encoder.embed(batch.slice(part), on: tape, pooling: pooling, normalize: false, dropout: dropout)
      (embeddings.data + part.lowerBound * C).update(from: tape.value(e), count: part.count * C)
    }
    let lossTape = Tape(seed: seed)
    let all = lossTape.input(embeddings)
    let (l, cos) = graph(lossTape, all)
    var result = Result(loss: lossTape.scalar(l), tokens: batch.totalTokens, layout: batch.layout)
    (result.accuracy, result.positiveSimilarity, result.hardestNegativeSimilarity) =
      Self.rankingMetrics(lossTape.array(cos), queries: n, candidates: total - n, mask: mask)
    try lossTape.backward(from: l)
    let dE = lossTape.gradient(all)!
    for part in parts {
      let tape = Tape(seed: seed)
      let e = try encoder.embed(batch.slice(part), on: tape, pooling: pooling, normalize: false, dropout: dropout)
      try tape.backward(from: e, seed: Array(dE[(part.lowerBound * C)..<(part.upperBound * C)]))
    }
    return result
  }

  /// Share of pairs whose logit falls on the side of 0 their label (≥ 0.5 or not) is on.
  static func binaryAccuracy(_ logits: [Float], _ labels: [Float]) -> Float {
    Float(zip(logits, labels).filter { ($0 > 0) == ($1 >= 0.5) }.count) / Float(max(labels.count, 1))
  }

  /// Top-1 accuracy, mean positive cosine and mean hardest-negative cosine of a (n, m) cosine
  /// matrix whose diagonal holds the positives; masked entries are ignored. The last is nil when
  /// no query has a negative (a batch of one pair).
  static func rankingMetrics(_ cos: [Float], queries n: Int, candidates m: Int, mask: [Bool]) -> (Float, Float, Float?) {
    var correct = 0, pos: Float = 0, hard: Float = 0, hardCount = 0
    for i in 0..<n {
      let p = cos[i * m + i]
      pos += p
      var best = -Float.infinity
      for j in 0..<m where j != i && !mask[i * m + j] { best = max(best, cos[i * m + j]) }
      if best > -Float.infinity {
        hard += best
        hardCount += 1
      }
      if p > best { correct += 1 }
    }
    return (Float(correct) / Float(max(n, 1)), pos / Float(max(n, 1)), hardCount > 0 ? hard / Float(hardCount) : nil)
  }
}
