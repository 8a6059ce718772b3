import Autograd

/// Each query's best documents by cosine or dot product, in the order sentence-transformers'
/// InformationRetrievalEvaluator ranks them: score descending (float32 scores), ties broken by
/// the corpus id in ascending string order. Scores come from one fixed-order kernel, so equal
/// vectors always score equally.
public enum Ranking {
  /// `queries` (nq × dimension) and `corpus` (nc × dimension) row-major. Returns, per query, the
  /// indices of its best `depth` documents (all of them if the corpus is smaller), best first.
  public static func top(
    queries: [Float], corpus: [Float], dimension: Int, corpusIDs: [String], similarity: Similarity, depth: Int
  ) -> [[Int]] {
    precondition(similarity == .cosine || similarity == .dot, "retrieval ranks by cosine or dot product")
    let nq = queries.count / dimension, nc = corpusIDs.count
    precondition(corpus.count == nc * dimension)
    let k = min(depth, nc)
    // the position of each id in ascending string (code point) order, as Python compares str
    let byID = corpusIDs.indices.sorted { corpusIDs[$0].utf8.lexicographicallyPrecedes(corpusIDs[$1].utf8) }
    var idRank = [Int32](repeating: 0, count: nc)
    for (r, i) in byID.enumerated() { idRank[i] = Int32(r) }
    let q = similarity == .cosine ? normalizedRows(queries, dimension) : queries
    let c = similarity == .cosine ? normalizedRows(corpus, dimension) : corpus
    var result = [[Int]](repeating: [], count: nq)
    result.withUnsafeMutableBufferPointer { out in
      q.withUnsafeBufferPointer { qp in
        c.withUnsafeBufferPointer { cp in
          idRank.withUnsafeBufferPointer { ranks in
            parallelFor(nq) { range in
              var scores = [Float](repeating: 0, count: nc)
              for qi in range {
                let qv = qp.baseAddress! + qi * dimension
                for d in 0..<nc { scores[d] = laneDot(qv, cp.baseAddress! + d * dimension, count: dimension) }
                out[qi] = best(k, scores: scores, idRank: ranks)
              }
            }
          }
        }
      }
    }
    return result
  }

  /// The `k` best indices by (score descending, id rank ascending), best first: a bounded heap
  /// whose root is the worst kept candidate.
  static func best(_ k: Int, scores: [Float], idRank: UnsafeBufferPointer<Int32>) -> [Int] {
    guard k > 0 else { return [] }
    @inline(__always) func better(_ a: Int, _ b: Int) -> Bool {
      scores[a] > scores[b] || (scores[a] == scores[b] && idRank[a] < idRank[b])
    }
    var heap: [Int] = []
    heap.reserveCapacity(k)
    func siftDown(_ start: Int) {
      var i = start
      while true {
        let l = 2 * i + 1, r = l + 1
        var worst = i
        if l < heap.count && better(heap[worst], heap[l]) { worst = l }
        if r < heap.count && better(heap[worst], heap[r]) { worst = r }
        if worst == i { return }
        heap.swapAt(i, worst)
        i = worst
      }
    }
    for d in scores.indices {
      if heap.count < k {
        heap.append(d)
        var i = heap.count - 1
        while i > 0 {
          let parent = (i - 1) / 2
          guard better(heap[parent], heap[i]) else { break }
          heap.swapAt(i, parent)
          i = parent
        }
      } else if better(d, heap[0]) {
        heap[0] = d
        siftDown(0)
      }
    }
    return heap.sorted(by: better)
  }

  /// Rows scaled to unit length as torch.nn.functional.normalize does (norm floored at 1e-12).
  static func normalizedRows(_ x: [Float], _ dimension: Int) -> [Float] {
    var y = x
    for r in 0..<(x.count / dimension) {
      var s: Float = 0
      for i in 0..<dimension { s += x[r * dimension + i] * x[r * dimension + i] }
      let norm = max(s.squareRoot(), 1e-12)
      for i in 0..<dimension { y[r * dimension + i] = x[r * dimension + i] / norm }
    }
    return y
  }
}
