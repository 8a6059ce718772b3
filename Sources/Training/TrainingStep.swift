import Autograd
import Communication
import DataSets
import Losses
import Recipes
import TextEncoder
import Tokenization

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
  /// The ranks of a data-parallel run (see `DataParallel.swift`); one process by default. Every
  /// rank calls `run` with the whole global batch and embeds its own share of it.
  public var communicator: any Communicator = SingleProcess()

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
  /// InfoNCE runs as GradCache (`dataParallel`): the same loss and gradients, with the memory of
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
      let m = candidateKeys.count
      // a candidate with the text of the query's own positive, other than that positive, is no negative
      let mask = InfoNCE.duplicatePositiveMask(positives: set.positiveKeys, candidates: candidateKeys)
      let maskPQ = symmetric ? InfoNCE.duplicatePositiveMask(positives: set.queryKeys, candidates: set.queryKeys) : []
      let W = 1 + hardNegatives
      let teacher = try distill.map { _ in try set.teacherTable(width: W) }
      /// The loss of queries `rows` (all of them on one rank), as their share of the batch's
      /// loss: the terms are means over queries (or MarginMSE's pairs), weighted by the share
      /// of the batch's queries (pairs) these rows hold, so the ranks' losses add up to it.
      let graph = { (tape: Tape, e: Variable, rows: Range<Int>) -> (loss: Variable, cos: Variable) in
        let whole = rows == 0..<n
        func rowsOf<T>(_ table: [T], width: Int) -> [T] { whole ? table : Array(table[(rows.lowerBound * width)..<(rows.upperBound * width)]) }
        let q = tape.rows(e, rows), c = tape.rows(e, n..<n + m)
        let cos = tape.cosineSimilarityMatrix(q, c)
        let logits = tape.scale(cos, by: 1 / temperature)
        var l = tape.crossEntropy(tape.maskedFill(logits, mask: rowsOf(mask, width: m)), targets: Array(rows))
        if symmetric {
          let queries = whole ? q : tape.rows(e, 0..<n)
          let back = tape.crossEntropy(
            tape.maskedFill(tape.scale(tape.cosineSimilarityMatrix(tape.rows(c, rows), queries), by: 1 / temperature), mask: rowsOf(maskPQ, width: n)),
            targets: Array(rows))
          l = tape.scale(tape.add(l, back), by: 0.5)
        }
        let share = Float(rows.count) / Float(max(n, 1))
        if let distill, let teacher {
          // each query's own candidates, the positive first, as the student's logits
          let absent = rowsOf(teacher.absent, width: W)
          let student = tape.gather(logits, columns: rowsOf(teacher.columns, width: W), width: W)
          let loss: Distillation
          var kdShare = share
          switch distill.kind {
          case .kl(let t): loss = .kl(temperature: t)
          case .marginMSE:
            loss = .marginMSE
            if !whole { kdShare = Float(Self.marginPairs(absent, width: W)) / Float(max(Self.marginPairs(teacher.absent, width: W), 1)) }
          }
          let kd = loss.loss(tape: tape, student: student, teacher: rowsOf(teacher.scores, width: W), absent: absent)
          l = tape.add(tape.scale(l, by: distill.infoNCEWeight * share), tape.scale(kd, by: distill.weight * kdShare))
        } else if !whole {
          l = tape.scale(l, by: share)
        }
        return (l, cos)
      }
      let sequences = set.queries + set.positives + set.negatives
      if communicator.size > 1 || miniBatch.map({ $0 < sequences.count }) == true {
        // several ranks (each its queries' share of the loss), or GradCache: see `dataParallel`
        // each rank computes the loss terms of its share of the queries; the texts are embedded
        // by whichever rank the token balance gives them to
        let rows = communicator.share(of: n)
        var sums: [Double] = []
        var result = try dataParallel(
          sequences: sequences, owners: communicator.balancedOwners(lengths: sequences.map(\.count)), dropout: dropout, seed: seed,
          miniBatch: miniBatch, replicated: false
        ) { tape, e in
          let (l, cos) = graph(tape, e, rows)
          sums = Self.rankingSums(tape.array(cos), rows: rows, candidates: m, mask: mask)
          return l
        }
        (result.accuracy, result.positiveSimilarity, result.hardestNegativeSimilarity) =
          Self.rankingMetrics(sums: try communicator.allReduceSum(sums), queries: n)
        return result
      }
      let batch = TokenBatch(sequences: sequences, config: encoder.config)
      let (l, cos) = graph(tape, try encoder.embed(batch, on: tape, pooling: pooling, normalize: false, dropout: dropout), 0..<n)
      var result = Result(loss: tape.scalar(l), tokens: batch.totalTokens, layout: batch.layout)
      (result.accuracy, result.positiveSimilarity, result.hardestNegativeSimilarity) =
        Self.rankingMetrics(tape.array(cos), queries: n, candidates: m, mask: mask)
      try tape.backward(from: l)
      result.profile = tape.profile
      return result

    case .binary(let maxScore):
      let set = try CrossEncoderBatch(localExamples(examples), step: self, hardNegatives: nil, maxScore: maxScore)
      return try crossEncoderStep(pairs: set.pairs, units: set.pairs.count, dropout: dropout, seed: seed, profile: profile) { tape, logits in
        let l = tape.binaryCrossEntropy(logits: logits, targets: set.labels)
        return (l, Self.binaryAccuracy(tape.array(logits), set.labels))
      }

    case .listwise(let k):
      let set = try CrossEncoderBatch(localExamples(examples), step: self, hardNegatives: k, maxScore: 1)
      let W = 1 + k, R = set.groups.count
      var columns = [Int](repeating: 0, count: R * W), absent = [Bool](repeating: true, count: R * W)
      for (r, g) in set.groups.enumerated() {
        for (j, p) in g.enumerated() {
          columns[r * W + j] = p
          absent[r * W + j] = false
        }
        for j in g.count..<W { columns[r * W + j] = g[0] }
      }
      return try crossEncoderStep(pairs: set.pairs, units: R, dropout: dropout, seed: seed, profile: profile) { tape, logits in
        let flat = tape.reshape(logits, to: [1, set.pairs.count])
        let grouped = tape.maskedFill(tape.reshape(tape.gather(flat, columns: columns, width: R * W), to: [R, W]), mask: absent)
        let l = tape.crossEntropy(grouped, targets: [Int](repeating: 0, count: R))
        let g = tape.array(grouped)
        return (l, Float((0..<R).filter { r in (1..<W).allSatisfy { g[r * W + $0] < g[r * W] } }.count) / Float(max(R, 1)))
      }

    case .cosent(let scale):
      var first: [String] = [], second: [String] = [], scores: [Float] = []
      for e in examples {
        guard case .pair(let a, let b, let s) = e else { preconditionFailure("CoSENT needs scored pairs") }
        first.append(a)
        second.append(b)
        scores.append(s)
      }
      let n = first.count
      let sequences = tokens(first + second, prefix: queryPrefix)
      let loss = { (tape: Tape, e: Variable) in
        CoSENT(scale: scale).loss(tape: tape, a: tape.rows(e, 0..<n), b: tape.rows(e, n..<2 * n), scores: scores)
      }
      if communicator.size > 1 {
        // CoSENT ranks every pair against every other: each rank computes the whole (small) loss
        return try dataParallel(
          sequences: sequences, owners: communicator.balancedOwners(lengths: sequences.map(\.count)), dropout: dropout, seed: seed, miniBatch: miniBatch, replicated: true, loss: loss)
      }
      let batch = TokenBatch(sequences: sequences, config: encoder.config)
      let l = loss(tape, try encoder.embed(batch, on: tape, pooling: pooling, normalize: false, dropout: dropout))
      var result = Result(loss: tape.scalar(l), tokens: batch.totalTokens, layout: batch.layout)
      try tape.backward(from: l)
      result.profile = tape.profile
      return result
    }
  }

  /// This rank's share of a cross-encoder batch's examples (all of them on one rank).
  func localExamples(_ examples: [TrainingExample]) -> [TrainingExample] {
    communicator.size > 1 ? Array(examples[communicator.share(of: examples.count)]) : examples
  }

  /// A cross-encoder step over this rank's `pairs`: `loss` gives the mean loss over its `units`
  /// (pairs or groups) and an accuracy over them. On several ranks each weighs its mean by its
  /// share of the batch's units, so the ranks' losses (and gradients) add up to the batch's.
  func crossEncoderStep(
    pairs: [[Int32]], units: Int, dropout: Bool, seed: UInt64, profile: Bool, loss: (Tape, Variable) -> (Variable, Float)
  ) throws -> Result {
    let comm = communicator
    let batch = TokenBatch(sequences: pairs, config: encoder.config)
    let tape = Tape(seed: comm.size > 1 ? Self.rankSeed(seed, rank: comm.rank) : seed, profile: profile)
    let totals = try comm.allReduceSum([Double(units), Double(batch.totalTokens)])
    var value: Float = 0, accuracy: Float = 0
    if units > 0 {
      var (l, a) = loss(tape, try encoder.logits(batch, on: tape, dropout: dropout))
      if comm.size > 1 { l = tape.scale(l, by: Float(units) / Float(totals[0])) }
      value = tape.scalar(l)
      accuracy = a
      try tape.backward(from: l)
    }
    var result = Result(loss: value, tokens: batch.totalTokens, layout: batch.layout, accuracy: accuracy)
    if comm.size > 1 {
      let sums = try comm.allReduceSum([Double(value), Double(accuracy) * Double(units)])
      result.loss = Float(sums[0])
      result.accuracy = Float(sums[1] / max(totals[0], 1))
      result.tokens = Int(totals[1])
    }
    result.profile = tape.profile
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
    rankingMetrics(sums: rankingSums(cos, rows: 0..<n, candidates: m, mask: mask), queries: n)
  }

  /// The metrics from the sums of `rankingSums` over all queries.
  static func rankingMetrics(sums s: [Double], queries n: Int) -> (Float, Float, Float?) {
    (Float(s[0] / Double(max(n, 1))), Float(s[1] / Double(max(n, 1))), s[3] > 0 ? Float(s[2] / s[3]) : nil)
  }

  /// For queries `rows` of a batch, their (rows, m) cosines (query i's positive in column i) and
  /// the batch's (n, m) mask: [queries whose positive scores highest, Σ positive cosine, Σ
  /// hardest-negative cosine, queries with a negative].
  static func rankingSums(_ cos: [Float], rows: Range<Int>, candidates m: Int, mask: [Bool]) -> [Double] {
    var correct = 0, pos: Double = 0, hard: Double = 0, hardCount = 0
    for (r, i) in rows.enumerated() {
      let p = cos[r * m + i]
      pos += Double(p)
      var best = -Float.infinity
      for j in 0..<m where j != i && !mask[i * m + j] { best = max(best, cos[r * m + j]) }
      if best > -Float.infinity {
        hard += Double(best)
        hardCount += 1
      }
      if p > best { correct += 1 }
    }
    return [Double(correct), pos, hard, Double(hardCount)]
  }

  /// MarginMSE's (query, negative) pairs in a (rows, width) table of absent candidates.
  static func marginPairs(_ absent: [Bool], width W: Int) -> Int {
    (0..<(absent.count / W)).reduce(0) { n, r in n + (1..<max(W, 1)).filter { !absent[r * W + $0] }.count }
  }
}
