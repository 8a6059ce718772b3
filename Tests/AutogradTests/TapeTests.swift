import Autograd
import TestSupport
import Testing

/// The tape's contract: reverse order, accumulation, skipped inputs, loud failures.
@Suite struct TapeTests {
  @Test func aValueUsedTwiceAccumulatesBothGradients() throws {
    let tape = Tape()
    let x = tape.input(Tensor(shape: [3], values: [1, 2, 3]))
    let y = tape.sum(tape.add(tape.scale(x, by: 2), x))  // 3x
    #expect(tape.scalar(y) == 18)
    try tape.backward(from: y)
    #expect(tape.gradient(x) == [3, 3, 3])
  }

  @Test func constantsGetNoGradientAndRecordNothing() throws {
    let tape = Tape()
    let c = tape.constant(Tensor(shape: [2], values: [1, 2]))
    let d = tape.scale(c, by: 2)
    #expect(tape.recordedOps.isEmpty && !tape.requiresGrad(d))
    let x = tape.input(Tensor(shape: [2], values: [5, 6]))
    let loss = tape.sum(tape.add(x, d))
    try tape.backward(from: loss)
    #expect(tape.gradient(c) == nil && tape.gradient(x) == [1, 1])
    #expect(throws: AutogradError.self) { try tape.backward(from: tape.sum(c)) }
  }

  @Test func anOpWithoutBackwardFailsLoudly() throws {
    let tape = Tape()
    let x = tape.input(Tensor(shape: [2], values: [1, 2]))
    let y = tape.output(shape: [2], from: [x])
    tape.record("argsort", outputs: [y], backward: nil)
    let loss = tape.sum(y)
    #expect {
      try tape.backward(from: loss)
    } throws: { error in
      "\(error)".contains("argsort")
    }
  }

  @Test func parametersAccumulateIntoTheStoreAndZeroGradClearsThem() throws {
    let store = ParameterStore(specs: [("a", [2]), ("b", [3])])
    store.pointer("a").update(from: [1, 2], count: 2)
    for _ in 0..<2 {
      let tape = Tape()
      let a = tape.parameter("a", of: store)
      #expect(tape.parameter("a", of: store) == a)
      try tape.backward(from: tape.sum(tape.scale(a, by: 5)))
    }
    #expect(Array(UnsafeBufferPointer(start: store.denseGradient("a"), count: 2)) == [10, 10])
    #expect(store.denseGradient("b")[0] == 0)
    store.zeroGrad()
    #expect(Array(UnsafeBufferPointer(start: store.denseGradients(), count: store.count)).allSatisfy { $0 == 0 })
  }

  @Test func nonScalarRootsNeedASeed() throws {
    let tape = Tape()
    let x = tape.input(Tensor(shape: [2], values: [1, 2]))
    let y = tape.scale(x, by: 3)
    #expect(throws: AutogradError.self) { try tape.backward(from: y) }
    try tape.backward(from: y, seed: [1, -1])
    #expect(tape.gradient(x) == [3, -3])
  }

  @Test func dropoutMasksReplayFromTheirSeed() {
    let d = Dropout(p: 0.1, seed: 42)
    let n = 200_000
    let kept = (0..<n).filter { d.keeps($0) }.count
    #expect(abs(Double(kept) / Double(n) - 0.9) < 0.005)
    #expect((0..<1000).allSatisfy { d.keeps($0) == Dropout(p: 0.1, seed: 42).keeps($0) })
    #expect((0..<1000).contains { d.keeps($0) != Dropout(p: 0.1, seed: 43).keeps($0) })
    // the same tape seed gives the same masks in the same order
    let x = Tensor(shape: [64], values: (0..<64).map(Float.init))
    func run(_ seed: UInt64) -> [Float] {
      let t = Tape(seed: seed)
      return t.array(t.dropout(t.input(x), p: 0.5))
    }
    #expect(run(7) == run(7) && run(7) != run(8))
    #expect(run(7).allSatisfy { $0 == 0 || Int($0) % 2 == 0 })  // kept values are doubled
  }
}
