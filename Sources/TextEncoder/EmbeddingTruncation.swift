/// sentence-transformers' `truncate_dim`: embeddings used at their first N dimensions (Matryoshka
/// models). It cuts the output of the whole module pipeline, after Normalize, and does not
/// renormalize (`util.truncate_embeddings`: `embeddings[..., :truncate_dim]`); cosine similarity
/// normalizes what it compares, dot product and distances see the shorter vectors as they are.
public enum EmbeddingTruncation {
  /// The dimensions kept of embeddings `width` wide: `truncateDim`, or all of them when it is
  /// nil or not below `width` (sentence-transformers' `get_embedding_dimension`:
  /// min(width, truncate_dim)).
  public static func dimension(_ truncateDim: Int?, width: Int) -> Int {
    min(truncateDim ?? width, width)
  }

  /// The first `dimension` floats of each row of `rows` (row-major, `width` floats a row);
  /// `rows` itself when `dimension` is the whole width. `dimension` must lie in 1...width.
  public static func leadingColumns(_ rows: [Float], width: Int, dimension: Int) -> [Float] {
    precondition(width >= 1 && (1...width).contains(dimension) && rows.count % width == 0, "truncation to \(dimension) of \(width)")
    guard dimension < width else { return rows }
    let n = rows.count / width
    return [Float](unsafeUninitializedCapacity: n * dimension) { out, count in
      rows.withUnsafeBufferPointer { src in
        for r in 0..<n {
          (out.baseAddress! + r * dimension).initialize(from: src.baseAddress! + r * width, count: dimension)
        }
      }
      count = n * dimension
    }
  }
}
