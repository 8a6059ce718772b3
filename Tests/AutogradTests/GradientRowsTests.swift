import Foundation
import TestSupport
import Testing

@testable import Autograd

/// Row tracking of table gradients: after zeroGrad, the embedding gather declares the rows it
/// touches; zeroing, the norm and AdamW then visit those rows only, and give exactly what the
/// untracked (dense) path gives.
@Suite struct GradientRowsTests {
  static let vocabulary = 5000, width = 8

  /// A store with an embedding-sized table and a small position table; one embedding backward
  /// over tokens `ids` with upstream gradient 1 + position·0.01.
  static func store() -> ParameterStore {
    let store = ParameterStore(specs: [
      ("word", [vocabulary, width]), ("position", [16, width]), ("type", [1, width]), ("dense.weight", [3, width]),
    ])
    var rng = SplitMix64(seed: 5)
    store.withSettledValues { values in for i in 0..<store.count { values[i] = rng.nextNormal() } }
    return store
  }

  static func backward(_ store: ParameterStore, ids: [Int32]) throws {
    let tape = Tape()
    let e = tape.embeddings(
      ids: ids, positions: ids.indices.map { Int32($0) }, types: nil, word: tape.parameter("word", of: store),
      position: tape.parameter("position", of: store), tokenType: tape.parameter("type", of: store))
    let y = tape.linear(e, weight: tape.parameter("dense.weight", of: store), bias: nil)
    try tape.backward(from: tape.sum(tape.scale(y, by: 0.5)))
  }

  @Test func theGatherDeclaresItsRowsAndZeroGradClearsThem() throws {
    let store = Self.store()
    let word = store.views.firstIndex { $0.name == "word" }!
    #expect(store.gradientRows(view: word) == nil, "before the first zeroGrad nothing is known")
    store.zeroGrad()
    #expect(store.gradientRows(view: word) == [])
    try Self.backward(store, ids: [4000, 7, 4000, 12])
    #expect(store.gradientRows(view: word) == [7, 12, 4000])
    let position = store.views.firstIndex { $0.name == "position" }!
    #expect(store.gradientRows(view: position) == nil, "a 16-row table is no tracked table")
    store.zeroGrad()
    #expect(store.gradientRows(view: word) == [])
    #expect(Array(UnsafeBufferPointer(start: store.denseGradients(), count: store.count)).allSatisfy { $0 == 0 })
  }

  @Test func theDenseAccessorsMakeTheGradientDense() throws {
    let store = Self.store()
    let word = store.views.firstIndex { $0.name == "word" }!
    store.zeroGrad()
    try Self.backward(store, ids: [3])
    _ = store.denseGradient("word")
    #expect(store.gradientRows(view: word) == nil)
    store.zeroGrad()
    _ = store.denseGradients()
    #expect(store.gradientRows(view: word) == nil)
    // a direct write after the accessor is seen by zeroGrad
    store.denseGradient("word")[100 * Self.width] = 1
    store.zeroGrad()
    #expect(store.denseGradients()[100 * Self.width] == 0)
  }

  /// The tracked path against the same steps with the tracking defeated (the store's dense path),
  /// bit for bit: gradient norm, weights and moments.
  @Test func trackedAndDenseStepsAgreeBitForBit() throws {
    func run(dense: Bool) throws -> (norms: [Double], values: [Float], m: [Float]) {
      let store = Self.store()
      let optimizer = AdamW(store: store, settings: .init(weightDecay: 0.01))
      var norms: [Double] = []
      for step in 0..<4 {
        store.zeroGrad()
        try Self.backward(store, ids: step % 2 == 0 ? [4999, 1, 4999] : [250, 1])
        if dense { _ = store.denseGradients() }
        norms.append(store.gradientNorm())
        optimizer.update(lr: 0.01, gradientScale: 0.5)
      }
      return (norms, store.withSettledValues { Array(UnsafeBufferPointer(start: $0, count: store.count)) },
              Array(UnsafeBufferPointer(start: optimizer.m.data, count: store.count)))
    }
    let tracked = try run(dense: false), dense = try run(dense: true)
    #expect(tracked.norms == dense.norms)
    #expect(tracked.values == dense.values)
    #expect(tracked.m == dense.m)
    // the norm itself, against a plain Double sum
    let store = Self.store()
    store.zeroGrad()
    try Self.backward(store, ids: [9, 4321])
    let g = store.denseGradients()
    let plain = (0..<store.count).reduce(0.0) { $0 + Double(g[$1]) * Double(g[$1]) }.squareRoot()
    store.zeroGrad()
    try Self.backward(store, ids: [9, 4321])
    #expect(abs(store.gradientNorm() - plain) <= 1e-6 * plain)
  }
}
