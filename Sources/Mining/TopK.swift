import Autograd
import Foundation

/// Exact top-k search by inner product: the queries against the corpus in blocks, each block's
/// scores from one matrix product (`BLAS.gemm`), kept per query in a bounded heap. Memory is the queries, one corpus
/// block, its (queries × block) scores and the heaps, whatever the corpus size.
public struct TopK: Sendable {
  /// (queries, k) row-major; a row of fewer than k hits is padded with id −1 and score −∞.
  public var ids: [Int32]
  public var scores: [Float]
  public let k: Int

  /// `queries` (q, dim) row-major; `blocks` yields the corpus block by block as (first row,
  /// rows × dim floats) and nil at the end. Order of equal scores: the lower corpus row first.
  public static func search(
    queries: [Float], dim: Int, k: Int, blocks: () throws -> (start: Int, rows: [Float])?, progress: ((Int) throws -> Void)? = nil
  ) throws -> TopK {
    precondition(dim > 0 && queries.count % dim == 0, "TopK: queries are not rows of \(dim)")
    let q = queries.count / dim
    var heaps = (0..<q).map { _ in Heap(capacity: k) }
    var scores: [Float] = []
    var searched = 0
    while let (start, rows) = try blocks() {
      let n = rows.count / dim
      if n == 0 { continue }
      if scores.count < q * n { scores = [Float](repeating: 0, count: q * n) }
      // one sgemm over the whole block, in this thread: split into column blocks (BLAS.gemm's
      // threading) OpenBLAS rounds some scores differently, and the mined negatives must not
      // depend on the thread count
      if q > 0 {
        queries.withUnsafeBufferPointer { qp in
          rows.withUnsafeBufferPointer { rp in
            scores.withUnsafeMutableBufferPointer { sp in
              BLAS.gemm(
                transA: false, transB: true, m: q, n: n, k: dim, a: qp.baseAddress!, lda: dim, b: rp.baseAddress!, ldb: dim,
                c: sp.baseAddress!, ldc: n, threaded: false)
            }
          }
        }
      }
      scores.withUnsafeBufferPointer { sp in
        heaps.withUnsafeMutableBufferPointer { hp in
          let base = hp.baseAddress!
          parallelFor(q, minChunk: 64) { queries in
            for i in queries {
              let row = sp.baseAddress! + i * n
              for j in 0..<n { base[i].offer(score: row[j], id: Int32(start + j)) }
            }
          }
        }
      }
      searched += n
      try progress?(searched)
    }
    var ids = [Int32](repeating: -1, count: q * k), top = [Float](repeating: -.infinity, count: q * k)
    for i in 0..<q {
      for (r, hit) in heaps[i].sorted().enumerated() {
        ids[i * k + r] = hit.id
        top[i * k + r] = hit.score
      }
    }
    return TopK(ids: ids, scores: top, k: k)
  }

  /// Whether hit (s1, id1) ranks before (s2, id2): higher score, then lower id.
  @inline(__always) static func before(_ s1: Float, _ id1: Int32, _ s2: Float, _ id2: Int32) -> Bool {
    s1 > s2 || (s1 == s2 && id1 < id2)
  }

  /// The k best hits so far: a binary min-heap whose root is the worst kept hit.
  struct Heap: Sendable {
    var scores: [Float] = []
    var ids: [Int32] = []
    let capacity: Int

    init(capacity: Int) {
      self.capacity = capacity
      scores.reserveCapacity(capacity)
      ids.reserveCapacity(capacity)
    }

    @inline(__always) mutating func offer(score: Float, id: Int32) {
      if scores.count < capacity {
        scores.append(score)
        ids.append(id)
        var c = scores.count - 1
        while c > 0 {
          let p = (c - 1) / 2
          guard TopK.before(scores[p], ids[p], scores[c], ids[c]) else { break }
          scores.swapAt(p, c)
          ids.swapAt(p, c)
          c = p
        }
        return
      }
      guard capacity > 0, TopK.before(score, id, scores[0], ids[0]) else { return }
      scores[0] = score
      ids[0] = id
      var p = 0
      while true {
        let l = 2 * p + 1, r = l + 1
        var worst = p
        if l < scores.count && TopK.before(scores[worst], ids[worst], scores[l], ids[l]) { worst = l }
        if r < scores.count && TopK.before(scores[worst], ids[worst], scores[r], ids[r]) { worst = r }
        if worst == p { break }
        scores.swapAt(p, worst)
        ids.swapAt(p, worst)
        p = worst
      }
    }

    func sorted() -> [(score: Float, id: Int32)] {
      zip(scores, ids).map { ($0, $1) }.sorted { TopK.before($0.score, $0.id, $1.score, $1.id) }
    }
  }
}
