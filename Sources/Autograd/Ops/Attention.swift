import Foundation

/// Multi-head self-attention on packed sequences: each sequence attends only to its own tokens,
/// each head to its own slice of the hidden dimension. No padding, no mask.
///
///   probs[h, i, j] = softmax_j(q[i, h] · k[j, h] / √D)      within one sequence
///   ctx[i, h]      = Σ_j probs[h, i, j] · v[j, h]
///
/// Shapes: q, k, v, ctx: (T, H·D) packed rows; H heads of width D. Forward can save the softmax
/// probabilities for backward in `probs`, laid out per sequence as (H, L, L) at `probOffsets[s]`.
/// Work is split over (sequence, head) pairs, each two small single-threaded sgemms.

/// Offsets of each sequence's (H, L, L) probability block in a flat buffer, and the total size.
public func attentionProbOffsets(layout: SequenceLayout, heads H: Int) -> (offsets: [Int], total: Int) {
  var offsets = [Int]()
  offsets.reserveCapacity(layout.count)
  var total = 0
  for s in 0..<layout.count {
    offsets.append(total)
    let L = layout.length(s)
    total += H * L * L
  }
  return (offsets, total)
}

public func attentionForward(
  ctx: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>?, probOffsets: [Int]?,
  q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
  layout: SequenceLayout, heads H: Int, headDim D: Int
) {
  let C = H * D
  let scale = 1 / Float(D).squareRoot()
  let maxL = layout.maxLength
  parallelFor(layout.count * H) { range in
    // scores of one (sequence, head) when probabilities are not kept
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(maxL * maxL, 1))
    defer { scratch.deallocate() }
    for job in range {
      let s = job / H
      let h = job % H
      let start = layout.offsets[s]
      let L = layout.length(s)
      let P: UnsafeMutablePointer<Float>  // (L, L)
      if let probs, let probOffsets { P = probs + probOffsets[s] + h * L * L } else { P = scratch }
      let qh = q + start * C + h * D, kh = k + start * C + h * D, vh = v + start * C + h * D
      // P = scale · Q_h K_hᵀ   (L, D)·(D, L)
      BLAS.gemm(transA: false, transB: true, m: L, n: L, k: D, alpha: scale, a: qh, lda: C, b: kh, ldb: C,
                c: P, ldc: L, threaded: false)
      softmaxRows(P, rows: L, width: L)
      // ctx_h = P V_h   (L, L)·(L, D)
      BLAS.gemm(transA: false, transB: false, m: L, n: D, k: L, a: P, lda: L, b: vh, ldb: C,
                c: ctx + start * C + h * D, ldc: C, threaded: false)
    }
  }
}

/// Row-wise softmax in place: x[r] = exp(x[r] − max) / Σ exp(x[r] − max).
@inline(__always)
func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows R: Int, width W: Int) {
  for r in 0..<R {
    let row = x + r * W
    var mx = -Float.infinity
    for j in 0..<W { mx = max(mx, row[j]) }
    var sum: Float = 0
    for j in 0..<W {
      let e = expf(row[j] - mx)
      row[j] = e
      sum += e
    }
    let inv = 1 / sum
    for j in 0..<W { row[j] *= inv }
  }
}
