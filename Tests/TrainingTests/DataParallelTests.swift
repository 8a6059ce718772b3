import Autograd
import Communication
import DataSets
import Foundation
import Recipes
import TestSupport
import Testing
import TextEncoder
import Tokenization
import Training

/// Data-parallel steps (ranks as threads, `ThreadGroup`): with dropout off, a batch split over 2
/// or 3 ranks gives the loss, the in-batch metrics and every parameter gradient (summed over the
/// ranks) of the same batch on one rank, for every loss: InfoNCE with hard negatives, the
/// symmetric term, distillation (KL, MarginMSE), GradCache, CoSENT, and the cross-encoder losses.
@Suite(.serialized) struct DataParallelTests {
  struct Outcome: Sendable {
    var loss: Float
    var accuracy: Float?
    var masked: Float?
    var gradients: [Float]
  }

  struct Setup: @unchecked Sendable {
    var directory: String
    var examples: [TrainingExample]
    var loss: Recipe.Loss
    var distill: Recipe.Distill?
    var falseNegatives: Recipe.FalseNegatives?
    var matryoshka: Recipe.Matryoshka?
    var dataSets: DataSetFiles?
    var miniBatch: Int?
    var crossEncoder = false
  }

  /// One step of `setup` on `ranks` ranks, each with its own copy of the model; every rank's
  /// loss and summed gradients.
  static func step(_ setup: Setup, ranks: Int) throws -> [Outcome] {
    try ThreadGroup.run(size: ranks) { comm in
      let model = try SentenceEncoder(directory: setup.directory, crossEncoderHeadSeed: setup.crossEncoder ? 7 : nil)
      var step = TrainingStep(
        model, loss: setup.loss, distill: setup.distill, falseNegatives: setup.falseNegatives, matryoshka: setup.matryoshka, maxLength: 24, queryPrefix: "query: ", passagePrefix: "passage: ",
        dataSets: setup.dataSets)
      step.communicator = comm
      let store = model.encoder.store
      store.zeroGrad()
      let r = try step.run(setup.examples, dropout: false, seed: 5, miniBatch: setup.miniBatch)
      try store.reduceGradients(over: comm)
      return Outcome(loss: r.loss, accuracy: r.metrics.accuracy, masked: r.metrics.maskedFalseNegatives, gradients: Array(UnsafeBufferPointer(start: store.denseGradients(), count: store.count)))
    }
  }

  /// The worst relative gradient difference (max |diff| / max |reference| per tensor) of
  /// `ranks` ranks against one, after checking the losses and that every rank holds the same.
  static func compare(_ setup: Setup, ranks: Int, views: [ParameterStore.View], lastNormBias: String = "") throws -> (worst: Float, name: String) {
    let one = try step(setup, ranks: 1)[0]
    let many = try step(setup, ranks: ranks)
    for other in many.dropFirst() { #expect(other.gradients == many[0].gradients && other.loss == many[0].loss) }
    let got = many[0]
    #expect(abs(got.loss - one.loss) <= 1e-5 * abs(one.loss), "loss \(got.loss) on \(ranks) ranks, \(one.loss) on one")
    if let a = one.accuracy { #expect(abs(got.accuracy! - a) < 1e-6, "accuracy \(got.accuracy!) vs \(a)") }
    let scale = one.gradients.reduce(Float(0)) { max($0, abs($1)) }
    #expect(scale > 0)
    var worst: (Float, String) = (0, "")
    for view in views {
      let r = Array(one.gradients[view.offset..<(view.offset + view.count)])
      let g = Array(got.gradients[view.offset..<(view.offset + view.count)])
      // tensors with no gradient in exact arithmetic (the attention key biases; the classifier's
      // output bias under a listwise softmax, which it shifts as a whole): rounding noise on both sides
      if view.name.hasSuffix("attention.self.key.bias") || r.allSatisfy({ abs($0) <= 1e-6 * scale }) {
        #expect((r + g).allSatisfy { abs($0) <= 1e-5 * scale }, "\(view.name) is not at rounding noise")
        continue
      }
      let d = difference(g, r)
      // the last LayerNorm bias's gradient sums every token's with much cancellation: measured
      // against the largest gradient of the model instead of its own
      let relative = view.name == lastNormBias ? d.maxAbs / scale : d.relative
      if relative > worst.0 { worst = (relative, view.name) }
    }
    return worst
  }

  static func views(_ directory: String, crossEncoder: Bool = false) throws -> [ParameterStore.View] {
    try SentenceEncoder(directory: directory, crossEncoderHeadSeed: crossEncoder ? 7 : nil).encoder.store.views
  }

  /// 32 KorNLI triplets (two negatives each) in an hdf5 data set with teacher scores: one
  /// query is short of a negative and one score is missing.
  static func distillationData(in dir: URL, tokenizer: Tokenizer) throws -> (DataSetFiles, [TrainingExample]) {
    var triplets = try DataSetTrainingTests.triplets(count: 32)
    triplets[5].negatives.removeLast()
    let h5 = dir.appendingPathComponent("d.h5").path
    _ = try DataSetBuilder.build(examples: triplets, tokenizer: tokenizer, sources: ["t"], output: h5)
    var scores: [Float] = (0..<(32 * 3)).map { (i: Int) -> Float in Float((i * 37) % 11) / 2 - 2 }
    scores[3 * 9 + 1] = .nan
    try DataSetUpdate.apply(to: h5, removing: ["teacher"]) { f in
      try f.write(DataSetLayout.teacherScores, shape: [32, 3], values: scores)
      try f.setAttribute("candidates", "data", on: "teacher")
    }
    let dataSets = DataSetFiles()
    let examples = try TrainingData.loadSources(
      [Recipe.DataSource(format: .hdf5, paths: [h5], negatives: .data)], dataSets: dataSets, teacher: true)[0]
    return (dataSets, examples)
  }

  static func nli(_ count: Int) throws -> [TrainingExample] {
    try DataSetTrainingTests.triplets(count: count).map { .triplet(query: $0.query, positive: $0.positive, negatives: $0.negatives) }
  }

  static func sts(_ count: Int) throws -> [TrainingExample] {
    Array(try TrainingData.load([.init(format: .stsTSV, paths: [Fixtures.root.path + "/data/kornlu/KorSTS/sts-train.tsv"])]).prefix(count))
  }

  /// The Done-means case on multilingual-e5-small: a global batch of 32 on 2 ranks, InfoNCE
  /// with 2 hard negatives and KL distillation from teacher scores.
  @Test(.needsRealModel, .needsKorNLU) func twoRanksGiveOneRanksLossAndGradientsOnMultilingualE5Small() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let e5 = Fixtures.e5Model
    let (dataSets, examples) = try Self.distillationData(in: dir, tokenizer: try Tokenizer.load(directory: URL(fileURLWithPath: e5)))
    let setup = Setup(
      directory: e5, examples: examples, loss: .infoNCE(temperature: 0.05, symmetric: false, hardNegatives: 2),
      distill: Recipe.Distill(kind: .kl(temperature: 2), weight: 0.5, infoNCEWeight: 1), dataSets: dataSets)
    // the last LayerNorm bias sums every token's gradient with much cancellation: its own
    // relative difference is 1.1e-5 with the texts split by tokens, so, as on the tiny encoder,
    // it is measured against the model's largest gradient (every other tensor against its own)
    let (worst, name) = try Self.compare(
      setup, ranks: 2, views: try Self.views(e5), lastNormBias: "encoder.layer.11.output.LayerNorm.bias")
    #expect(worst <= 1e-5, "worst relative gradient difference \(worst) in \(name)")
  }

  /// The other losses on a tiny random encoder. Float rounding weighs more in its random weights
  /// (1e-5 to 4e-5 measured), so the bound is 1e-4, as for GradCache; its last LayerNorm bias is
  /// measured against the model's largest gradient. A lost or doubled share shows as O(1).
  @Test(.needsRealModel, .needsKorNLU, arguments: [
    "infonce-2", "infonce-3", "symmetric", "gradcache", "kl", "margin_mse", "cosent", "binary", "listwise", "false-negatives",
    "false-negatives-gradcache", "matryoshka-gradcache", "matryoshka-cosent", "cosent-gradcache",
  ])
  func everyLossOnATinyEncoder(_ variant: String) throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let tiny = try tinyModel(in: dir, layers: 2, width: 32, heads: 4).path
    let infoNCE = Recipe.Loss.infoNCE(temperature: 0.05, symmetric: false, hardNegatives: 1)
    var setup = Setup(directory: tiny, examples: try Self.nli(32), loss: infoNCE)
    var ranks = 2
    switch variant {
    case "infonce-2": break
    case "infonce-3": ranks = 3  // 32 examples: shares of 11, 11 and 10
    case "symmetric": setup.loss = .infoNCE(temperature: 0.05, symmetric: true, hardNegatives: 1)
    case "gradcache": setup.miniBatch = 10
    case "false-negatives", "false-negatives-gradcache":
      setup.loss = .infoNCE(temperature: 0.05, symmetric: true, hardNegatives: 1)
      setup.falseNegatives = .init(margin: .absolute(0.02))
      if variant.hasSuffix("gradcache") { setup.miniBatch = 10 }
    case "matryoshka-gradcache":
      setup.matryoshka = .init(dims: [32, 16, 8], weights: [1, 0.5, 0.5])
      setup.miniBatch = 10
    case "matryoshka-cosent":
      setup.examples = try Self.sts(32)
      setup.loss = .cosent(scale: 20)
      setup.matryoshka = .init(dims: [32, 8], weights: [1, 1])
      ranks = 3
    case "kl", "margin_mse":
      (setup.dataSets, setup.examples) = try Self.distillationData(in: dir, tokenizer: try Tokenizer.load(directory: URL(fileURLWithPath: tiny)))
      setup.loss = .infoNCE(temperature: 0.05, symmetric: false, hardNegatives: 2)
      setup.distill = Recipe.Distill(kind: variant == "kl" ? .kl(temperature: 2) : .marginMSE, weight: 0.5, infoNCEWeight: 1)
    case "cosent-gradcache":  // a source's own CoSENT loss in a stage with mini_batch (several losses per stage)
      setup.examples = try Self.sts(32)
      setup.loss = .cosent(scale: 20)
      setup.miniBatch = 10
      ranks = 3
    case "cosent":
      setup.examples = try Self.sts(32)
      setup.loss = .cosent(scale: 20)
      ranks = 3
    case "binary":
      setup.examples = Array(try Self.nli(12))
      setup.loss = .binary(maxScore: 5)
      setup.crossEncoder = true
    case "listwise":
      setup.examples = Array(try Self.nli(12))
      setup.loss = .listwise(hardNegatives: 2)
      setup.crossEncoder = true
    default: Issue.record("unknown variant \(variant)")
    }
    let (worst, name) = try Self.compare(
      setup, ranks: ranks, views: try Self.views(tiny, crossEncoder: setup.crossEncoder), lastNormBias: "encoder.layer.1.output.LayerNorm.bias")
    #expect(worst <= 1e-4, "\(variant): worst relative gradient difference \(worst) in \(name)")
    if setup.matryoshka != nil {
      // the truncated terms count: the loss differs from the plain one's
      var plain = setup
      plain.matryoshka = nil
      #expect(try Self.step(plain, ranks: 1)[0].loss != Self.step(setup, ranks: 1)[0].loss)
    }
    var plain = setup
    plain.miniBatch = nil
    let a = try Self.step(plain, ranks: 1)[0]
    if setup.falseNegatives != nil {
      // some candidates are masked, not all (each query has 63 candidates and each positive 31
      // other queries; the tiny random encoder puts many near the positive)
      let masked = try #require(a.masked)
      #expect(masked > 0.5 && masked < 90, "masked per query: \(masked)")
    }
    if setup.miniBatch != nil {
      // the cached step (mini-batches of 10) on one rank equals the plain step (and masks the
      // same false negatives)
      let b = try Self.step(setup, ranks: 1)[0]
      #expect(b.masked == a.masked && abs(a.loss - b.loss) <= 1e-5 * abs(a.loss), "loss \(b.loss) vs \(a.loss)")
      let d = difference(b.gradients, a.gradients)
      #expect(d.maxAbs <= 1e-4 * d.maxRef, "cached gradients: \(d)")
    }
  }

  struct RankFailed: Error {}

  /// A rank that throws ends the group: the others, waiting in a collective, throw too, and the
  /// group rethrows the first rank's own error instead of hanging.
  @Test func aFailingRankEndsItsThreadGroup() {
    #expect(throws: RankFailed.self) {
      _ = try ThreadGroup.run(size: 3) { comm in
        var x: [Float] = [1, 2, 3]
        try comm.allReduceSum(&x, count: 3)
        #expect(x == [3, 6, 9])
        if comm.rank == 1 { throw RankFailed() }
        try comm.allReduceSum(&x, count: 3)  // ranks 0 and 2 wait here for rank 1
      }
    }
  }

  /// Every text gets a rank, and the ranks' token counts differ by at most the longest text
  /// (in practice by a few tokens); one rank owns all.
  @Test func ownersBalanceTheTokens() {
    var g = SplitMix64(seed: 3)
    for (count, size) in [(96, 2), (64, 3), (5, 4), (1, 2), (0, 2)] {
      let lengths = (0..<count).map { _ in 5 + Int(g.next() % 60) }
      let owners = SingleProcess.balancedOwners(lengths: lengths, size: size)
      #expect(owners.count == count && owners.allSatisfy { (0..<size).contains($0) })
      var load = [Int](repeating: 0, count: size)
      for (i, r) in owners.enumerated() { load[r] += lengths[i] }
      #expect(load.max()! - load.min()! <= max(lengths.max() ?? 0, 0), "loads \(load)")
      if count >= 64 { #expect(load.max()! - load.min()! <= 5, "loads \(load) of \(count) texts") }
    }
    #expect(SingleProcess.balancedOwners(lengths: [9, 3, 7], size: 1) == [0, 0, 0])
    #expect(SingleProcess.balancedOwners(lengths: [9, 3, 7, 7], size: 2) == [0, 0, 1, 1])
  }

  /// Evaluation sets are split in contiguous shares of near-equal tokens: short texts first
  /// and long ones after (as KorSTS dev is ordered) still give each rank half the tokens.
  @Test func tokenSharesAreContiguousAndBalanced() {
    let lengths = [Int](repeating: 10, count: 100) + [Int](repeating: 30, count: 100)
    let two = SingleProcess.shares(lengths: lengths, size: 2)
    #expect(two == [0..<133, 133..<200])  // 1,990 and 2,010 tokens
    for (count, size) in [(200, 3), (3, 4), (0, 2), (7, 1)] {
      let l = Array(lengths.prefix(count))
      let shares = SingleProcess.shares(lengths: l, size: size)
      #expect(shares.count == size && shares.flatMap { Array($0) } == Array(0..<count))
      let sums = shares.map { l[$0].reduce(0, +) }
      #expect(sums.max()! - sums.min()! <= 2 * (l.max() ?? 0), "\(sums)")
    }
  }

  @Test func sharesCoverTheBatchInOrder() {
    for (count, size) in [(32, 2), (32, 3), (2, 4), (0, 2)] {
      let shares = (0..<size).map { SingleProcess.share(of: count, rank: $0, size: size) }
      #expect(shares.flatMap { Array($0) } == Array(0..<count))
      #expect(shares.map(\.count).max()! - shares.map(\.count).min()! <= 1)
    }
  }
}
