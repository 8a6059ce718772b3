import Foundation

/// The metrics of sentence-transformers' InformationRetrievalEvaluator, from each query's ranked
/// corpus: accuracy@k, precision@k, recall@k, MRR@k, nDCG@k (binary relevance) and MAP@k.
public enum RetrievalMetrics {
  /// The cut-offs reported; the defaults are the evaluator's.
  public struct Cutoffs: Sendable, Equatable {
    public var accuracy: [Int] = [1, 3, 5, 10]
    public var precisionRecall: [Int] = [1, 3, 5, 10]
    public var mrr: [Int] = [10]
    public var ndcg: [Int] = [10]
    public var map: [Int] = [100]
    public init() {}
    /// How many ranked documents per query the metrics look at.
    public var depth: Int { (accuracy + precisionRecall + mrr + ndcg + map).max() ?? 0 }
  }

  /// The names `compute` reports, in its order.
  public static func names(similarity: String = "cosine", cutoffs: Cutoffs = Cutoffs()) -> [String] {
    let p = similarity + "_"
    return cutoffs.accuracy.map { "\(p)accuracy@\($0)" } + cutoffs.precisionRecall.map { "\(p)precision@\($0)" }
      + cutoffs.precisionRecall.map { "\(p)recall@\($0)" } + cutoffs.ndcg.map { "\(p)ndcg@\($0)" }
      + cutoffs.mrr.map { "\(p)mrr@\($0)" } + cutoffs.map.map { "\(p)map@\($0)" }
  }

  /// `rankings[q]` lists the ids of the documents retrieved for query q, best first (at least
  /// `cutoffs.depth` of them, or the whole corpus when it is smaller); `relevant[q]` is the
  /// query's set of relevant ids (not empty). Names are prefixed with `similarity` as the
  /// evaluator does: `cosine_accuracy@1`, …, `cosine_map@100`.
  public static func compute(
    rankings: [[String]], relevant: [Set<String>], cutoffs: Cutoffs = Cutoffs(), similarity: String = "cosine"
  ) -> [Metric] {
    precondition(rankings.count == relevant.count && !rankings.isEmpty)
    let n = Double(rankings.count)
    var hits = [Double](repeating: 0, count: cutoffs.accuracy.count)
    var precision = [Double](repeating: 0, count: cutoffs.precisionRecall.count)
    var recall = precision
    var mrr = [Double](repeating: 0, count: cutoffs.mrr.count)
    var ndcg = [Double](repeating: 0, count: cutoffs.ndcg.count)
    var map = [Double](repeating: 0, count: cutoffs.map.count)
    for (ranked, rel) in zip(rankings, relevant) {
      let isRelevant = ranked.map { rel.contains($0) }
      func top(_ k: Int) -> ArraySlice<Bool> { isRelevant.prefix(k) }
      for (j, k) in cutoffs.accuracy.enumerated() where top(k).contains(true) { hits[j] += 1 }
      for (j, k) in cutoffs.precisionRecall.enumerated() {
        let correct = Double(top(k).filter { $0 }.count)
        precision[j] += correct / Double(k)
        recall[j] += correct / Double(rel.count)
      }
      for (j, k) in cutoffs.mrr.enumerated() {
        if let r = top(k).firstIndex(of: true) { mrr[j] += 1 / Double(r + 1) }
      }
      for (j, k) in cutoffs.ndcg.enumerated() {
        let dcg = dcgAt(top(k).map { $0 ? 1.0 : 0.0 }, k)
        ndcg[j] += dcg / dcgAt([Double](repeating: 1, count: rel.count), k)
      }
      for (j, k) in cutoffs.map.enumerated() {
        var correct = 0.0, sum = 0.0
        for (r, hit) in top(k).enumerated() where hit {
          correct += 1
          sum += correct / Double(r + 1)
        }
        map[j] += sum / Double(min(k, rel.count))
      }
    }
    var out: [Metric] = []
    let p = similarity + "_"
    for (j, k) in cutoffs.accuracy.enumerated() { out.append(Metric("\(p)accuracy@\(k)", hits[j] / n)) }
    for (j, k) in cutoffs.precisionRecall.enumerated() { out.append(Metric("\(p)precision@\(k)", precision[j] / n)) }
    for (j, k) in cutoffs.precisionRecall.enumerated() { out.append(Metric("\(p)recall@\(k)", recall[j] / n)) }
    for (j, k) in cutoffs.ndcg.enumerated() { out.append(Metric("\(p)ndcg@\(k)", ndcg[j] / n)) }
    for (j, k) in cutoffs.mrr.enumerated() { out.append(Metric("\(p)mrr@\(k)", mrr[j] / n)) }
    for (j, k) in cutoffs.map.enumerated() { out.append(Metric("\(p)map@\(k)", map[j] / n)) }
    return out
  }

  /// Σ_{i < k} relevance[i] / log2(i + 2).
  static func dcgAt(_ relevance: [Double], _ k: Int) -> Double {
    var dcg = 0.0
    for i in 0..<min(relevance.count, k) { dcg += relevance[i] / log2(Double(i + 2)) }
    return dcg
  }
}
