import Foundation

/// Multi-head self-attention on packed sequences: each sequence attends only to its own tokens,
/// each head to its own slice of the hidden dimension. No padding, no mask.
///
///   probs[h, i, j] = softmax_j(q[i, h] · k[j, h] / √D)      within one sequence
///   ctx[i, h]      = Σ_j probs[h, i, j] · v[j, h]
///
/// Shapes: q, k, v, ctx: (T, H·D) packed rows; H heads of width D. Forward can save the softmax
/// probabilities for backward in `probs`, laid out per sequence as (H, L, L) at `probOffsets[s]`.

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
  let jobs = layout.count * H
  parallelFor(jobs) { range in
    // scratch row of scores when probabilities are not kept
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(maxL, 1))
    defer { scratch.deallocate() }
    for job in range {
      let s = job / H
      let h = job % H
      let start = layout.offsets[s]
      let L = layout.length(s)
      for i in 0..<L {
        let qi = q + (start + i) * C + h * D
        let row: UnsafeMutablePointer<Float>
        if let probs, let probOffsets { row = probs + probOffsets[s] + (h * L + i) * L } else { row = scratch }
        var mx = -Float.infinity
        for j in 0..<L {
          let kj = k + (start + j) * C + h * D
          var d: Float = 0
          for e in 0..<D { d += qi[e] * kj[e] }
          d *= scale
          row[j] = d
          if d > mx { mx = d }
        }
        var sum: Float = 0
        for j in 0..<L {
          let e = expf(row[j] - mx)
          row[j] = e
          sum += e
        }
        let inv = 1 / sum
        let ci = ctx + (start + i) * C + h * D
        for e in 0..<D { ci[e] = 0 }
        for j in 0..<L {
          let p = row[j] * inv
          row[j] = p
          let vj = v + (start + j) * C + h * D
          for e in 0..<D { ci[e] += p * vj[e] }
        }
      }
    }
  }
}
