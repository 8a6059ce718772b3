import Autograd
import Foundation
import TestSupport
import Testing

/// Forward kernels against hand-computed values and naive Double-precision references.
@Suite struct ForwardKernelTests {
  func random(_ n: Int, seed: UInt64) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<n).map { _ in rng.nextNormal() }
  }

  @Test func linearMatchesNaiveProduct() {
    let T = 5, I = 7, O = 3
    let x = random(T * I, seed: 1), w = random(O * I, seed: 2), b = random(O, seed: 3)
    var out = [Float](repeating: .nan, count: T * O)
    linearForward(out: &out, x: x, weight: w, bias: b, rows: T, inFeatures: I, outFeatures: O)
    var ref = [Float]()
    for t in 0..<T { for o in 0..<O { ref.append(Float((0..<I).reduce(Double(b[o])) { $0 + Double(x[t * I + $1]) * Double(w[o * I + $1]) })) } }
    #expect(difference(out, ref).maxAbs < 1e-5)
  }

  @Test func layerNormHandCase() {
    // x = [1, 2, 3, 4]: mean 2.5, biased var 1.25
    let x: [Float] = [1, 2, 3, 4], w: [Float] = [1, 2, 1, 1], b: [Float] = [0, 0, 1, 0]
    var out = [Float](repeating: 0, count: 4), mean: [Float] = [0], rstd: [Float] = [0]
    layerNormForward(out: &out, mean: &mean, rstd: &rstd, x: x, weight: w, bias: b, rows: 1, width: 4, eps: 0)
    let s = 1 / Float(1.25).squareRoot()
    #expect(mean == [2.5] && abs(rstd[0] - s) < 1e-6)
    #expect(difference(out, [-1.5 * s, -0.5 * s * 2, 0.5 * s + 1, 1.5 * s]).maxAbs < 1e-6)
  }

  @Test func geluIsTheErfForm() {
    let x: [Float] = [-3, -1, 0, 0.5, 1, 2]
    var out = [Float](repeating: 0, count: x.count)
    geluForward(out: &out, x: x, count: x.count)
    // 0.5·x·(1 + erf(x/√2)); the tanh approximation differs at 1e-4 here
    let ref: [Float] = [-0.0040496899, -0.15865525, 0, 0.34573123, 0.84134475, 1.9544997]
    #expect(difference(out, ref).maxAbs < 1e-6)
  }

  @Test func vectorizedGELUMatchesLibmErfEverywhere() {
    // a dense sweep over [-10, 10] plus a tail that is not a multiple of 8 (scalar path)
    let x = (0..<20_003).map { Float($0) / 1000 - 10 }
    var out = [Float](repeating: .nan, count: x.count)
    geluForward(out: &out, x: x, count: x.count)
    var worst: Double = 0
    for (i, v) in x.enumerated() {
      let ref = 0.5 * Double(v) * (1 + erf(Double(v) / 2.0.squareRoot()))
      worst = max(worst, abs(Double(out[i]) - ref) / max(1, abs(ref)))
    }
    #expect(worst < 1e-6, "worst error \(worst)")
  }

  @Test func vectorizedGELUDerivativeMatchesDoublePrecision() {
    // gelu'(x) = Φ(x) + x·φ(x) over [-12, 12], with a scalar tail; dX starts at 1 (accumulation)
    let x = (0..<24_005).map { Float($0) / 1000 - 12 }
    var dX = [Float](repeating: 1, count: x.count)
    geluBackward(dX: &dX, dOut: [Float](repeating: 1, count: x.count), x: x, count: x.count)
    var worst: Double = 0
    for (i, v) in x.enumerated() {
      let d = Double(v)
      let ref = 1 + 0.5 * (1 + erf(d / 2.0.squareRoot())) + d * exp(-0.5 * d * d) / (2 * Double.pi).squareRoot()
      worst = max(worst, abs(Double(dX[i]) - ref))
    }
    #expect(worst < 1e-6, "worst error \(worst)")
  }

  @Test func geluWithSlopeGivesTheSameBitsAsSeparateForwardAndBackward() {
    // what a training forward keeps (the slope) must reproduce the standalone kernels exactly
    let x = (0..<4_003).map { Float($0) / 200 - 10 }
    var plain = [Float](repeating: .nan, count: x.count), out = plain, slope = plain
    geluForward(out: &plain, x: x, count: x.count)
    geluForward(out: &out, slope: &slope, x: x, count: x.count)
    #expect(out == plain)
    let dOut = x.map { 0.25 - $0 / 7 }
    var viaX = [Float](repeating: 0, count: x.count), viaSlope = viaX
    geluBackward(dX: &viaX, dOut: dOut, x: x, count: x.count)
    geluBackward(into: &viaSlope, dOut: dOut, slope: slope, count: x.count)
    #expect(viaSlope == viaX)
  }

  @Test func attentionStaysWithinEachSequence() {
    let layout = SequenceLayout(lengths: [1, 2, 7, 13])
    let H = 3, D = 4, C = H * D, T = layout.totalTokens
    let q = random(T * C, seed: 4), k = random(T * C, seed: 5), v = random(T * C, seed: 6)
    var ctx = [Float](repeating: .nan, count: T * C)
    let (offsets, total) = attentionProbOffsets(layout: layout, heads: H)
    var probs = [Float](repeating: .nan, count: total)
    attentionForward(ctx: &ctx, probs: &probs, probOffsets: offsets, q: q, k: k, v: v, layout: layout, heads: H, headDim: D)
    var ref = [Float](repeating: 0, count: T * C)
    for s in 0..<layout.count {
      let a = layout.offsets[s], L = layout.length(s)
      for h in 0..<H {
        for i in 0..<L {
          var scores = (0..<L).map { j in (0..<D).reduce(0.0) { $0 + Double(q[(a + i) * C + h * D + $1]) * Double(k[(a + j) * C + h * D + $1]) } / 2.0 }
          let m = scores.max()!
          scores = scores.map { exp($0 - m) }
          let z = scores.reduce(0, +)
          for j in 0..<L {
            #expect(abs(probs[offsets[s] + (h * L + i) * L + j] - Float(scores[j] / z)) < 1e-6)
          }
          for e in 0..<D {
            ref[(a + i) * C + h * D + e] = Float((0..<L).reduce(0.0) { $0 + scores[$1] / z * Double(v[(a + $1) * C + h * D + e]) })
          }
        }
      }
    }
    #expect(difference(ctx, ref).maxAbs < 1e-5)
    // a one-token sequence attends only to itself: ctx = v
    #expect(Array(ctx[0..<C]) == Array(v[0..<C]))
  }

  @Test func poolingAndNormalize() {
    let layout = SequenceLayout(lengths: [2, 1])
    let x: [Float] = [1, 2, 3, 4, 10, 20]
    var mean = [Float](repeating: 0, count: 4), cls = [Float](repeating: 0, count: 4)
    poolForward(out: &mean, x: x, layout: layout, width: 2, mode: .mean)
    poolForward(out: &cls, x: x, layout: layout, width: 2, mode: .cls)
    #expect(mean == [2, 3, 10, 20])
    #expect(cls == [1, 2, 10, 20])
    var n = [Float](repeating: 0, count: 4), norms: [Float] = [0, 0]
    l2NormalizeForward(out: &n, norms: &norms, x: [3, 4, 0, 0], rows: 2, width: 2)
    #expect(n == [0.6, 0.8, 0, 0] && norms == [5, 1e-12])
  }

  @Test func embeddingSumGathersRows() {
    let word: [Float] = [0, 0, 1, 1, 2, 2], pos: [Float] = [10, 10, 20, 20], type: [Float] = [100, 100]
    var out = [Float](repeating: 0, count: 4)
    embeddingSumForward(out: &out, word: word, position: pos, tokenType: type, ids: [2, 1], positions: [0, 1], types: nil, rows: 2, width: 2)
    #expect(out == [112, 112, 121, 121])
  }

  @Test func parallelForCoversEveryIndexOnce() {
    Parallel.threads = 2
    let counts = UnsafeMutablePointer<Int>.allocate(capacity: 1000)
    counts.initialize(repeating: 0, count: 1000)
    defer { counts.deallocate() }
    parallelFor(1000) { r in for i in r { counts[i] += 1 } }
    #expect((0..<1000).allSatisfy { counts[$0] == 1 })
  }

  @Test func insideSeriallyParallelForRunsOnceInTheCallingThread() {
    Parallel.threads = 2
    let caller = pthread_self()
    var ranges: [Range<Int>] = []
    var sameThread = true
    Parallel.serially {
      #expect(Parallel.isSerial)
      parallelFor(1000) { r in
        ranges.append(r)
        sameThread = sameThread && pthread_equal(pthread_self(), caller) != 0
      }
      Parallel.serially { #expect(Parallel.isSerial) }
      #expect(Parallel.isSerial)  // an inner call leaves the outer one as it was
    }
    #expect(ranges == [0..<1000] && sameThread)
    #expect(!Parallel.isSerial)
  }
}
