import Foundation
import TestSupport
import Testing

@testable import Autograd

/// AdamW against the dense PyTorch formula written out element by element, including an
/// embedding-sized table (updated row by row) where most rows never get a gradient.
@Suite struct AdamWTests {
  @Test func rowwiseTablesEqualTheDenseFormulaBitForBit() {
    let store = ParameterStore(specs: [("embeddings.word_embeddings.weight", [5000, 6]), ("dense.weight", [3, 5]), ("dense.bias", [3])])
    var rng = SplitMix64(seed: 3)
    store.withSettledValues { values in
      for view in store.views { for i in 0..<view.count { values[view.offset + i] = rng.nextNormal() } }
    }
    let settings = AdamW.Settings(beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01)
    let optimizer = AdamW(store: store, settings: settings)
    // the reference: plain arrays, every element every step
    var p = store.withSettledValues { Array(UnsafeBufferPointer(start: $0, count: store.count)) }
    var m = [Float](repeating: 0, count: store.count), v = m
    let decays = store.views.flatMap { view in [Bool](repeating: !view.name.hasSuffix(".bias"), count: (view.count + 15) / 16 * 16) }
    for step in 1...4 {
      store.zeroGrad()
      // a few rows get gradients at some steps (row 7 only at step 1), plus the dense layer
      let rows = step == 1 ? [7, 4999] : [12, 4999, 2500]
      for r in rows { for c in 0..<6 { store.denseGradient("embeddings.word_embeddings.weight")[r * 6 + c] = rng.nextNormal() } }
      for i in 0..<15 { store.denseGradient("dense.weight")[i] = rng.nextNormal() }
      for i in 0..<3 { store.denseGradient("dense.bias")[i] = rng.nextNormal() }
      let lr: Float = 1e-2 * Float(step)
      let clip: Float = step == 3 ? 0.25 : 1  // a clipped step: gradients scaled inside the pass
      optimizer.update(lr: lr, gradientScale: clip)
      let bc1 = 1 - powf(0.9, Float(step)), bc2 = 1 - powf(0.999, Float(step))
      let gradients = store.denseGradients()
      for i in 0..<store.count {
        let g = gradients[i] * clip
        p[i] *= 1 - lr * (decays[i] ? 0.01 : 0)
        m[i] = 0.9 * m[i] + (1 - 0.9) * g
        v[i] = 0.999 * v[i] + (1 - 0.999) * g * g
        p[i] -= (lr / bc1) * m[i] / (v[i].squareRoot() / bc2.squareRoot() + 1e-8)
      }
    }
    // rows that never had a gradient owe their shrink until settled
    let owing = store.views[0].offset + 100 * 6
    #expect(store.unsettledValues[owing] != p[owing], "row 100's weight decay is deferred")
    let got = store.withSettledValues { Array(UnsafeBufferPointer(start: $0, count: store.count)) }
    let differing = (0..<store.count).filter { got[$0] != p[$0] || optimizer.m.data[$0] != m[$0] || optimizer.v.data[$0] != v[$0] }
    #expect(differing.isEmpty, "\(differing.count) elements differ, first at \(differing.prefix(5))")
    #expect(m[7 * 6] != 0 && m[100 * 6] == 0, "row 7 keeps its moments after its only gradient; row 100 never had any")
  }

  /// The embedding gather reads rows that owe weight decay as if they had been shrunk at every
  /// step, on the tape and in the encoder's inference path alike, and a row that gets its first
  /// gradient late catches up before its first full update.
  @Test func rowsOwingWeightDecayAreSettledWhenRead() throws {
    let specs: [(name: String, shape: [Int])] = [("word", [5000, 8]), ("position", [4, 8]), ("type", [1, 8])]
    let store = ParameterStore(specs: specs), reference = ParameterStore(specs: specs)
    var rng = SplitMix64(seed: 11)
    store.withSettledValues { values in for i in 0..<store.count { values[i] = rng.nextNormal() } }
    for name in ["position", "type"] { store.pointer(name).update(repeating: 0, count: store.view(name)!.count) }
    reference.withSettledValues { copy in store.withSettledValues { copy.update(from: $0, count: store.count) } }
    let optimizer = AdamW(store: store, settings: .init(weightDecay: 0.1))
    let referenceWord = reference.pointer("word")
    func gather(_ ids: [Int32], recordGradient: Bool) throws -> [Float] {
      let tape = Tape()
      let e = tape.embeddings(
        ids: ids, positions: ids.map { _ in 0 }, types: nil, word: tape.parameter("word", of: store),
        position: tape.parameter("position", of: store), tokenType: tape.parameter("type", of: store))
      if recordGradient { try tape.backward(from: tape.sum(e)) }
      return tape.array(e)
    }
    var lrs: [Float] = []
    for step in 1...5 {
      store.zeroGrad()
      // row 9 trains from the start, row 4000 from step 4 on; the others only shrink
      _ = try gather(step >= 4 ? [9, 4000] : [9], recordGradient: true)
      let lr = 0.05 * Float(step)
      lrs.append(lr)
      optimizer.update(lr: lr)
    }
    // the reference shrinks untrained rows at every step
    for r in [3, 4999] {
      for lr in lrs { for i in 0..<8 { referenceWord[r * 8 + i] *= 1 - lr * 0.1 } }
    }
    // the gather adds position row 0 and the type row (trained too) to each word row
    let position = store.pointer("position"), type = store.pointer("type")
    func plus(_ w: [Float]) -> [Float] { w.enumerated().map { $1 + position[$0 % 8] + type[$0 % 8] } }
    let rows = try gather([3, 4999, 3], recordGradient: false)  // a repeated row is settled once
    let expected = [3, 4999, 3].flatMap { r in (0..<8).map { referenceWord[r * 8 + $0] } }
    #expect(rows == plus(expected))
    // row 4000: three shrinks owed, then two full updates; compare with the settled store
    let trained = try gather([4000], recordGradient: false)
    let settled = store.pointer("word")
    #expect(trained == plus((0..<8).map { settled[4000 * 8 + $0] }))
    #expect(Array(UnsafeBufferPointer(start: settled + 3 * 8, count: 8)) == Array(expected.prefix(8)))
  }
}
