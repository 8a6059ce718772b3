import Autograd
import SafeTensors
import TestSupport
import Testing

/// Max pooling against sentence-transformers' (tools/reference/bert_family.py max-pooling): packed
/// sequences of 1, 2, 7 and 64 tokens, output and the gradient of the input for a random upstream
/// gradient, and against central differences.
@Suite struct MaxPoolingTests {
  static let layout = SequenceLayout(lengths: [1, 2, 7, 64])

  @Test func matchesSentenceTransformers() throws {
    let ref = try SafeTensorsFile(path: Fixtures.path("ops/pool-max.safetensors"))
    let tape = Tape()
    let x = tape.input(Tensor(shape: [74, 5], values: try ref.floats("poolMax.x")))
    let y = tape.pool(x, layout: Self.layout, mode: .max)
    #expect(difference(tape.array(y), try ref.floats("poolMax.out")).maxAbs == 0)
    try tape.backward(from: y, seed: try ref.floats("poolMax.upstream"))
    let d = difference(tape.gradient(x)!, try ref.floats("poolMax.grad.x"))
    #expect(d.maxAbs <= 1e-6, "\(d)")
  }

  @Test func matchesCentralDifferences() throws {
    // all distinct (7919 is invertible modulo the prime 223), 1/13 apart or more: no ties within a step
    let values: [Float] = (0..<(74 * 3)).map { (i: Int) -> Float in Float((i * 7919) % 223) / 13 - 8 }
    for c in try GradCheck.check(inputs: [("x", Tensor(shape: [74, 3], values: values))], step: 1e-3, build: { t, v in
      t.pool(v[0], layout: Self.layout, mode: .max)
    }) {
      #expect(c.relative <= 3e-3, "\(c)")
    }
  }
}
