import Foundation
import Recipes
import TestSupport
import Testing
import Tokenization
import Training

/// Batches with fewer examples than ranks (a short last batch, `batch_size: 1`, a batch the
/// no-duplicate sampler shrank): a rank with no query of its own still embeds its share of the
/// texts, adds zero to the loss and takes part in every collective, so 2 and 3 ranks give one
/// rank's finite loss and gradients, for every objective.
@Suite(.serialized) struct DataParallelShortBatchTests {
  /// (objective, examples in the batch, ranks): batches of 1 on 2 and 3 ranks, and of 2 on 3.
  static let cases: [(String, Int, Int)] = ["infonce", "infonce-hard", "symmetric", "gradcache", "kl", "margin_mse", "cosent", "binary", "listwise"]
    .flatMap { v in [(v, 1, 2), (v, 1, 3), (v, 2, 3)] }

  /// One tiny encoder for every case (writing it takes most of a case's time).
  nonisolated(unsafe) static var shared: String?

  @Test(.needsRealModel, .needsKorNLU, arguments: cases)
  func shortBatchOnSeveralRanksTrainsAsOnOne(_ variant: String, _ count: Int, _ ranks: Int) throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    if Self.shared == nil { Self.shared = try tinyModel(in: Fixtures.temporaryDirectory(), layers: 2, width: 32, heads: 4).path }
    let tiny = Self.shared!
    var setup = DataParallelTests.Setup(
      directory: tiny, examples: Array(try DataParallelTests.nli(count)), loss: .infoNCE(temperature: 0.05, symmetric: false, hardNegatives: 0))
    switch variant {
    case "infonce": break
    case "infonce-hard": setup.loss = .infoNCE(temperature: 0.05, symmetric: false, hardNegatives: 2)
    case "symmetric": setup.loss = .infoNCE(temperature: 0.05, symmetric: true, hardNegatives: 1)
    case "gradcache":
      setup.loss = .infoNCE(temperature: 0.05, symmetric: false, hardNegatives: 1)
      setup.miniBatch = 1
    case "kl", "margin_mse":
      let (dataSets, examples) = try DataParallelTests.distillationData(in: dir, tokenizer: try Tokenizer.load(directory: URL(fileURLWithPath: tiny)))
      setup.dataSets = dataSets
      setup.examples = Array(examples.prefix(count))
      setup.loss = .infoNCE(temperature: 0.05, symmetric: false, hardNegatives: 2)
      setup.distill = Recipe.Distill(kind: variant == "kl" ? .kl(temperature: 2) : .marginMSE, weight: 0.5, infoNCEWeight: 1)
    case "cosent":
      setup.examples = try DataParallelTests.sts(count)
      setup.loss = .cosent(scale: 20)
    case "binary":
      setup.loss = .binary(maxScore: 5)
      setup.crossEncoder = true
    case "listwise":
      setup.loss = .listwise(hardNegatives: 1)
      setup.crossEncoder = true
    default: Issue.record("unknown variant \(variant)")
    }
    let one = try DataParallelTests.step(setup, ranks: 1)[0]
    let many = try DataParallelTests.step(setup, ranks: ranks)
    #expect(one.loss.isFinite)
    for r in many {
      #expect(r.loss.isFinite, "\(variant), \(count) example(s) on \(ranks) ranks: loss \(r.loss)")
      #expect(r.gradients.allSatisfy { $0.isFinite }, "\(variant): a non-finite gradient on \(ranks) ranks")
      #expect(r.gradients == many[0].gradients && r.loss == many[0].loss)
    }
    guard many[0].loss.isFinite, many[0].gradients.allSatisfy({ $0.isFinite }) else { return }
    #expect(abs(many[0].loss - one.loss) <= 1e-5 * max(abs(one.loss), 1e-6), "loss \(many[0].loss) on \(ranks) ranks, \(one.loss) on one")
    if let a = one.accuracy { #expect(many[0].accuracy == a) }
    // CoSENT, and InfoNCE without hard negatives, have nothing to rank in a batch of one
    // example: no gradient on any number of ranks
    if (variant == "cosent" || variant == "infonce") && count == 1 {
      #expect(one.gradients.allSatisfy { $0 == 0 } && many[0].gradients.allSatisfy { $0 == 0 })
      return
    }
    let (worst, name) = try DataParallelTests.compare(
      setup, ranks: ranks, views: try DataParallelTests.views(tiny, crossEncoder: setup.crossEncoder),
      lastNormBias: "encoder.layer.1.output.LayerNorm.bias")
    #expect(worst <= 1e-4, "\(variant), \(count) example(s) on \(ranks) ranks: worst relative gradient difference \(worst) in \(name)")
  }
}
