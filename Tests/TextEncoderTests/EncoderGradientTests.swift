import Autograd
import Foundation
import Losses
import SafeTensors
import TestSupport
import Testing

@testable import TextEncoder

/// The whole encoder's loss and gradients against PyTorch (tools/reference/encoder_grads.py):
/// InfoNCE over 4 (query, positive, negative) triplets, mean pooling, temperature 0.05, dropout
/// off; every parameter tensor within max|diff| / max|ref| ≤ 1e-4, reported tensor by tensor
/// (the key biases, whose exact gradient is zero, are checked to be negligible instead).
@Suite struct EncoderGradientTests {
  /// Loss of the 12 packed sequences (4 queries, 4 positives, 4 negatives); gradients land in the store.
  static func infoNCE(_ encoder: Encoder, _ batch: TokenBatch) throws -> Float {
    let tape = Tape()
    let e = try encoder.embed(batch, on: tape, pooling: .mean, normalize: false, dropout: false)
    // the objective `trainer run` trains with; rows: queries, positives, negatives
    let examples = (0..<4).map { LossExample(query: "q\($0)", positive: "p\($0)", negatives: ["n\($0)"]) }
    let loss = try InfoNCE(temperature: 0.05, hardNegatives: 1).batch(examples).loss(tape, e, 0..<4).loss
    try tape.backward(from: loss)
    return tape.scalar(loss)
  }

  /// The key bias adds q·b to every score of a softmax row, which the softmax ignores: its true
  /// gradient is exactly zero and both sides hold only rounding noise. It is checked to be
  /// negligible against the same layer's key weight gradient instead.
  static func isKeyBias(_ name: String) -> Bool { name.hasSuffix("attention.self.key.bias") }

  static func keyBiasIsNegligible(_ encoder: Encoder, _ name: String) -> String? {
    let g = gradient(encoder, name).reduce(Float(0)) { max($0, abs($1)) }
    let w = gradient(encoder, name.replacingOccurrences(of: ".bias", with: ".weight")).reduce(Float(0)) { max($0, abs($1)) }
    return g <= 1e-5 * w ? nil : "\(name): max |grad| \(g) is not negligible against the key weight's \(w)"
  }

  /// Checks every parameter tensor with `check` (nil: it matches), key biases by the rule above,
  /// and reports all failing tensors at once.
  static func expectEveryTensor(_ encoder: Encoder, _ check: (ParameterStore.View, [Float]) throws -> String?) rethrows {
    var failures: [String] = []
    for view in encoder.store.views {
      if isKeyBias(view.name) {
        keyBiasIsNegligible(encoder, view.name).map { failures.append($0) }
      } else if let failure = try check(view, gradient(encoder, view.name)) {
        failures.append(failure)
      }
    }
    #expect(failures.isEmpty, "\(failures.count) of \(encoder.store.views.count) tensors differ:\n\(failures.joined(separator: "\n"))")
  }

  static func gradient(_ encoder: Encoder, _ name: String) -> [Float] {
    let v = encoder.store.view(name)!
    return Array(UnsafeBufferPointer(start: encoder.store.denseGradient(name), count: v.count))
  }

  @Test func tinyEncoderGradientsMatchPyTorch() throws {
    let (encoder, _) = try TinyEncoderParityTests.load("xlmr")
    let ref = try SafeTensorsFile(path: Fixtures.path("tiny-xlmr/grads.safetensors"))
    let batch = try TinyEncoderParityTests.batch(ref, encoder.config)
    let loss = try Self.infoNCE(encoder, batch)
    let expected = try ref.floats("loss")[0]
    #expect(abs(loss - expected) <= 1e-5 * max(1, abs(expected)), "loss \(loss), PyTorch \(expected)")
    try Self.expectEveryTensor(encoder) { view, g in
      let d = difference(g, try ref.floats("grad." + view.name))
      return d.relative <= 1e-4 && d.maxRef > 0 ? nil : "\(view.name): \(d)"
    }
  }

  @Test func tenAdamWStepsReproducePyTorchLosses() throws {
    let (encoder, _) = try TinyEncoderParityTests.load("xlmr")
    let ref = try SafeTensorsFile(path: Fixtures.path("tiny-xlmr/grads.safetensors"))
    let batch = try TinyEncoderParityTests.batch(ref, encoder.config)
    let optimizer = AdamW(store: encoder.store, settings: .init(beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0.01))
    var losses: [Float] = []
    for _ in 0..<10 {
      encoder.store.zeroGrad()
      losses.append(try Self.infoNCE(encoder, batch))
      optimizer.update(lr: 1e-3)
    }
    let expected = try ref.floats("adamw_losses")
    let d = difference(losses, expected)
    #expect(d.maxAbs <= 1e-5, "losses \(losses)\nPyTorch \(expected)\n\(d)")
    #expect(losses.last! < losses.first! / 5, "the optimizer did not reduce the loss: \(losses)")
  }

  @Test(.needsRealModel) func e5SmallGradientsMatchPyTorch() throws {
    let dir = Fixtures.e5Model
    let encoder = Encoder(config: try EncoderConfig.load(path: dir + "/config.json"))
    try encoder.load(from: SafeTensorsFile(path: dir + "/model.safetensors"))
    let ref = try SafeTensorsFile(path: Fixtures.path("e5-small/grads.safetensors"))
    let batch = try TinyEncoderParityTests.batch(ref, encoder.config)
    let loss = try Self.infoNCE(encoder, batch)
    let expected = try ref.floats("loss")[0]
    #expect(abs(loss - expected) <= 1e-4 * max(1, abs(expected)), "loss \(loss), PyTorch \(expected)")
    try Self.expectEveryTensor(encoder) { view, g in
      let index = try ref.int64s("index." + view.name).map { Int($0) }
      let d = difference(index.map { g[$0] }, try ref.floats("value." + view.name))
      let maxRef = try ref.floats("maxabs." + view.name)[0]
      let maxGot = g.reduce(Float(0)) { max($0, abs($1)) }
      let relative = d.maxAbs / maxRef
      return relative <= 1e-4 && abs(maxGot - maxRef) <= 1e-4 * maxRef
        ? nil : "\(view.name): sampled \(index.count) entries, \(d); max |grad| \(maxGot) vs \(maxRef); relative \(relative)"
    }
  }
}
