import Autograd

/// InfoNCE (sentence-transformers' MultipleNegativesRankingLoss): for query i,
///   scores_i = cos(q_i, candidates) / temperature,   loss = mean_i −log softmax(scores_i)[positive_i],
/// the candidates being every positive of the batch, then each query's first `hardNegatives`
/// negatives (in-batch negatives). A candidate with the text of query i's own positive, other
/// than that positive, is left out of its softmax (a duplicate is no negative).
///
/// `symmetric` adds the positive → query direction (sentence-transformers'
/// MultipleNegativesSymmetricRankingLoss): for positive i, −log softmax(cos(p_i, queries) / T)[i],
/// queries with the text of query i masked the same way; the loss is the mean of both terms.
///
/// With `falseNegatives` (GISTEmbed's masking with the model itself as the guide), a candidate
/// whose cosine to query i exceeds the positive's minus a margin (or times 1 − a relative
/// margin) is left out of query i's softmax too: a likely false negative. The cosines are the
/// model's own, so the mask costs no forward pass; it is a constant of the step (no gradient flows
/// through it). The symmetric term masks queries for each positive the same way.
///
/// With `distill`, the teacher's scores of each query's own candidates (positive first) are
/// distilled into the student's logits of them:
///   loss = infoNCEWeight · InfoNCE + weight · Distillation.
public struct InfoNCE: Objective, Equatable {
  public var temperature: Float
  public var symmetric: Bool
  public var hardNegatives: Int
  public var distill: Distill?
  public var falseNegatives: FalseNegatives?

  /// Which candidates are taken for false negatives (GISTEmbed's margin strategies).
  public struct FalseNegatives: Sendable, Equatable {
    public enum Margin: Sendable, Equatable {
      /// cos(q, c) > cos(q, p) − margin
      case absolute(Float)
      /// cos(q, c) > cos(q, p) · (1 − margin)
      case relative(Float)
    }
    public var margin: Margin

    public init(margin: Margin) { self.margin = margin }

    /// The cosine above which a candidate of a row whose positive has cosine `positive` is masked.
    public func threshold(positive: Float) -> Float {
      switch margin {
      case .absolute(let m): positive - m
      case .relative(let r): positive * (1 - r)
      }
    }

    /// `mask` (rows × width, row r's own column `own[r]`) with every unmasked candidate above its
    /// row's threshold masked too; returns the count it masked.
    func extend(_ mask: inout [Bool], cosines: [Float], width: Int, own: [Int]) -> Int {
      var masked = 0
      for (r, i) in own.enumerated() {
        let t = threshold(positive: cosines[r * width + i])
        for j in 0..<width where j != i && !mask[r * width + j] && cosines[r * width + j] > t {
          mask[r * width + j] = true
          masked += 1
        }
      }
      return masked
    }
  }

  public struct Distill: Sendable, Equatable {
    public var loss: Distillation
    public var weight: Float
    public var infoNCEWeight: Float

    public init(loss: Distillation, weight: Float, infoNCEWeight: Float) {
      self.loss = loss
      self.weight = weight
      self.infoNCEWeight = infoNCEWeight
    }
  }

  public init(
    temperature: Float, symmetric: Bool = false, hardNegatives: Int = 0, distill: Distill? = nil, falseNegatives: FalseNegatives? = nil
  ) {
    precondition(temperature > 0, "InfoNCE temperature must be positive")
    self.temperature = temperature
    self.symmetric = symmetric
    self.hardNegatives = hardNegatives
    self.distill = distill
    self.falseNegatives = falseNegatives
  }

  public var reads: ModelOutput { .embeddings }
  public var textsPerExample: Int { 2 + hardNegatives }

  /// Rows: every query, then every positive, then each query's first `hardNegatives` negatives
  /// in order. Units: the queries.
  public func batch(_ examples: [LossExample]) throws -> LossBatch {
    var queries: [LossInput] = [], positives: [LossInput] = [], negatives: [LossInput] = []
    var queryKeys: [String] = [], positiveKeys: [String] = [], negativeKeys: [String] = []
    var negativeOwners: [Int] = []
    for (i, e) in examples.enumerated() {
      guard e.score == nil else {
        throw LossError.unsuitableExample(objective: "InfoNCE", example: i, needs: "(query, positive[, negatives]) examples")
      }
      queries.append(.text(example: i, .query, role: .query))
      positives.append(.text(example: i, .positive, role: .passage))
      queryKeys.append(e.query)
      positiveKeys.append(e.positive)
      for (j, key) in e.negatives.prefix(hardNegatives).enumerated() {
        negatives.append(.text(example: i, .negative(j), role: .passage))
        negativeKeys.append(key)
        negativeOwners.append(i)
      }
    }
    let n = queries.count
    let candidateKeys = positiveKeys + negativeKeys
    let m = candidateKeys.count
    var mask = Self.duplicatePositiveMask(positives: positiveKeys, candidates: candidateKeys)
    Self.maskOtherPositives(examples.map(\.otherPositives), candidates: candidateKeys, mask: &mask)
    let reverseMask = symmetric ? Self.duplicatePositiveMask(positives: queryKeys, candidates: queryKeys) : []
    let width = 1 + hardNegatives
    let teacher = try distill.map { _ in
      try Self.teacherTable(examples.map(\.teacher), negativeOwners: negativeOwners, width: width)
    }
    let objective = self
    return LossBatch(
      inputs: queries + positives + negatives, units: n, replicated: false,
      loss: { tape, e, rows in
        // a rank with no query of its own (fewer queries than ranks) adds nothing
        if rows.isEmpty { return (tape.constant(Tensor(shape: [])), [0, 0, 0, 0, 0]) }
        let r = objective.loss(
          tape: tape, embeddings: e, queries: n, candidates: m, rows: rows, mask: mask, reverseMask: reverseMask,
          teacher: teacher)
        return (r.loss, Self.rankingSums(tape.array(r.cosines), rows: rows, candidates: m, mask: r.mask) + [Double(r.masked)])
      },
      metrics: { sums in objective.rankingMetrics(sums: sums, queries: n) })
  }

  /// The loss of queries `rows` (all `n` of them on one rank) as their share of the batch's
  /// loss, their (rows, m) cosines, the (rows, m) mask their softmax used and how many false
  /// negatives it masked (both directions of a symmetric loss): the terms are means over queries (or MarginMSE's pairs),
  /// weighted by the share of the batch's queries (pairs) these rows hold, so the ranks' losses
  /// add up to the batch's. `embeddings`: (n + m, C), the queries then the candidates; `mask`
  /// (n, m) and `reverseMask` (n, n, symmetric only) mark candidates left out of a row's softmax.
  public func loss(
    tape: Tape, embeddings e: Variable, queries n: Int, candidates m: Int, rows: Range<Int>, mask: [Bool], reverseMask: [Bool],
    teacher: TeacherTable?
  ) -> (loss: Variable, cosines: Variable, mask: [Bool], masked: Int) {
    let whole = rows == 0..<n
    func rowsOf<T>(_ table: [T], width: Int) -> [T] { whole ? table : Array(table[(rows.lowerBound * width)..<(rows.upperBound * width)]) }
    let queries = tape.rows(e, rows), candidates = tape.rows(e, n..<n + m)
    let cosines = tape.cosineSimilarityMatrix(queries, candidates)
    let logits = tape.scale(cosines, by: 1 / temperature)
    var rowMask = rowsOf(mask, width: m), masked = 0
    if let falseNegatives {
      masked += falseNegatives.extend(&rowMask, cosines: tape.array(cosines), width: m, own: Array(rows))
    }
    var loss = tape.crossEntropy(tape.maskedFill(logits, mask: rowMask), targets: Array(rows))
    if symmetric {
      let allQueries = whole ? queries : tape.rows(e, 0..<n)
      let backCosines = tape.cosineSimilarityMatrix(tape.rows(candidates, rows), allQueries)
      let backward = tape.scale(backCosines, by: 1 / temperature)
      var backMask = rowsOf(reverseMask, width: n)
      if let falseNegatives {
        masked += falseNegatives.extend(&backMask, cosines: tape.array(backCosines), width: n, own: Array(rows))
      }
      let reverse = tape.crossEntropy(tape.maskedFill(backward, mask: backMask), targets: Array(rows))
      loss = tape.scale(tape.add(loss, reverse), by: 0.5)
    }
    let share = Float(rows.count) / Float(max(n, 1))
    if let distill, let teacher {
      let W = teacher.width
      // each query's own candidates, the positive first, as the student's logits
      let absent = rowsOf(teacher.absent, width: W)
      let student = tape.gather(logits, columns: rowsOf(teacher.columns, width: W), width: W)
      var distillShare = share
      if case .marginMSE = distill.loss, !whole {
        distillShare = Float(Self.marginPairs(absent, width: W)) / Float(max(Self.marginPairs(teacher.absent, width: W), 1))
      }
      let kd = distill.loss.loss(tape: tape, student: student, teacher: rowsOf(teacher.scores, width: W), absent: absent)
      loss = tape.add(tape.scale(loss, by: distill.infoNCEWeight * share), tape.scale(kd, by: distill.weight * distillShare))
    } else if !whole {
      loss = tape.scale(loss, by: share)
    }
    return (loss, cosines, rowMask, masked)
  }

  /// Masks, for each query i, every candidate other than its own positive (candidate i) whose
  /// text is one of the query's other positives `others[i]` (a query with several positives).
  public static func maskOtherPositives(_ others: [[String]], candidates: [String], mask: inout [Bool]) {
    let m = candidates.count
    for (i, texts) in others.enumerated() where !texts.isEmpty {
      let set = Set(texts)
      for j in 0..<m where j != i && set.contains(candidates[j]) { mask[i * m + j] = true }
    }
  }

  /// The mask for queries whose positives are `positives[i]` (candidate i) among `candidates`:
  /// a candidate with the text of query i's own positive, other than that positive itself, is
  /// not a negative for query i (it slipped through as a duplicate). Row-major (N, M).
  public static func duplicatePositiveMask(positives: [String], candidates: [String]) -> [Bool] {
    let n = positives.count, m = candidates.count
    var mask = [Bool](repeating: false, count: n * m)
    for i in 0..<n { for j in 0..<m where j != i && candidates[j] == positives[i] { mask[i * m + j] = true } }
    return mask
  }
}
