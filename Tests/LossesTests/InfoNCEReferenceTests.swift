import Autograd
import Losses
import SafeTensors
import TestSupport
import Testing

/// The InfoNCE objective that `trainer run` trains with, against PyTorch
/// (tools/reference/infonce.py): 5 queries with up to 2 hard negatives, duplicate texts to mask,
/// plain, symmetric, and with KL or MarginMSE distillation; the loss and its gradient with
/// respect to every embedding row. Ranks' shares of the queries add up to the whole.
@Suite struct InfoNCEReferenceTests {
  static let file = Result { try SafeTensorsFile(path: Fixtures.path("infonce/reference.safetensors")) }

  /// The fixture's examples: q2 twice (the symmetric term masks it), p1 twice and p0 among
  /// query 2's negatives (masked as duplicates of a positive), query 1 short of a negative,
  /// one teacher score missing.
  static let examples: [LossExample] = [
    LossExample(query: "q0", positive: "p0", negatives: ["n0a", "n0b"], teacher: [3, 1, -2]),
    LossExample(query: "q1", positive: "p1", negatives: ["n1a"], teacher: [2.5, 0.5, 9]),
    LossExample(query: "q2", positive: "p2", negatives: ["p0", "n2b"], teacher: [4, -1, .nan]),
    LossExample(query: "q3", positive: "p1", negatives: ["n3a", "n3b"], teacher: [1, 2, 0]),
    LossExample(query: "q2", positive: "p4", negatives: ["n4a", "n4b"], teacher: [0.5, 0.2, -0.3]),
  ]

  /// The loss of queries `rows` and its gradient with respect to the embeddings.
  static func run(_ objective: InfoNCE, rows: Range<Int>) throws -> (loss: Float, gradient: [Float]) {
    let batch = try objective.batch(examples)
    let tape = Tape()
    let e = tape.input(Tensor(shape: [19, 8], values: try file.get().floats("embeddings")))
    let l = batch.loss(tape, e, rows).loss
    try tape.backward(from: l)
    return (tape.scalar(l), tape.gradient(e)!)
  }

  static let cases: [(String, InfoNCE)] = [
    ("plain", InfoNCE(temperature: 0.05, hardNegatives: 2)),
    ("symmetric", InfoNCE(temperature: 0.05, symmetric: true, hardNegatives: 2)),
    ("kl", InfoNCE(temperature: 0.05, hardNegatives: 2, distill: .init(loss: .kl(temperature: 2), weight: 0.7, infoNCEWeight: 0.3))),
    ("marginmse", InfoNCE(temperature: 0.05, hardNegatives: 2, distill: .init(loss: .marginMSE, weight: 1, infoNCEWeight: 1))),
    ("fn_absolute", InfoNCE(temperature: 0.05, hardNegatives: 2, falseNegatives: .init(margin: .absolute(0.1)))),
    ("fn_relative_symmetric",
     InfoNCE(temperature: 0.05, symmetric: true, hardNegatives: 2, falseNegatives: .init(margin: .relative(0.3)))),
  ]

  /// False-negative masking masks as many candidates as PyTorch's, counted in the metrics
  /// (per query), and the ranks' counts add up to the batch's.
  @Test(arguments: ["fn_absolute", "fn_relative_symmetric"]) func falseNegativesMaskedAreCounted(_ name: String) throws {
    let objective = try #require(Self.cases.first { $0.0 == name }?.1)
    let batch = try objective.batch(Self.examples)
    let e = Tensor(shape: [19, 8], values: try Self.file.get().floats("embeddings"))
    func sums(_ rows: Range<Int>) -> [Double] {
      let tape = Tape()
      return batch.loss(tape, tape.input(e), rows).sums
    }
    let whole = sums(0..<5), parts = zip(sums(0..<2), sums(2..<5)).map(+)
    let expected = Double(try Self.file.get().floats("\(name).masked")[0])
    #expect(expected > 0 && whole[4] == expected && parts[4] == expected)
    #expect(batch.metrics(whole).maskedFalseNegatives == Float(expected / 5))
    #expect(try InfoNCE(temperature: 0.05, hardNegatives: 2).batch(Self.examples).metrics(whole).maskedFalseNegatives == nil)
  }

  @Test(arguments: cases.indices) func lossAndGradientsMatchPyTorch(_ k: Int) throws {
    let (name, objective) = Self.cases[k]
    let f = try Self.file.get()
    let (loss, gradient) = try Self.run(objective, rows: 0..<5)
    let ref = try f.floats("\(name).loss")[0]
    #expect(abs(loss - ref) <= 1e-5 * abs(ref), "\(name) loss \(loss) vs \(ref)")
    let d = difference(gradient, try f.floats("\(name).grad"))
    #expect(d.maxRef > 0 && d.maxAbs <= 1e-5 * d.maxRef, "\(name) gradient: \(d)")
  }

  /// Ranks of a data-parallel step each take a share of the queries: their losses and
  /// gradients add up to the batch's.
  @Test(arguments: cases.indices) func sharesOfTheQueriesAddUpToTheBatch(_ k: Int) throws {
    let (name, objective) = Self.cases[k]
    let whole = try Self.run(objective, rows: 0..<5)
    let a = try Self.run(objective, rows: 0..<2), b = try Self.run(objective, rows: 2..<5)
    #expect(abs(a.loss + b.loss - whole.loss) <= 1e-5 * abs(whole.loss), "\(name): \(a.loss) + \(b.loss) vs \(whole.loss)")
    let d = difference(zip(a.gradient, b.gradient).map(+), whole.gradient)
    #expect(d.maxAbs <= 1e-5 * d.maxRef, "\(name) gradient: \(d)")
  }

  @Test func theBatchAsksForQueriesPositivesThenEachQuerysNegatives() throws {
    let batch = try InfoNCE(temperature: 0.05, hardNegatives: 1).batch(Self.examples)
    #expect(batch.units == 5 && !batch.replicated && batch.inputs.count == 15)
    #expect(batch.inputs[0] == .text(example: 0, .query, role: .query))
    #expect(batch.inputs[5] == .text(example: 0, .positive, role: .passage))
    #expect(batch.inputs[14] == .text(example: 4, .negative(0), role: .passage))
  }

  @Test func unsuitableExamplesAreRefusedWithTheirPlace() {
    let pairs = [LossExample(query: "a", positive: "b"), LossExample(query: "c", positive: "d", score: 3)]
    #expect(throws: LossError.unsuitableExample(objective: "InfoNCE", example: 1, needs: "(query, positive[, negatives]) examples")) {
      try InfoNCE(temperature: 0.05).batch(pairs)
    }
    #expect(throws: LossError.unsuitableExample(objective: "CoSENT", example: 0, needs: "scored pairs")) {
      try CoSENT(scale: 20).batch(pairs)
    }
    let distilling = InfoNCE(temperature: 0.05, distill: .init(loss: .marginMSE, weight: 1, infoNCEWeight: 1))
    #expect(throws: LossError.noTeacherScores(example: 0)) { try distilling.batch([pairs[0]]) }
  }
}
