import Autograd
import Losses
import SafeTensors
import TestSupport
import Testing

/// Matryoshka objectives against PyTorch (tools/reference/matryoshka.py): InfoNCE on the InfoNCE
/// fixture's batch at dims 8, 4, 2 (weights 1, 0.5, 0.25) and CoSENT at dims 6, 3; the loss and
/// its gradient with respect to every embedding row, and ranks' shares adding up to the batch.
@Suite struct MatryoshkaReferenceTests {
  static let file = Result { try SafeTensorsFile(path: Fixtures.path("matryoshka/reference.safetensors")) }

  static func run(_ objective: any Objective, _ examples: [LossExample], embeddings: Tensor, rows: Range<Int>) throws
    -> (loss: Float, gradient: [Float], metrics: LossMetrics)
  {
    let batch = try objective.batch(examples)
    let tape = Tape()
    let e = tape.input(embeddings)
    let (l, sums) = batch.loss(tape, e, rows)
    try tape.backward(from: l)
    return (tape.scalar(l), tape.gradient(e)!, batch.metrics(sums))
  }

  static let infoNCE = InfoNCE(temperature: 0.05, hardNegatives: 2)
  static let examples = InfoNCEReferenceTests.examples.map { LossExample(query: $0.query, positive: $0.positive, negatives: $0.negatives) }

  func infoNCEEmbeddings() throws -> Tensor {
    Tensor(shape: [19, 8], values: try SafeTensorsFile(path: Fixtures.path("infonce/reference.safetensors")).floats("embeddings"))
  }

  @Test func infoNCEAtEightFourAndTwoDimensionsMatchesPyTorch() throws {
    let f = try Self.file.get()
    let objective = Matryoshka(inner: Self.infoNCE, dims: [8, 4, 2], weights: [1, 0.5, 0.25])
    let (loss, gradient, metrics) = try Self.run(objective, Self.examples, embeddings: try infoNCEEmbeddings(), rows: 0..<5)
    let ref = try f.floats("infonce.loss")[0]
    #expect(abs(loss - ref) <= 1e-5 * abs(ref), "loss \(loss) vs \(ref)")
    let d = difference(gradient, try f.floats("infonce.grad"))
    #expect(d.maxRef > 0 && d.maxAbs <= 1e-5 * d.maxRef, "gradient: \(d)")
    // the metrics are the full dimension's
    let plain = try Self.run(Self.infoNCE, Self.examples, embeddings: try infoNCEEmbeddings(), rows: 0..<5)
    #expect(metrics == plain.metrics)

    let a = try Self.run(objective, Self.examples, embeddings: try infoNCEEmbeddings(), rows: 0..<2)
    let b = try Self.run(objective, Self.examples, embeddings: try infoNCEEmbeddings(), rows: 2..<5)
    #expect(abs(a.loss + b.loss - loss) <= 1e-5 * abs(loss))
    let parts = difference(zip(a.gradient, b.gradient).map(+), gradient)
    #expect(parts.maxAbs <= 1e-5 * parts.maxRef, "shares: \(parts)")
  }

  @Test func coSENTAtSixAndThreeDimensionsMatchesPyTorch() throws {
    let f = try Self.file.get()
    let scores = try f.floats("cosent.scores")
    let pairs = scores.enumerated().map { LossExample(query: "a\($0.offset)", positive: "b\($0.offset)", score: $0.element) }
    let objective = Matryoshka(inner: CoSENT(scale: 20), dims: [6, 3], weights: [1, 1])
    let (loss, gradient, _) = try Self.run(
      objective, pairs, embeddings: Tensor(shape: [12, 6], values: try f.floats("cosent.embeddings")), rows: 0..<6)
    let ref = try f.floats("cosent.loss")[0]
    #expect(abs(loss - ref) <= 1e-5 * abs(ref), "loss \(loss) vs \(ref)")
    let d = difference(gradient, try f.floats("cosent.grad"))
    #expect(d.maxRef > 0 && d.maxAbs <= 1e-5 * d.maxRef, "gradient: \(d)")
  }

  @Test func aDimensionAtOrAboveTheWidthIsTheWholeEmbedding() throws {
    let whole = try Self.run(Self.infoNCE, Self.examples, embeddings: try infoNCEEmbeddings(), rows: 0..<5)
    let wide = try Self.run(
      Matryoshka(inner: Self.infoNCE, dims: [384], weights: [1]), Self.examples, embeddings: try infoNCEEmbeddings(), rows: 0..<5)
    #expect(wide.loss == whole.loss && wide.gradient == whole.gradient)
  }
}
