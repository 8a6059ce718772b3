import Autograd
import Foundation
import SafeTensors
import TestSupport
import Testing

@testable import TextEncoder

/// The cross-encoder (XLMRobertaForSequenceClassification) against transformers
/// (tools/reference/cross_encoder.py): logits of 4 pairs of unequal lengths, and the gradient of
/// every parameter, head included, for a random upstream gradient.
@Suite struct CrossEncoderTests {
  static let dir = Fixtures.path("tiny-cross-encoder")

  static func load() throws -> (Encoder, SafeTensorsFile, TokenBatch) {
    let config = try EncoderConfig.load(path: dir + "/config.json")
    let encoder = Encoder(config: config)
    let unused = try encoder.load(from: SafeTensorsFile(path: dir + "/model.safetensors"))
    #expect(unused.isEmpty, "unused tensors: \(unused)")
    let ref = try SafeTensorsFile(path: dir + "/reference.safetensors")
    let ids = try ref.int64s("ids").map { Int32($0) }
    var sequences: [[Int32]] = [], start = 0
    for n in try ref.int64s("lengths").map({ Int($0) }) {
      sequences.append(Array(ids[start..<(start + n)]))
      start += n
    }
    return (encoder, ref, TokenBatch(sequences: sequences, config: config))
  }

  @Test func logitsAndEveryGradientMatchTransformers() throws {
    let (encoder, ref, batch) = try Self.load()
    #expect(encoder.config.numLabels == 1)
    let expected = try ref.floats("logits")
    let plain = difference(try encoder.logits(batch).array, expected)
    #expect(plain.maxAbs <= 1e-5, "logits: \(plain)")
    let tape = Tape()
    let logits = try encoder.logits(batch, on: tape, dropout: false)
    #expect(difference(tape.array(logits), expected).maxAbs <= 1e-5)
    try tape.backward(from: logits, seed: try ref.floats("upstream"))
    EncoderGradientTests.expectEveryTensor(encoder) { view, g in
      let key = "grad." + (WeightNames.isHead(view.name) ? view.name : "roberta." + view.name)
      guard let r = try? ref.floats(key) else { return "\(view.name): no reference" }
      let d = difference(g, r)
      return d.relative <= 1e-4 && d.maxRef > 0 ? nil : "\(view.name): \(d)"
    }
  }

  @Test func savedWithTheClassificationLayoutAndReloaded() throws {
    let (encoder, _, batch) = try Self.load()
    let path = Fixtures.temporaryDirectory().appendingPathComponent("m.safetensors").path
    try encoder.save(to: path)
    let file = try SafeTensorsFile(path: path)
    #expect(file.entries["roberta.embeddings.word_embeddings.weight"] != nil)
    #expect(file.entries["classifier.out_proj.weight"]?.shape == [1, 32])
    let again = Encoder(config: encoder.config)
    try again.load(from: file)
    #expect(try again.logits(batch).array == encoder.logits(batch).array)
    let json = encoder.config.huggingFaceJSON()
    #expect(json["architectures"] as? [String] == ["XLMRobertaForSequenceClassification"])
    #expect((json["id2label"] as? [String: String])?.count == 1)
  }

  @Test func tanhMatchesPyTorchAndCentralDifferences() throws {
    let ref = try Self.load().1
    let tape = Tape()
    let x = tape.input(Tensor(shape: [3, 7], values: try ref.floats("tanh.x")))
    let y = tape.tanh(x)
    #expect(difference(tape.array(y), try ref.floats("tanh.out")).maxAbs <= 1e-6)
    try tape.backward(from: y, seed: try ref.floats("tanh.upstream"))
    #expect(difference(tape.gradient(x)!, try ref.floats("tanh.grad.x")).maxAbs <= 1e-6)
    for c in try GradCheck.check(inputs: [("x", Tensor(shape: [3, 7], values: try ref.floats("tanh.x")))], step: 1e-2, build: { t, v in
      t.tanh(v[0])
    }) {
      #expect(c.relative <= 3e-3, "\(c)")
    }
  }
}
