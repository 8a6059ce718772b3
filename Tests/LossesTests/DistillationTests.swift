import Autograd
import Losses
import SafeTensors
import TestSupport
import Testing

/// The distillation losses against PyTorch (tools/reference/distill_losses.py: loss and gradient
/// with respect to the student logits, two queries short of candidates) and against central
/// differences.
@Suite struct DistillationTests {
  static let file = Result { try SafeTensorsFile(path: Fixtures.path("distill/reference.safetensors")) }

  func fixture() throws -> (student: Tensor, teacher: [Float], absent: [Bool], T: Float) {
    let f = try Self.file.get()
    return (
      Tensor(shape: [6, 5], values: try f.floats("student")), try f.floats("teacher"), try f.int64s("absent").map { $0 != 0 },
      try f.floats("temperature")[0]
    )
  }

  func checkAgainstPyTorch(_ loss: Distillation, key: String) throws {
    let (student, teacher, absent, _) = try fixture()
    let f = try Self.file.get()
    let tape = Tape(seed: 0)
    let s = tape.input(student)
    let l = loss.loss(tape: tape, student: s, teacher: teacher, absent: absent)
    let ref = try f.floats("\(key).loss")[0]
    #expect(abs(tape.scalar(l) - ref) <= 1e-6 * max(1, abs(ref)), "\(key) loss \(tape.scalar(l)) vs \(ref)")
    try tape.backward(from: l)
    let d = difference(tape.gradient(s)!, try f.floats("\(key).grad"))
    #expect(d.maxAbs <= 1e-6 * max(1, d.maxRef), "\(key) gradient: \(d)")
  }

  @Test func klAtATemperatureMatchesPyTorch() throws {
    try checkAgainstPyTorch(.kl(temperature: try fixture().T), key: "kl")
  }

  @Test func marginMSEMatchesPyTorch() throws {
    try checkAgainstPyTorch(.marginMSE, key: "marginmse")
  }

  @Test func bothPassFiniteDifferences() throws {
    let (student, teacher, absent, T) = try fixture()
    for loss in [Distillation.kl(temperature: T), .kl(temperature: 0.5), .marginMSE] {
      for c in try GradCheck.check(inputs: [("student", student)], step: 1e-2, build: { t, v in
        loss.loss(tape: t, student: v[0], teacher: teacher, absent: absent)
      }) {
        #expect(c.relative <= 3e-3, "\(loss): \(c)")
        #expect(c.maxRef > 0)
      }
    }
    // the gather that picks each query's candidates out of the score matrix
    let m = Tensor(shape: [3, 4], values: (0..<12).map { Float($0) * 0.37 - 2 })
    for c in try GradCheck.check(inputs: [("x", m)], step: 1e-2, build: { t, v in
      Distillation.marginMSE.loss(tape: t, student: t.gather(v[0], columns: [0, 2, 2, 1, 3, 0], width: 2), teacher: [1, 0, 2, -1, 0, 3])
    }) {
      #expect(c.relative <= 3e-3, "gather: \(c)")
    }
  }

  @Test func absentCandidatesGetNoGradientAndEqualTeacherAndStudentGiveZero() throws {
    let (student, _, absent, T) = try fixture()
    for loss in [Distillation.kl(temperature: T), .marginMSE] {
      let tape = Tape(seed: 0)
      let s = tape.input(student)
      let l = loss.loss(tape: tape, student: s, teacher: student.array, absent: absent)
      #expect(abs(tape.scalar(l)) < 1e-6)
      let tape2 = Tape(seed: 0)
      let s2 = tape2.input(student)
      try tape2.backward(from: loss.loss(tape: tape2, student: s2, teacher: (0..<30).map { Float($0 % 7) }, absent: absent))
      let g = tape2.gradient(s2)!
      #expect(zip(g, absent).allSatisfy { !$1 || $0 == 0 })
    }
  }
}

/// The cross-encoder's binary cross-entropy on logits against PyTorch's BCEWithLogitsLoss (soft
/// targets and logits of ±40 included) and central differences.
@Suite struct BinaryCrossEntropyTests {
  @Test func matchesPyTorchAndCentralDifferences() throws {
    let f = try DistillationTests.file.get()
    let x = try f.floats("bce.logits"), y = try f.floats("bce.targets")
    let tape = Tape(seed: 0)
    let v = tape.input(Tensor(shape: [x.count], values: x))
    let l = tape.binaryCrossEntropy(logits: v, targets: y)
    let ref = try f.floats("bce.loss")[0]
    #expect(abs(tape.scalar(l) - ref) <= 1e-6 * max(1, abs(ref)))
    try tape.backward(from: l)
    let d = difference(tape.gradient(v)!, try f.floats("bce.grad"))
    #expect(d.maxAbs <= 1e-6, "\(d)")
    let small = Tensor(shape: [10], values: Array(x.prefix(10)))
    for c in try GradCheck.check(inputs: [("x", small)], step: 1e-2, build: { t, v in t.binaryCrossEntropy(logits: v[0], targets: Array(y.prefix(10))) }) {
      #expect(c.relative <= 3e-3, "\(c)")
    }
  }
}
