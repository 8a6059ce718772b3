import Autograd
import Foundation
import TestSupport
import Testing

/// AdamW against the dense PyTorch formula written out element by element, including an
/// embedding-sized table (updated row by row) where most rows never get a gradient.
@Suite struct AdamWTests {
  @Test func rowwiseTablesEqualTheDenseFormulaBitForBit() {
    let store = ParameterStore(specs: [("embeddings.word_embeddings.weight", [5000, 6]), ("dense.weight", [3, 5]), ("dense.bias", [3])])
    var rng = SplitMix64(seed: 3)
    for view in store.views { for i in 0..<view.count { store.values[view.offset + i] = rng.nextNormal() } }
    let settings = AdamW.Settings(beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01)
    let optimizer = AdamW(store: store, settings: settings)
    // the reference: plain arrays, every element every step
    var p = Array(UnsafeBufferPointer(start: store.values, count: store.count))
    var m = [Float](repeating: 0, count: store.count), v = m
    let decays = store.views.flatMap { view in [Bool](repeating: !view.name.hasSuffix(".bias"), count: (view.count + 15) / 16 * 16) }
    for step in 1...4 {
      store.zeroGrad()
      // a few rows get gradients at some steps (row 7 only at step 1), plus the dense layer
      let rows = step == 1 ? [7, 4999] : [12, 4999, 2500]
      for r in rows { for c in 0..<6 { store.gradient("embeddings.word_embeddings.weight")[r * 6 + c] = rng.nextNormal() } }
      for i in 0..<15 { store.gradient("dense.weight")[i] = rng.nextNormal() }
      for i in 0..<3 { store.gradient("dense.bias")[i] = rng.nextNormal() }
      let lr: Float = 1e-2 * Float(step)
      let clip: Float = step == 3 ? 0.25 : 1  // a clipped step: gradients scaled inside the pass
      optimizer.update(lr: lr, gradientScale: clip)
      let bc1 = 1 - powf(0.9, Float(step)), bc2 = 1 - powf(0.999, Float(step))
      for i in 0..<store.count {
        let g = store.gradients[i] * clip
        p[i] *= 1 - lr * (decays[i] ? 0.01 : 0)
        m[i] = 0.9 * m[i] + (1 - 0.9) * g
        v[i] = 0.999 * v[i] + (1 - 0.999) * g * g
        p[i] -= (lr / bc1) * m[i] / (v[i].squareRoot() / bc2.squareRoot() + 1e-8)
      }
    }
    let got = Array(UnsafeBufferPointer(start: store.values, count: store.count))
    let differing = (0..<store.count).filter { got[$0] != p[$0] || optimizer.m.data[$0] != m[$0] || optimizer.v.data[$0] != v[$0] }
    #expect(differing.isEmpty, "\(differing.count) elements differ, first at \(differing.prefix(5))")
    #expect(m[7 * 6] != 0 && m[100 * 6] == 0, "row 7 keeps its moments after its only gradient; row 100 never had any")
  }
}
