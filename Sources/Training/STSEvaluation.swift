import Autograd
import Foundation
import TextEncoder

/// Spearman correlation between gold scores and the cosine similarity of embedded pairs.
public enum STSEvaluation {
  /// Embeds each distinct text once (batches of `batchSize`, dropout off) and returns Spearman's ρ.
  public static func spearman(
    pairs: [ScoredPair], encoder: Encoder, tokenizer: Tokenizer, pooling: PoolingMode, prefix: String, maxLength: Int,
    batchSize: Int = 256
  ) throws -> Double {
    var index: [String: Int] = [:]
    var texts: [String] = []
    for p in pairs { for t in [p.first, p.second] where index[t] == nil { index[t] = texts.count; texts.append(t) } }
    let C = encoder.config.hiddenSize
    let embeddings = try encoder.embed(
      texts: texts, tokenizer: tokenizer, prefix: prefix, maxLength: maxLength, pooling: pooling, normalize: true,
      batchSize: batchSize)
    let cosines = pairs.map { p -> Double in
      let a = index[p.first]! * C, b = index[p.second]! * C
      var dot = 0.0
      for i in 0..<C { dot += Double(embeddings[a + i]) * Double(embeddings[b + i]) }
      return dot
    }
    return spearman(pairs.map { Double($0.score) }, cosines)
  }

  /// Spearman's ρ: Pearson correlation of the ranks (ties get their average rank).
  public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
    pearson(ranks(x), ranks(y))
  }

  static func ranks(_ v: [Double]) -> [Double] {
    let order = v.indices.sorted { v[$0] < v[$1] }
    var r = [Double](repeating: 0, count: v.count)
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
      let avg = Double(i + j) / 2 + 1
      for k in i...j { r[order[k]] = avg }
      i = j + 1
    }
    return r
  }

  static func pearson(_ x: [Double], _ y: [Double]) -> Double {
    let n = Double(x.count)
    let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for i in x.indices {
      sxy += (x[i] - mx) * (y[i] - my)
      sxx += (x[i] - mx) * (x[i] - mx)
      syy += (y[i] - my) * (y[i] - my)
    }
    return sxy / max((sxx * syy).squareRoot(), 1e-300)
  }
}
