import Autograd
import Foundation
import TestSupport
import Testing

/// The bf16 path's own inference kernels against the portable ones: AVX-512 attention (the same
/// sums in another order), GELU (the same bits), GELU rounded to bf16 in one pass, and the linear
/// product on a packed weight with the residual added by oneDNN (against fp32 on rounded
/// operands). They run where the CPU has native bf16 (and so AVX-512); elsewhere they are skipped.
@Suite struct BF16KernelTests {
  static func randoms(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var r = SplitMix64(seed: seed)
    return (0..<n).map { _ in scale * r.nextNormal() }
  }

  /// Lengths around the kernel's 16- and 32-lane blocks and its four-row blocks; head widths of
  /// a multiple of 32 (e5-small's), of 16 and a ragged one; q, k, v separate or one fused matrix.
  @Test(.needsNativeBF16, arguments: [32, 16, 20, 8])
  func avx512AttentionEqualsThePortableKernel(headDim D: Int) {
    let layout = SequenceLayout(lengths: [1, 2, 3, 5, 15, 16, 17, 31, 32, 33, 70])
    let H = 3, C = H * D, T = layout.totalTokens
    for fused in [false, true] {
      let S = fused ? 3 * C : C
      let input = Self.randoms(T * S * (fused ? 1 : 3), seed: UInt64(D), scale: 2)
      input.withUnsafeBufferPointer { p in
        let q = p.baseAddress!, k = fused ? q + C : q + T * C, v = fused ? q + 2 * C : q + 2 * T * C
        var got = [Float](repeating: .nan, count: T * C), want = got
        attentionForwardAVX512(ctx: &got, q: q, k: k, v: v, inputStride: S, layout: layout, heads: H, headDim: D)
        attentionForward(
          ctx: &want, probs: nil, probOffsets: nil, q: q, k: k, v: v, inputStride: S, layout: layout, heads: H, headDim: D)
        let d = difference(got, want)
        #expect(d.maxAbs <= 2e-6 * max(d.maxRef, 1), "head width \(D), fused \(fused): \(d)")
      }
    }
  }

  /// The same bits on every whole block of eight (the portable kernel computes the last n mod 8
  /// values with libm's erff: those agree to 1e-6).
  @Test(.needsNativeBF16) func geluOnAVX512HasThePortableBitsAndRoundsAsRoundDoes() {
    for n in [1, 15, 16, 17, 1000, 70_001] {
      var x = Self.randoms(n, seed: UInt64(n), scale: 3)
      if n > 20 { x[3] = 5; x[4] = -5; x[5] = 0; x[6] = -0.0; x[7] = 1e-30; x[8] = .infinity; x[9] = .nan; x[10] = -.infinity }
      var want = [Float](repeating: 0, count: n), got = [Float](repeating: .nan, count: n)
      geluForward(out: &want, x: x, count: n)
      BF16.gelu(out: &got, x: x, count: n)
      let whole = n / 8 * 8
      let differing = (0..<whole).filter { got[$0].bitPattern != want[$0].bitPattern && !(got[$0].isNaN && want[$0].isNaN) }
      #expect(differing.isEmpty, "n \(n): BF16.gelu differs from geluForward at \(differing.prefix(5).map { (x[$0], got[$0], want[$0]) })")
      let tail = difference(Array(got[whole...]), Array(want[whole...]))
      #expect(tail.maxAbs <= 1e-6, "n \(n), the last \(n - whole): \(tail)")
      var bits = [UInt16](repeating: 0, count: n)
      BF16.geluRounded(x, into: &bits, count: n)
      let wanted = BF16.rounded(got).map { UInt16($0.bitPattern >> 16) }
      #expect(bits == wanted, "n \(n): BF16.geluRounded is not round(BF16.gelu)")
    }
  }

  /// out = x·Wᵀ + bias + addend on a packed weight equals the fp32 layer on the rounded x and W
  /// (to fp32 rounding); the same weight copy serves products of other row counts (one packed
  /// copy, or another when oneDNN picks another layout for them), one call or split by rows.
  @Test(.needsNativeBF16) func linearOnAPackedWeightMatchesFP32OnRoundedOperands() {
    let I = 96, O = 80
    let w = Self.randoms(O * I, seed: 2), bias = Self.randoms(O, seed: 3)
    let w16 = BF16.Buffer(rounding: w, count: w.count), wr = BF16.rounded(w)
    for (T, withBias, withAddend) in [(70, true, true), (3, true, false), (1000, false, true), (70, false, false), (1, true, true)] {
      let x = Self.randoms(T * I, seed: UInt64(T)), addend = Self.randoms(T * O, seed: UInt64(T + 1))
      let x16 = BF16.Buffer(rounding: x, count: x.count)
      var got = [Float](repeating: .nan, count: T * O), want = [Float](repeating: 0, count: T * O)
      addend.withUnsafeBufferPointer { a in
        BF16.linear(
          rows: T, outFeatures: O, inFeatures: I, x: x16.data, weight: w16, bias: withBias ? bias : nil,
          addend: withAddend ? a.baseAddress! : nil, out: &got)
      }
      linearForward(
        out: &want, x: BF16.rounded(x), weight: wr, bias: withBias ? bias : nil, rows: T, inFeatures: I, outFeatures: O,
        residual: withAddend ? addend : nil)
      let d = difference(got, want)
      #expect(d.relative <= 1e-5, "\(T) rows, bias \(withBias), addend \(withAddend): \(d)")
    }
  }
}
