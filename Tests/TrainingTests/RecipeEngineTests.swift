import Autograd
import Evaluation
import Foundation
import Recipes
import TestSupport
import Testing
import Training

/// The recipe's values as the engine's types, and the check of `best.metric` against the
/// evaluators' metric names when a run starts.
@Suite struct RecipeEngineTests {
  /// Writes a recipe (DIR: a temporary directory with a fake model directory and data files).
  func load(_ text: String) throws -> (Recipe, URL) {
    let dir = Fixtures.temporaryDirectory()
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("model"), withIntermediateDirectories: true)
    for name in ["nli.tsv", "sts.tsv", "corpus.jsonl", "queries.tsv", "qrels.tsv"] {
      try "".write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    let path = dir.appendingPathComponent("r.recipe").path
    try text.replacingOccurrences(of: "DIR", with: dir.path).write(toFile: path, atomically: true, encoding: .utf8)
    return (try Recipe.load(path: path), dir)
  }

  func recipe(best: String, crossEncoder: Bool = false, similarities: String = "[cosine, dot]") -> String {
    """
    model: {base: DIR/model, pooling: cls, cross_encoder: \(crossEncoder)}
    output: DIR/out
    evaluation:
      - {name: dev, path: DIR/sts.tsv}
    \(crossEncoder ? "" : "  - {name: ir, format: retrieval, corpus: DIR/corpus.jsonl, queries: DIR/queries.tsv, qrels: DIR/qrels.tsv, similarities: \(similarities)}")
    best: \(best)
    stages:
      - data: [{format: nli_tsv, path: DIR/nli.tsv}]
        loss: {kind: \(crossEncoder ? "binary" : "infonce")}
        batch_size: 2
        optimizer: {betas: [0.8, 0.9], eps: 1.0e-6, weight_decay: 0.1}
    """
  }

  @Test func valuesMapToTheEngineTypes() throws {
    let (r, dir) = try load(recipe(best: "{set: ir}"))
    defer { try? FileManager.default.removeItem(at: dir) }
    #expect(r.model.pooling.map(PoolingMode.init) == .cls)
    #expect(r.evaluation[1].similarities.map(Similarity.init) == [.cosine, .dot])
    #expect(AdamW.Settings(r.stages[0].optimizer.settings) == AdamW.Settings(beta1: 0.8, beta2: 0.9, eps: 1e-6, weightDecay: 0.1))
    #expect(Recipe.Pooling.allCases.map { PoolingMode($0).rawValue } == Recipe.Pooling.allCases.map(\.rawValue))
    #expect(Recipe.Similarity.allCases.map { Similarity($0).rawValue } == Recipe.Similarity.allCases.map(\.rawValue))
  }

  /// Every set's main metric (the default of best.metric) is one its evaluator reports.
  @Test func mainMetricsAreReported() throws {
    for text in [recipe(best: "{set: ir}", similarities: "[dot]"), recipe(best: "{set: dev}", crossEncoder: true)] {
      let (r, dir) = try load(text)
      defer { try? FileManager.default.removeItem(at: dir) }
      for set in r.evaluation { #expect(set.metricNames.contains(set.mainMetric), "\(set.name): \(set.mainMetric)") }
      try r.checkBestMetric()
    }
  }

  @Test func anUnknownBestMetricIsRefusedBeforeTheRunStarts() throws {
    let (r, dir) = try load(recipe(best: "{set: ir, metric: mrr}"))
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("r.recipe").path
    let message = "\(path):6: best.metric: 'ir' has no metric 'mrr' (it reports: "
      + (RetrievalMetrics.names(similarity: "cosine") + RetrievalMetrics.names(similarity: "dot")).joined(separator: ", ") + ")"
    #expect { try Recipe.loadForTraining(path: path) } throws: { "\($0)" == message }
    #expect { try TrainingRun(recipe: r, observer: { _ in }).run() } throws: { "\($0)" == message }
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    let (sts, stsDir) = try load(recipe(best: "{set: dev, metric: spearman_cosine}"))
    defer { try? FileManager.default.removeItem(at: stsDir) }
    try sts.checkBestMetric()
  }
}
