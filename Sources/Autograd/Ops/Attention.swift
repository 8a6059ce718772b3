import Foundation

/// Multi-head self-attention on packed sequences: each sequence attends only to its own tokens,
/// each head to its own slice of the hidden dimension. No padding, no mask.
///
///   probs[h, i, j] = softmax_j(q[i, h] · k[j, h] / √D)      within one sequence
///   ctx[i, h]      = Σ_j probs[h, i, j] · v[j, h]
///
/// Shapes: q, k, v, ctx: (T, H·D) packed rows; H heads of width D. Forward can save the softmax
/// probabilities for backward in `probs`, laid out per sequence as (H, L, L) at `probOffsets[s]`.
/// Dropout on the probabilities (BERT's attention_probs_dropout) multiplies them by a mask
/// indexed like `probs`, regenerated in backward. Work is split over (sequence, head) pairs,
/// each a few small single-threaded sgemms.

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

/// `inputStride` is the row stride of q, k and v (H·D when separate, 3·H·D when they are the
/// column blocks of one fused (T, 3·H·D) projection).
public func attentionForward(
  ctx: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>?, probOffsets: [Int]?,
  q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, inputStride: Int? = nil,
  layout: SequenceLayout, heads H: Int, headDim D: Int, dropout: Dropout? = nil
) {
  precondition(dropout == nil || probOffsets != nil, "attention dropout needs the probability layout")
  let C = H * D, S = inputStride ?? H * D
  let scale = 1 / Float(D).squareRoot()
  let maxL = layout.maxLength
  parallelFor(layout.count * H) { range in
    // scores of one (sequence, head) when probabilities are not kept, and dropped-out probabilities
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(maxL * maxL, 1))
    let dropped = UnsafeMutablePointer<Float>.allocate(capacity: dropout == nil ? 1 : max(maxL * maxL, 1))
    defer { scratch.deallocate(); dropped.deallocate() }
    for job in range {
      let s = job / H
      let h = job % H
      let start = layout.offsets[s]
      let L = layout.length(s)
      let P: UnsafeMutablePointer<Float>  // (L, L)
      if let probs, let probOffsets { P = probs + probOffsets[s] + h * L * L } else { P = scratch }
      let qh = q + start * S + h * D, kh = k + start * S + h * D, vh = v + start * S + h * D
      // P = scale · Q_h K_hᵀ   (L, D)·(D, L)
      BLAS.gemm(transA: false, transB: true, m: L, n: L, k: D, alpha: scale, a: qh, lda: S, b: kh, ldb: S,
                c: P, ldc: L, threaded: false)
      softmaxRows(P, rows: L, width: L)
      var PV = UnsafePointer(P)
      if let dropout, let probOffsets {
        applyDropout(dropout, to: P, into: dropped, count: L * L, base: probOffsets[s] + h * L * L)
        PV = UnsafePointer(dropped)
      }
      // ctx_h = P V_h   (L, L)·(L, D)
      BLAS.gemm(transA: false, transB: false, m: L, n: D, k: L, a: PV, lda: L, b: vh, ldb: S,
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

@inline(__always)
private func applyDropout(_ d: Dropout, to x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int, base: Int) {
  let s = d.scale
  for i in 0..<n { y[i] = d.keeps(base + i) ? x[i] * s : 0 }
}

/// With P the saved probabilities, P' = dropout(P), S the scaled scores and G = dCtx:
///   dV += P'ᵀ G;  dP' = G Vᵀ;  dP = dropout′(dP');  dS = P ⊙ (dP − rowsum(dP ⊙ P));
///   dQ += scale · dS K;  dK += scale · dSᵀ Q.
/// Each (sequence, head) writes its own rows and columns of dQ, dK, dV: no two workers collide.
public func attentionBackward(
  dQ: UnsafeMutablePointer<Float>?, dK: UnsafeMutablePointer<Float>?, dV: UnsafeMutablePointer<Float>?,
  dCtx: UnsafePointer<Float>, probs: UnsafePointer<Float>, probOffsets: [Int],
  q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, inputStride: Int? = nil,
  layout: SequenceLayout, heads H: Int, headDim D: Int, dropout: Dropout? = nil
) {
  let C = H * D, S = inputStride ?? H * D
  let scale = 1 / Float(D).squareRoot()
  let maxL = layout.maxLength
  parallelFor(layout.count * H) { range in
    let dP = UnsafeMutablePointer<Float>.allocate(capacity: max(maxL * maxL, 1))
    let dropped = UnsafeMutablePointer<Float>.allocate(capacity: dropout == nil ? 1 : max(maxL * maxL, 1))
    defer { dP.deallocate(); dropped.deallocate() }
    for job in range {
      let s = job / H, h = job % H
      let start = layout.offsets[s], L = layout.length(s)
      let base = probOffsets[s] + h * L * L
      let P = probs + base
      let off = start * S + h * D  // in q, k, v and their gradients
      let g = dCtx + start * C + h * D
      var PV = P
      if let dropout {
        applyDropout(dropout, to: P, into: dropped, count: L * L, base: base)
        PV = UnsafePointer(dropped)
      }
      if let dV {
        BLAS.gemm(transA: true, transB: false, m: L, n: D, k: L, a: PV, lda: L, b: g, ldb: C, beta: 1,
                  c: dV + off, ldc: S, threaded: false)
      }
      guard dQ != nil || dK != nil else { continue }
      BLAS.gemm(transA: false, transB: true, m: L, n: L, k: D, a: g, lda: C, b: v + off, ldb: S,
                c: dP, ldc: L, threaded: false)
      if let dropout {
        let sc = dropout.scale
        for i in 0..<(L * L) { dP[i] = dropout.keeps(base + i) ? dP[i] * sc : 0 }
      }
      for i in 0..<L {
        let pr = P + i * L, dr = dP + i * L
        var dot: Float = 0
        for j in 0..<L { dot += dr[j] * pr[j] }
        for j in 0..<L { dr[j] = pr[j] * (dr[j] - dot) }
      }
      if let dQ {
        BLAS.gemm(transA: false, transB: false, m: L, n: D, k: L, alpha: scale, a: dP, lda: L, b: k + off, ldb: S,
                  beta: 1, c: dQ + off, ldc: S, threaded: false)
      }
      if let dK {
        BLAS.gemm(transA: true, transB: false, m: L, n: D, k: L, alpha: scale, a: dP, lda: L, b: q + off, ldb: S,
                  beta: 1, c: dK + off, ldc: S, threaded: false)
      }
    }
  }
}

extension Tape {
  /// Multi-head self-attention of packed sequences; q, k, v: (T, H·D). Keeps the softmax
  /// probabilities (H·ΣL² floats) and q, k, v for backward.
  public func attention(
    q: Variable, k: Variable, v: Variable, layout: SequenceLayout, heads H: Int, dropout: Dropout? = nil
  ) -> Variable {
    let qs = shape(q)
    precondition(qs == shape(k) && qs == shape(v) && qs.count == 2 && qs[0] == layout.totalTokens && qs[1] % H == 0,
                 "attention: q \(qs), k \(shape(k)), v \(shape(v)) for \(layout.totalTokens) tokens and \(H) heads")
    let D = qs[1] / H
    let out = output(shape: qs, from: [q, k, v], overwritten: true)
    let (offsets, total) = attentionProbOffsets(layout: layout, heads: H)
    let probs = requiresGrad(out) ? Tensor(uninitializedShape: [total]) : nil
    attentionForward(ctx: value(out), probs: probs?.data, probOffsets: offsets, q: value(q), k: value(k), v: value(v),
                     layout: layout, heads: H, headDim: D, dropout: dropout)
    record("attention", outputs: [out]) { tape in
      attentionBackward(
        dQ: tape.gradientBuffer(q), dK: tape.gradientBuffer(k), dV: tape.gradientBuffer(v), dCtx: tape.upstream(out)!,
        probs: probs!.data, probOffsets: offsets, q: tape.value(q), k: tape.value(k), v: tape.value(v),
        layout: layout, heads: H, headDim: D, dropout: dropout)
    }
    return out
  }

  /// Attention over the fused projection qkv (T, 3·H·D): q, k, v are its three column blocks.
  /// Keeps qkv and the probabilities for backward.
  public func attention(qkv: Variable, layout: SequenceLayout, heads H: Int, dropout: Dropout? = nil) -> Variable {
    let s = shape(qkv)
    precondition(s.count == 2 && s[0] == layout.totalTokens && s[1] % (3 * H) == 0,
                 "attention: fused qkv \(s) for \(layout.totalTokens) tokens and \(H) heads")
    let C = s[1] / 3, D = C / H
    let out = output(shape: [s[0], C], from: [qkv], overwritten: true)
    let (offsets, total) = attentionProbOffsets(layout: layout, heads: H)
    let probs = requiresGrad(out) ? Tensor(uninitializedShape: [total]) : nil
    let x = value(qkv)
    attentionForward(ctx: value(out), probs: probs?.data, probOffsets: offsets, q: x, k: x + C, v: x + 2 * C,
                     inputStride: 3 * C, layout: layout, heads: H, headDim: D, dropout: dropout)
    record("attention", outputs: [out]) { tape in
      guard let d = tape.gradientBuffer(qkv) else { return }
      let x = tape.value(qkv)
      attentionBackward(
        dQ: d, dK: d + C, dV: d + 2 * C, dCtx: tape.upstream(out)!, probs: probs!.data, probOffsets: offsets,
        q: x, k: x + C, v: x + 2 * C, inputStride: 3 * C, layout: layout, heads: H, headDim: D, dropout: dropout)
    }
    return out
  }
}
