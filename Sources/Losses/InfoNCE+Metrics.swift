extension InfoNCE {
  /// For queries `rows` of a batch, their (rows, m) cosines (query i's positive in column i) and
  /// their (rows, m) mask: [queries whose positive scores highest, Σ positive cosine, Σ
  /// hardest-negative cosine, queries with a negative].
  static func rankingSums(_ cos: [Float], rows: Range<Int>, candidates m: Int, mask: [Bool]) -> [Double] {
    var correct = 0, positive: Double = 0, hardest: Double = 0, withNegative = 0
    for (r, i) in rows.enumerated() {
      let p = cos[r * m + i]
      positive += Double(p)
      var best = -Float.infinity
      for j in 0..<m where j != i && !mask[r * m + j] { best = max(best, cos[r * m + j]) }
      if best > -Float.infinity {
        hardest += Double(best)
        withNegative += 1
      }
      if p > best { correct += 1 }
    }
    return [Double(correct), positive, hardest, Double(withNegative)]
  }

  /// Top-1 accuracy, mean positive cosine and mean hardest-negative cosine (nil when no query
  /// has a negative: a batch of one pair) from the sums of `rankingSums` over all n queries, and
  /// the false negatives masked per query (`sums[4]`, with false-negative masking only).
  func rankingMetrics(sums s: [Double], queries n: Int) -> LossMetrics {
    var metrics = LossMetrics(
      accuracy: Float(s[0] / Double(max(n, 1))), positiveSimilarity: Float(s[1] / Double(max(n, 1))),
      hardestNegativeSimilarity: s[3] > 0 ? Float(s[2] / s[3]) : nil)
    if falseNegatives != nil { metrics.maskedFalseNegatives = Float(s[4] / Double(max(n, 1))) }
    return metrics
  }
}
