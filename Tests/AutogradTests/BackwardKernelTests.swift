import Autograd
import TestSupport
import Testing

/// Backward kernels against central differences of their forward kernels. The loss is
/// Σ out ⊙ R for a fixed random R, so dOut = R. Backward accumulates, so gradients start from a
/// non-zero value that must be kept.
@Suite struct BackwardKernelTests {
  func random(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<n).map { _ in rng.nextNormal() * scale }
  }

  func expectClose(_ got: [Float], _ expected: [Float], _ what: String, tolerance: Float = 2e-3) {
    let d = difference(got, expected)
    #expect(d.relative <= tolerance, "\(what): \(d)")
  }

  @Test func linear() {
    let T = 4, I = 6, O = 5
    let x = random(T * I, seed: 1), w = random(O * I, seed: 2), b = random(O, seed: 3), r = random(T * O, seed: 4)
    func loss(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
      var out = [Float](repeating: 0, count: T * O)
      linearForward(out: &out, x: x, weight: w, bias: b, rows: T, inFeatures: I, outFeatures: O)
      return weightedSum(out, r)
    }
    var dX = [Float](repeating: 1, count: T * I), dW = [Float](repeating: 1, count: O * I), dB = [Float](repeating: 1, count: O)
    linearBackward(dX: &dX, dWeight: &dW, dBias: &dB, dOut: r, x: x, weight: w, rows: T, inFeatures: I, outFeatures: O)
    expectClose(dX.map { $0 - 1 }, numericGradient(x) { loss($0, w, b) }, "dX")
    expectClose(dW.map { $0 - 1 }, numericGradient(w) { loss(x, $0, b) }, "dW")
    expectClose(dB.map { $0 - 1 }, numericGradient(b) { loss(x, w, $0) }, "dB")
  }

  @Test func layerNorm() {
    let T = 3, C = 16
    let x = random(T * C, seed: 5, scale: 2), w = random(C, seed: 6), b = random(C, seed: 7), r = random(T * C, seed: 8)
    func loss(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
      var out = [Float](repeating: 0, count: T * C)
      layerNormForward(out: &out, mean: nil, rstd: nil, x: x, weight: w, bias: b, rows: T, width: C, eps: 1e-5)
      return weightedSum(out, r)
    }
    var out = [Float](repeating: 0, count: T * C), mean = [Float](repeating: 0, count: T), rstd = [Float](repeating: 0, count: T)
    layerNormForward(out: &out, mean: &mean, rstd: &rstd, x: x, weight: w, bias: b, rows: T, width: C, eps: 1e-5)
    var dX = [Float](repeating: 0.5, count: T * C), dW = [Float](repeating: 0.5, count: C), dB = [Float](repeating: 0.5, count: C)
    layerNormBackward(dX: &dX, dWeight: &dW, dBias: &dB, dOut: r, x: x, weight: w, mean: mean, rstd: rstd, rows: T, width: C)
    expectClose(dX.map { $0 - 0.5 }, numericGradient(x, step: 1e-2) { loss($0, w, b) }, "dX", tolerance: 5e-3)
    expectClose(dW.map { $0 - 0.5 }, numericGradient(w) { loss(x, $0, b) }, "dWeight")
    expectClose(dB.map { $0 - 0.5 }, numericGradient(b) { loss(x, w, $0) }, "dBias")
  }

  @Test func gelu() {
    let x = random(64, seed: 9, scale: 2), r = random(64, seed: 10)
    var dX = [Float](repeating: 0, count: 64)
    geluBackward(dX: &dX, dOut: r, x: x, count: 64)
    let numeric = numericGradient(x, step: 1e-2) { x in
      var out = [Float](repeating: 0, count: 64)
      geluForward(out: &out, x: x, count: 64)
      return weightedSum(out, r)
    }
    expectClose(dX, numeric, "dX")
    // by hand: gelu'(0) = 0.5, gelu'(x) → 1 for large x
    var d = [Float](repeating: 0, count: 2)
    geluBackward(dX: &d, dOut: [1, 1], x: [0, 8], count: 2)
    #expect(d[0] == 0.5 && abs(d[1] - 1) < 1e-6)
  }
}
