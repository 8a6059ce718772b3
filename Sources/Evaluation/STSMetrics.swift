/// The metrics of sentence-transformers' EmbeddingSimilarityEvaluator: Pearson and Spearman
/// correlation between the gold scores and each similarity of the embedded pairs.
public enum STSMetrics {
  /// The names `compute` reports for these similarities.
  public static func names(_ similarities: [Similarity] = [.cosine, .euclidean, .manhattan, .dot]) -> [String] {
    similarities.flatMap { ["pearson_\($0.rawValue)", "spearman_\($0.rawValue)"] }
  }

  /// `embeddings1` and `embeddings2` hold one row of `dimension` floats per pair. Metrics come
  /// in the evaluator's order: pearson_cosine, spearman_cosine, pearson_euclidean, …, spearman_dot.
  public static func compute(
    embeddings1: [Float], embeddings2: [Float], dimension: Int, gold: [Double],
    similarities: [Similarity] = [.cosine, .euclidean, .manhattan, .dot]
  ) -> [Metric] {
    precondition(embeddings1.count == gold.count * dimension && embeddings2.count == embeddings1.count)
    var out: [Metric] = []
    embeddings1.withUnsafeBufferPointer { a in
      embeddings2.withUnsafeBufferPointer { b in
        for s in similarities {
          let scores = gold.indices.map { i in
            s.score(a.baseAddress! + i * dimension, b.baseAddress! + i * dimension, dimension: dimension)
          }
          out.append(Metric("pearson_\(s.rawValue)", Correlation.pearson(gold, scores)))
          out.append(Metric("spearman_\(s.rawValue)", Correlation.spearman(gold, scores)))
        }
      }
    }
    return out
  }
}
