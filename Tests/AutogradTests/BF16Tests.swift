import Autograd
import Foundation
import TestSupport
import Testing

/// bf16 numbers and products: the rounding, oneDNN's bf16 matrix products against an fp32
/// reference on bf16-rounded inputs, the linear layer's bf16 forward and backward against the fp32
/// layer on rounded operands, the store's bf16 copies, and what a precision setting resolves to.
/// The products need a CPU with native bf16 dot products; elsewhere those tests are skipped.
@Suite struct BF16Tests {
  static func randoms(_ n: Int, seed: UInt64) -> [Float] {
    var r = SplitMix64(seed: seed)
    return (0..<n).map { _ in r.nextNormal() }
  }

  @Test func roundingIsToNearestEvenAsPyTorchRounds() {
    let values: [Float] = [
      1, 1 + 0x1p-8, 1 + 3 * 0x1p-8, 1 + 0x1p-8 + 0x1p-20, -2.5, 3.14159265, .infinity, -.infinity, 0, -0.0,
      .greatestFiniteMagnitude, 0x1p-130,
    ]
    // ties go to the even mantissa (1 + 2⁻⁸ → 1; 1 + 3·2⁻⁸ → 1 + 2⁻⁶); the largest float rounds to
    // infinity and subnormals keep their top bits, as torch.tensor(x).bfloat16() gives
    let expected: [Float] = [
      1, 1, 1 + 0x1p-6, 1 + 0x1p-7, -2.5, 3.140625, .infinity, -.infinity, 0, -0.0, .infinity, 0x1p-130,
    ]
    let got = BF16.rounded(values)
    for (i, (g, e)) in zip(got, expected).enumerated() {
      #expect(g.bitPattern == e.bitPattern, "\(values[i]) rounds to \(g), expected \(e)")
    }
    #expect(BF16.rounded([.nan])[0].isNaN)
  }

  /// C = op(A)·op(B) + beta·C in Double from the rounded operands; each element's tolerance is
  /// 1e-5 of Σ|a||b| (fp32 accumulation of at most a few hundred terms stays well inside it).
  static func checkProduct(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, beta: Float) -> String? {
    let a = BF16.rounded(randoms(m * k, seed: UInt64(m * 31 + k))), b = BF16.rounded(randoms(k * n, seed: UInt64(n * 17 + k)))
    let c0 = randoms(m * n, seed: 99)
    let lda = transA ? m : k, ldb = transB ? k : n
    func A(_ i: Int, _ p: Int) -> Double { Double(transA ? a[p * lda + i] : a[i * lda + p]) }
    func B(_ p: Int, _ j: Int) -> Double { Double(transB ? b[j * ldb + p] : b[p * ldb + j]) }
    var c = c0
    let a16 = BF16.Buffer(rounding: a, count: a.count), b16 = BF16.Buffer(rounding: b, count: b.count)
    c.withUnsafeMutableBufferPointer { c in
      BF16.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a16.data, lda: lda, b: b16.data, ldb: ldb, beta: beta,
                c: c.baseAddress!, ldc: n)
    }
    var worst = 0.0, at = (0, 0)
    for i in 0..<m {
      for j in 0..<n {
        var sum = Double(beta) * Double(c0[i * n + j]), scale = abs(Double(beta) * Double(c0[i * n + j]))
        for p in 0..<k {
          sum += A(i, p) * B(p, j)
          scale += abs(A(i, p) * B(p, j))
        }
        let e = abs(Double(c[i * n + j]) - sum) / max(scale, 1e-30)
        if e > worst { (worst, at) = (e, (i, j)) }
      }
    }
    return worst <= 1e-5 ? nil : "\(m)×\(n)×\(k) transA \(transA) transB \(transB) beta \(beta): relative error \(worst) at \(at)"
  }

  @Test(.needsNativeBF16) func productsMatchAnFP32ReferenceOnRoundedInputs() {
    var failures: [String] = []
    // small (one call), wide (split by columns among the workers), narrow (split by rows)
    for (m, n, k) in [(3, 5, 7), (37, 130, 65), (300, 200, 96), (2000, 40, 64)] {
      for transA in [false, true] {
        for transB in [false, true] {
          for beta: Float in [0, 1] {
            if let f = Self.checkProduct(m: m, n: n, k: k, transA: transA, transB: transB, beta: beta) { failures.append(f) }
          }
        }
      }
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
  }

  /// The bf16 layer is the fp32 layer applied to bf16-rounded x, W and dOut (to fp32 rounding:
  /// the sums are the same, in another order); the bias gradient is the fp32 sum of dOut as it is.
  @Test(.needsNativeBF16) func linearLayerInBF16IsTheFP32LayerOnRoundedOperands() {
    let T = 70, I = 48, O = 96
    let x = Self.randoms(T * I, seed: 1), w = Self.randoms(O * I, seed: 2), bias = Self.randoms(O, seed: 3), dOut = Self.randoms(T * O, seed: 4)
    let xr = BF16.rounded(x), wr = BF16.rounded(w), dr = BF16.rounded(dOut)
    let w16 = BF16.Buffer(rounding: w, count: w.count)
    var got = [Float](repeating: 0, count: T * O), want = got
    linearForward(out: &got, x: x, weight: nil, weightBF16: w16, bias: bias, rows: T, inFeatures: I, outFeatures: O)
    linearForward(out: &want, x: xr, weight: wr, bias: bias, rows: T, inFeatures: I, outFeatures: O)
    let f = difference(got, want)
    #expect(f.relative <= 1e-5, "forward: \(f)")

    var dX = Self.randoms(T * I, seed: 5), dW = Self.randoms(O * I, seed: 6), dB = [Float](repeating: 0, count: O)
    var dXRef = dX, dWRef = dW, dBRef = dB
    linearBackward(dX: &dX, dWeight: &dW, dBias: &dB, dOut: dOut, x: x, weight: w, weightBF16: w16, rows: T, inFeatures: I, outFeatures: O)
    linearBackward(dX: &dXRef, dWeight: &dWRef, dBias: nil, dOut: dr, x: xr, weight: wr, rows: T, inFeatures: I, outFeatures: O)
    linearBackward(dX: nil, dWeight: nil, dBias: &dBRef, dOut: dOut, x: x, weight: w, rows: T, inFeatures: I, outFeatures: O)
    let dx = difference(dX, dXRef), dw = difference(dW, dWRef)
    #expect(dx.relative <= 1e-5, "dX: \(dx)")
    #expect(dw.relative <= 1e-5, "dW: \(dw)")
    #expect(dB == dBRef, "the bias gradient is the fp32 column sum")
  }

  /// A copy is made once and kept while the weights stay; a write through `pointer(_:)`, an
  /// optimizer step or a change of precision makes it anew. (Rounding needs no bf16 hardware.)
  @Test func storeCopiesFollowTheWeights() {
    let store = ParameterStore(specs: [("a", [4, 8]), ("b", [8])])
    func values(_ c: BF16.Buffer) -> [UInt16] { Array(UnsafeBufferPointer(start: c.data, count: c.count)) }
    func bits(_ v: [Float]) -> [UInt16] { BF16.rounded(v).map { UInt16($0.bitPattern >> 16) } }
    #expect(store.bf16Copy(["a"]) == nil, "fp32: no copies")
    store.precision = .bf16
    let a = Self.randoms(32, seed: 7)
    store.pointer("a").update(from: a, count: 32)
    let first = store.bf16Copy(["a"])!
    #expect(values(first) == bits(a))
    #expect(store.bf16Copy(["a"]) === first, "the copy is kept while the weights stay")
    _ = store.pointer("b")  // another parameter's writer leaves it
    #expect(store.bf16Copy(["a"]) === first)

    let a2 = a.map { $0 * 3 }
    store.pointer("a").update(from: a2, count: 32)
    let second = store.bf16Copy(["a"])!
    #expect(second !== first && values(second) == bits(a2), "a write through pointer(_:) makes the copy anew")

    let optimizer = AdamW(store: store, settings: .init())
    store.zeroGrad()
    store.denseGradient("a").update(repeating: 1, count: 32)
    optimizer.update(lr: 0.5)
    let stepped = Array(UnsafeBufferPointer(start: store.pointer("a"), count: 32))
    #expect(stepped != a2)
    #expect(values(store.bf16Copy(["a"])!) == bits(stepped), "an optimizer step makes the copy anew")
    store.precision = .fp32
    #expect(store.bf16Copy(["a"]) == nil)
  }

  @Test func aSettingResolvesToWhatTheCPUHas() throws {
    #expect(try PrecisionSetting.fp32.resolve() == .fp32)
    #expect(try PrecisionSetting.auto.resolve() == (Precision.nativeBF16 ? .bf16 : .fp32))
    if Precision.nativeBF16 {
      #expect(try PrecisionSetting.bf16.resolve() == .bf16)
    } else {
      #expect(throws: PrecisionError.noNativeBF16(cpu: Precision.cpuName)) { try PrecisionSetting.bf16.resolve() }
      #expect(PrecisionError.noNativeBF16(cpu: "X").description.contains("X has no native bf16 dot products"))
    }
  }
}
