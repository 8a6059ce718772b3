import CBF16
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
/// indexed like `probs`, regenerated in backward. Work is split over (sequence, head) pairs;
/// their products are small-matrix kernels (`SmallMatrix.swift`), not BLAS calls.

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
  let maxL = layout.maxLength, maxLp = paddedWidth(maxL)
  parallelFor(layout.count * H) { range in
    // Kᵀ of one head (D, Lp); two padded rows of scores; the probabilities when not kept; their dropout
    let kt = UnsafeMutablePointer<Float>.allocate(capacity: max(D * maxLp, 1))
    let scores = UnsafeMutablePointer<Float>.allocate(capacity: 2 * max(maxLp, 8))
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: probs == nil ? max(maxL * maxL, 1) : 1)
    let dropped = UnsafeMutablePointer<Float>.allocate(capacity: 2 * max(maxL, 1))
    defer { kt.deallocate(); scores.deallocate(); scratch.deallocate(); dropped.deallocate() }
    for job in range {
      let s = job / H, h = job % H
      let start = layout.offsets[s], L = layout.length(s), Lp = paddedWidth(L)
      let P: UnsafeMutablePointer<Float>  // (L, L)
      if let probs, let probOffsets { P = probs + probOffsets[s] + h * L * L } else { P = scratch }
      let qh = q + start * S + h * D, kh = k + start * S + h * D, vh = v + start * S + h * D
      transposeRows(kh, rows: L, width: D, stride: S, into: kt, stride: Lp)
      for i in stride(from: 0, to: L, by: 2) {
        let two = i + 1 < L  // rows i and i + 1 together
        // scores = scale · q_i Kᵀ, then P_i = softmax(scores)
        combineRows(into: scores, two ? scores + Lp : nil, width: Lp, alpha: scale, accumulate: false,
                    coefficients: qh + i * S, two ? qh + (i + 1) * S : nil, coefficientStride: 1, count: D,
                    rows: kt, rowStride: Lp)
        softmaxPaddedRow(scores, count: L, into: P + i * L)
        if two { softmaxPaddedRow(scores + Lp, count: L, into: P + (i + 1) * L) }
        var pi = UnsafePointer(P + i * L)
        if let dropout, let probOffsets {
          dropout.mask(pi, into: dropped, count: two ? 2 * L : L, base: probOffsets[s] + h * L * L + i * L)
          pi = UnsafePointer(dropped)
        }
        // ctx_i = P'_i V
        let out = ctx + (start + i) * C + h * D
        combineRows(into: out, two ? out + C : nil, width: D, alpha: 1, accumulate: false,
                    coefficients: pi, two ? pi + L : nil, coefficientStride: 1, count: L, rows: vh, rowStride: S)
      }
    }
  }
}

/// `attentionForward` without saved probabilities or dropout (inference), on AVX-512 sixteen
/// lanes wide (`Sources/CBF16/attention.c`): the same products in fp32, summed in another order,
/// so its output differs from the portable kernel's in the last bits. Only for the bf16 path,
/// whose CPUs all have AVX-512.
public func attentionForwardAVX512(
  ctx: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
  inputStride: Int? = nil, layout: SequenceLayout, heads H: Int, headDim D: Int
) {
  precondition(Precision.nativeBF16, "attentionForwardAVX512 runs only where the CPU has native bf16 (and AVX-512)")
  let S = inputStride ?? H * D
  layout.offsets.withUnsafeBufferPointer { offsets in
    parallelFor(layout.count * H) { range in
      let status = cbf16_attention(
        ctx, q, k, v, S, offsets.baseAddress!, H, D, range.lowerBound, range.upperBound)
      precondition(status == 0, "attention: no memory for a head's scratch (\(layout.maxLength) tokens)")
    }
  }
}

/// p[0..<L] = softmax(x[0..<L]), x a row padded to paddedWidth(L) floats (its padding is
/// overwritten). The padding counts as −∞ (e^−∞ = 0), masked in registers rather than written
/// first: a vector load of lanes just stored one at a time waits for the stores.
@inline(__always)
func softmaxPaddedRow(_ x: UnsafeMutablePointer<Float>, count L: Int, into p: UnsafeMutablePointer<Float>) {
  typealias V8 = SIMD8<Float>
  typealias Bits = SIMD8<UInt32>
  let Lp = paddedWidth(L), full = L / 8 * 8
  // the last chunk's lanes from L on: their bits cleared (keep), then set to −∞'s (pad)
  var keep = Bits(repeating: 0), pad = Bits(repeating: 0)
  for lane in 0..<8 {
    if full + lane < L { keep[lane] = 0xFFFF_FFFF } else { pad[lane] = 0xFF80_0000 }
  }
  @inline(__always) func scores(_ c: Int) -> V8 {
    let v = load8(x, c)
    if c < full { return v }
    return unsafeBitCast((unsafeBitCast(v, to: Bits.self) & keep) | pad, to: V8.self)
  }
  // the maximum and the quotients eight lanes at a time: the same values as one at a time
  var tops = V8(repeating: -.infinity)
  for c in stride(from: 0, to: Lp, by: 8) {
    let v = scores(c)
    tops.replace(with: v, where: tops .< v)
  }
  let m = V8(repeating: tops.max())
  var sum = V8()
  for c in stride(from: 0, to: Lp, by: 8) {
    let e = expNonPositive(scores(c) - m)
    store8(e, x, c)
    sum += e
  }
  let inv = 1 / laneTotal(sum)
  var j = 0
  while j &+ 8 <= L {
    store8(load8(x, j) * inv, p, j)
    j &+= 8
  }
  while j < L {
    p[j] = x[j] * inv
    j &+= 1
  }
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
  let maxL = layout.maxLength, maxLp = paddedWidth(maxL)
  parallelFor(layout.count * H) { range in
    // dS (L, Lp); Vᵀ of one head (D, Lp); the dropped-out probabilities (L, L)
    let dS = UnsafeMutablePointer<Float>.allocate(capacity: max(maxL * maxLp, 8))
    let vt = UnsafeMutablePointer<Float>.allocate(capacity: max(D * maxLp, 1))
    let dropped = UnsafeMutablePointer<Float>.allocate(capacity: dropout == nil ? 1 : max(maxL * maxL, 1))
    defer { dS.deallocate(); vt.deallocate(); dropped.deallocate() }
    for job in range {
      let s = job / H, h = job % H
      let start = layout.offsets[s], L = layout.length(s), Lp = paddedWidth(L)
      let base = probOffsets[s] + h * L * L
      let P = probs + base
      let off = start * S + h * D  // in q, k, v and their gradients
      let g = dCtx + start * C + h * D
      var PV = P
      if let dropout {
        dropout.mask(P, into: dropped, count: L * L, base: base)
        PV = UnsafePointer(dropped)
      }
      if let dV {
        // dV_j += Σ_i P'[i, j] G_i
        for j in stride(from: 0, to: L, by: 2) {
          let two = j + 1 < L, out = dV + off + j * S
          combineRows(into: out, two ? out + S : nil, width: D, alpha: 1, accumulate: true,
                      coefficients: PV + j, two ? PV + j + 1 : nil, coefficientStride: L, count: L, rows: g, rowStride: C)
        }
      }
      guard dQ != nil || dK != nil else { continue }
      transposeRows(v + off, rows: L, width: D, stride: S, into: vt, stride: Lp)
      for i in stride(from: 0, to: L, by: 2) {
        // dP_i = G_i Vᵀ, through the dropout mask, then dS_i = P_i ⊙ (dP_i − dP_i·P_i)
        let two = i + 1 < L
        combineRows(into: dS + i * Lp, two ? dS + (i + 1) * Lp : nil, width: Lp, alpha: 1, accumulate: false,
                    coefficients: g + i * C, two ? g + (i + 1) * C : nil, coefficientStride: 1, count: D,
                    rows: vt, rowStride: Lp)
        for r in i..<(two ? i + 2 : i + 1) {
          let dr = dS + r * Lp, pr = P + r * L
          dropout?.mask(dr, into: dr, count: L, base: base + r * L)
          var dot: Float = 0
          for j in 0..<L { dot += dr[j] * pr[j] }
          for j in 0..<L { dr[j] = pr[j] * (dr[j] - dot) }
        }
        if let dQ {
          let out = dQ + off + i * S
          combineRows(into: out, two ? out + S : nil, width: D, alpha: scale, accumulate: true,
                      coefficients: dS + i * Lp, two ? dS + (i + 1) * Lp : nil, coefficientStride: 1, count: L,
                      rows: k + off, rowStride: S)
        }
      }
      if let dK {
        // dK_j += scale · Σ_i dS[i, j] Q_i
        for j in stride(from: 0, to: L, by: 2) {
          let two = j + 1 < L, out = dK + off + j * S
          combineRows(into: out, two ? out + S : nil, width: D, alpha: scale, accumulate: true,
                      coefficients: dS + j, two ? dS + j + 1 : nil, coefficientStride: Lp, count: L, rows: q + off, rowStride: S)
        }
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
