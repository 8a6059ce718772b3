/// Pearson and Spearman correlation, as scipy.stats computes them (sentence-transformers'
/// EmbeddingSimilarityEvaluator reports both).
public enum Correlation {
  /// Pearson's r: the covariance of the centred values over the product of their norms; NaN
  /// for fewer than two values or a constant series (as scipy).
  public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
    precondition(x.count == y.count, "pearson needs two series of the same length")
    guard x.count > 1 else { return .nan }
    let n = Double(x.count)
    let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for i in x.indices {
      let dx = x[i] - mx, dy = y[i] - my
      sxy += dx * dy
      sxx += dx * dx
      syy += dy * dy
    }
    guard sxx > 0, syy > 0 else { return .nan }  // a constant series (scipy: nan, with a warning)
    return sxy / (sxx * syy).squareRoot()
  }

  /// Spearman's ρ: Pearson's r of the ranks, ties getting their average rank.
  public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
    pearson(ranks(x), ranks(y))
  }

  /// 1-based ranks in ascending order; equal values share the mean of the ranks they span.
  public static func ranks(_ v: [Double]) -> [Double] {
    let order = v.indices.sorted { v[$0] < v[$1] }
    var r = [Double](repeating: 0, count: v.count)
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
      let average = Double(i + j) / 2 + 1
      for k in i...j { r[order[k]] = average }
      i = j + 1
    }
    return r
  }
}
