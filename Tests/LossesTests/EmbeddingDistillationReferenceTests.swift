import Autograd
import Losses
import SafeTensors
import TestSupport
import Testing

/// Embedding distillation against PyTorch (tools/reference/embedding_distill.py) on the InfoNCE
/// fixture's batch: MSE to the teacher's rows with and without normalizing the student's, through a
/// learned projection (its gradient too), with the in-batch KL, and added to InfoNCE; the ranks'
/// shares add up to the batch's loss and gradients.
@Suite struct EmbeddingDistillationReferenceTests {
  static let file = Result { try SafeTensorsFile(path: Fixtures.path("embedding_distill/reference.safetensors")) }

  /// The InfoNCE fixture's examples with the teacher's rows of their texts (queries, then
  /// positives, then the negatives in order, as the student's rows are).
  static func examples(teacher name: String) throws -> [LossExample] {
    let f = try file.get()
    let rows = try f.floats(name)
    let dims = rows.count / 19
    func row(_ r: Int) -> [Float] { Array(rows[(r * dims)..<((r + 1) * dims)]) }
    var next = 10
    return InfoNCEReferenceTests.examples.enumerated().map { i, e in
      var x = LossExample(query: e.query, positive: e.positive, negatives: e.negatives)
      x.teacherEmbeddings = [row(i), row(5 + i)] + e.negatives.map { _ in
        defer { next += 1 }
        return row(next)
      }
      return x
    }
  }

  static func embeddings() throws -> Tensor {
    Tensor(shape: [19, 8], values: try SafeTensorsFile(path: Fixtures.path("infonce/reference.safetensors")).floats("embeddings"))
  }

  static func projection() throws -> EmbeddingDistillation.Projection {
    EmbeddingDistillation.Projection(weights: try file.get().floats("projection"), studentDim: 8, teacherDim: 6)
  }

  /// The loss of queries `rows`, its gradient with respect to the rows and to the projection.
  static func run(_ objective: EmbeddingDistillation, _ examples: [LossExample], rows: Range<Int>) throws
    -> (loss: Float, gradient: [Float], projection: [Float]?)
  {
    let batch = try objective.batch(examples)
    objective.parameters?.zeroGrad()
    let tape = Tape()
    let e = tape.input(try embeddings())
    let (l, _) = batch.loss(tape, e, rows)
    try tape.backward(from: l)
    let p = objective.parameters.map { Array(UnsafeBufferPointer(start: $0.denseGradients(), count: $0.views[0].count)) }
    return (tape.scalar(l), tape.gradient(e)!, p)
  }

  func check(_ name: String, _ objective: EmbeddingDistillation, teacher: String) throws {
    let f = try Self.file.get()
    let examples = try Self.examples(teacher: teacher)
    let whole = try Self.run(objective, examples, rows: 0..<5)
    let ref = try f.floats("\(name).loss")[0]
    #expect(abs(whole.loss - ref) <= 1e-5 * abs(ref), "\(name): loss \(whole.loss) vs \(ref)")
    let d = difference(whole.gradient, try f.floats("\(name).grad"))
    #expect(d.maxRef > 0 && d.maxAbs <= 1e-5 * d.maxRef, "\(name): gradient \(d)")
    if let p = whole.projection {
      let dp = difference(p, try f.floats("\(name).projection_grad"))
      #expect(dp.maxRef > 0 && dp.maxAbs <= 1e-5 * dp.maxRef, "\(name): projection gradient \(dp)")
    }
    // two ranks' shares (queries 0–1 and 2–4, with their positives and negatives) add up to the batch
    let a = try Self.run(objective, examples, rows: 0..<2), b = try Self.run(objective, examples, rows: 2..<5)
    #expect(abs(a.loss + b.loss - whole.loss) <= 1e-5 * abs(whole.loss), "\(name): shares \(a.loss) + \(b.loss)")
    let parts = difference(zip(a.gradient, b.gradient).map(+), whole.gradient)
    #expect(parts.maxAbs <= 1e-5 * parts.maxRef, "\(name): shares \(parts)")
    if let pa = a.projection, let pb = b.projection, let p = whole.projection {
      let dp = difference(zip(pa, pb).map(+), p)
      #expect(dp.maxAbs <= 1e-5 * dp.maxRef, "\(name): projection shares \(dp)")
    }
  }

  @Test func mseOfNormalizedRowsMatchesPyTorch() throws {
    try check("plain", EmbeddingDistillation(infoNCE: nil, weight: 1, hardNegatives: 2, normalize: true), teacher: "teacher8")
  }

  @Test func mseOfRawRowsMatchesPyTorch() throws {
    try check("raw", EmbeddingDistillation(infoNCE: nil, weight: 0.5, hardNegatives: 2, normalize: false), teacher: "teacher8")
  }

  @Test func mseThroughAProjectionMatchesPyTorch() throws {
    let objective = EmbeddingDistillation(infoNCE: nil, weight: 0.7, hardNegatives: 2, normalize: true, projection: try Self.projection())
    try check("projection", objective, teacher: "teacher6")
  }

  @Test func inBatchKLMatchesPyTorch() throws {
    let objective = EmbeddingDistillation(
      infoNCE: nil, weight: 0.7, klWeight: 0.5, temperature: 0.05, hardNegatives: 2, normalize: true, projection: try Self.projection())
    try check("kl", objective, teacher: "teacher6")
  }

  @Test func addedToInfoNCEMatchesPyTorch() throws {
    let objective = EmbeddingDistillation(
      infoNCE: InfoNCE(temperature: 0.05, hardNegatives: 2), weight: 0.7, klWeight: 0.5, normalize: true, projection: try Self.projection())
    try check("infonce", objective, teacher: "teacher6")
    // InfoNCE's metrics are kept
    let batch = try objective.batch(try Self.examples(teacher: "teacher6"))
    let tape = Tape()
    let (_, sums) = batch.loss(tape, tape.input(try Self.embeddings()), 0..<5)
    #expect(batch.metrics(sums).accuracy != nil)
  }

  @Test func anExampleWithoutTeacherEmbeddingsIsNamed() throws {
    var examples = try Self.examples(teacher: "teacher8")
    examples[3].teacherEmbeddings = nil
    #expect(throws: LossError.noTeacherEmbeddings(example: 3)) {
      try EmbeddingDistillation(infoNCE: nil, weight: 1, hardNegatives: 2, normalize: true).batch(examples)
    }
    let wide = try Self.examples(teacher: "teacher8")
    #expect(throws: LossError.teacherWidth(found: 8, expected: 6)) {
      try EmbeddingDistillation(infoNCE: nil, weight: 1, hardNegatives: 2, normalize: true, projection: try Self.projection()).batch(wide)
    }
  }

  @Test func theProjectionStartsAsPyTorchsLinearDoesAndFromItsSeed() {
    let a = EmbeddingDistillation.Projection(studentDim: 16, teacherDim: 4, seed: 3)
    let b = EmbeddingDistillation.Projection(studentDim: 16, teacherDim: 4, seed: 3)
    let c = EmbeddingDistillation.Projection(studentDim: 16, teacherDim: 4, seed: 4)
    let values = { (p: EmbeddingDistillation.Projection) in Array(UnsafeBufferPointer(start: p.store.pointer(EmbeddingDistillation.Projection.name), count: 64)) }
    #expect(values(a) == values(b) && values(a) != values(c))
    #expect(values(a).allSatisfy { abs($0) <= 0.25 } && values(a).contains { abs($0) > 0.2 })
  }
}
