import Evaluation
import Foundation
import Recipes
import TestSupport
import TextEncoder
import Testing
import Training

/// sentence-transformers' truncate_dim in evaluation and export: the Evaluator takes every metric
/// on the first N floats of the (normalized) embeddings, not renormalized; a recipe's evaluation
/// set with `truncate_dim` is logged under its own name at that width; `model.truncate_dim` goes
/// into the exported config_sentence_transformers.json and is the sets' default.
@Suite(.serialized, .needsRealModel, .needsKorNLU) struct TruncateDimTests {
  let dev = Fixtures.root.path + "/data/kornlu/KorSTS/sts-dev.tsv"

  func evaluator(_ model: SentenceEncoder, truncateDim: Int?) -> Evaluator {
    var e = Evaluator(
      encoder: model.encoder, tokenizer: model.tokenizer, pooling: model.pooling, normalize: model.normalize, maxLength: 24,
      queryPrefix: "query: ", passagePrefix: "query: ")
    e.truncateDim = truncateDim
    return e
  }

  @Test func theEvaluatorScoresTheLeadingDimensionsAsTheyAre() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try SentenceEncoder(directory: try tinyModel(in: dir).path)  // width 16, normalized
    let pairs = try STSPairs.readEvaluationSet(path: dev, limit: 40)
    let d = 5
    // the reference: whole embeddings (each distinct text once, in the evaluator's batches, so the
    // floats are the same), each cut to its first d floats (its norm below 1 now)
    func cut(_ texts: [String]) throws -> [Float] {
      var distinct: [String] = [], index: [String: Int] = [:]
      for t in texts where index[t] == nil { index[t] = distinct.count; distinct.append(t) }
      let whole = try model.encoder.embed(
        texts: distinct, tokenizer: model.tokenizer, prefix: "query: ", maxLength: 24, pooling: model.pooling, normalize: true,
        batchSize: 256)
      return texts.flatMap { whole[(index[$0]! * 16)..<(index[$0]! * 16 + d)] }
    }
    var sentences: [String] = [], seen = Set<String>()
    for p in pairs { for t in [p.first, p.second] where seen.insert(t).inserted { sentences.append(t) } }
    let all = try cut(sentences), row = Dictionary(uniqueKeysWithValues: sentences.enumerated().map { ($1, $0) })
    let e1 = pairs.flatMap { all[(row[$0.first]! * d)..<(row[$0.first]! * d + d)] }
    let e2 = pairs.flatMap { all[(row[$0.second]! * d)..<(row[$0.second]! * d + d)] }
    let norm = e1[0..<d].reduce(0) { $0 + $1 * $1 }.squareRoot()
    #expect(norm < 0.999)  // not renormalized
    let expected = STSMetrics.compute(embeddings1: e1, embeddings2: e2, dimension: d, gold: pairs.map { Double($0.score) })
    let truncated = try evaluator(model, truncateDim: d).sts(pairs)
    #expect(truncated.map(\.name) == expected.map(\.name))
    #expect(truncated.map(\.value) == expected.map(\.value))
    let whole = try evaluator(model, truncateDim: nil).sts(pairs)
    #expect(whole[1].value != truncated[1].value)
    // the whole width, or more, is no truncation
    #expect(try evaluator(model, truncateDim: 16).sts(pairs).map(\.value) == whole.map(\.value))
    #expect(try evaluator(model, truncateDim: 40).sts(pairs).map(\.value) == whole.map(\.value))

    // retrieval ranks the cut embeddings
    let data = try RetrievalData.paraphrases(Array(STSPairs.read(path: dev).prefix(200)), minScore: 4, path: dev)
    let q = try cut(data.queryTexts), c = try cut(data.corpusTexts)
    var expectedRetrieval: [Metric] = []
    for s in [Similarity.cosine, .dot] {
      let ranked = Ranking.top(queries: q, corpus: c, dimension: d, corpusIDs: data.corpusIDs, similarity: s, depth: RetrievalMetrics.Cutoffs().depth)
      expectedRetrieval += RetrievalMetrics.compute(
        rankings: ranked.map { $0.map { data.corpusIDs[$0] } }, relevant: data.relevant, cutoffs: .init(), similarity: s.rawValue)
    }
    let retrieval = try evaluator(model, truncateDim: d).retrieval(data, similarities: [.cosine, .dot])
    #expect(retrieval.map(\.name) == expectedRetrieval.map(\.name) && retrieval.map(\.value) == expectedRetrieval.map(\.value))
    #expect(try evaluator(model, truncateDim: nil).retrieval(data, similarities: [.cosine, .dot]).map(\.value) != retrieval.map(\.value))
  }

  func run(model: URL, output: URL, modelKeys: String = "", sets: String) throws -> [[String: Any]] {
    let root = Fixtures.root.path
    let text = """
      model: {base: \(model.path), max_length: 24, query_prefix: "query: "\(modelKeys)}
      precision: fp32
      seed: 1
      output: \(output.path)
      evaluation:
      \(sets)
      stages:
        - name: nli
          data: [{format: nli_tsv, path: \(root)/data/kornlu/KorNLI/xnli.dev.ko.tsv}]
          loss: {kind: infonce}
          batch_size: 4
          steps: 1
          checkpoint: {every: 100, keep: 1}
      """
    let path = output.path + ".recipe"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    try TrainingRun(recipe: try Recipe.load(path: path), observer: { _ in }).run()
    return try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
  }

  func stConfig(_ run: URL) throws -> [String: Any] {
    let url = run.appendingPathComponent("model/config_sentence_transformers.json")
    return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
  }

  /// The `spearman_cosine` of `set` at stage `stage` in `lines`.
  func score(_ lines: [[String: Any]], _ set: String, _ stage: String) -> Double? {
    lines.first { $0["eval"] as? String == set && $0["stage"] as? String == stage }?["spearman_cosine"] as? Double
  }

  /// Equal to within the last bit metrics.jsonl's JSON keeps of a double.
  func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) <= 1e-12 } ?? false }

  @Test func recipeSetsAreEvaluatedAtTheirWidthAndTheModelsGoesIntoTheExport() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try tinyModel(in: dir)
    let base = try SentenceEncoder(directory: model.path)
    let pairs = try STSPairs.readEvaluationSet(path: dev, limit: 30)
    let at4 = try evaluator(base, truncateDim: 4).sts(pairs)[1].value
    let whole = try evaluator(base, truncateDim: nil).sts(pairs)[1].value
    #expect(abs(at4 - whole) > 1e-3)

    // a set's own truncate_dim; the model's width is all of it
    let plainRun = dir.appendingPathComponent("plain")
    let plain = try run(model: model, output: plainRun, sets: """
        - {name: dev, path: \(dev), limit: 30}
        - {name: dev-4, path: \(dev), limit: 30, truncate_dim: 4}
      """)
    #expect(close(score(plain, "dev", "baseline"), whole) && close(score(plain, "dev-4", "baseline"), at4))
    #expect(score(plain, "dev-4", "nli") != nil)
    #expect(try stConfig(plainRun)["truncate_dim"] == nil)

    // model.truncate_dim: the export carries it, sets default to it, a set may take the whole width
    let cutRun = dir.appendingPathComponent("cut")
    let cut = try run(model: model, output: cutRun, modelKeys: ", truncate_dim: 4", sets: """
        - {name: dev, path: \(dev), limit: 30}
        - {name: dev-all, path: \(dev), limit: 30, truncate_dim: 16}
      """)
    #expect(close(score(cut, "dev", "baseline"), at4) && close(score(cut, "dev-all", "baseline"), whole))
    #expect(try stConfig(cutRun)["truncate_dim"] as? Int == 4)
    let card = try String(contentsOf: cutRun.appendingPathComponent("model/README.md"), encoding: .utf8)
    #expect(card.contains("**Output dimensionality:** 4 (`truncate_dim`"))
    #expect(try SentenceEncoder(directory: cutRun.appendingPathComponent("model").path).truncateDim == 4)
  }

  @Test func aTruncateDimAboveTheWidthStopsTheRunWithItsKey() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try tinyModel(in: dir)
    #expect {
      _ = try run(model: model, output: dir.appendingPathComponent("wide"), sets: "  - {name: dev, path: \(dev), limit: 30, truncate_dim: 17}")
    } throws: {
      "\($0)".contains("evaluation.0.truncate_dim") && "\($0)".contains("truncate_dim 17 is above the width of the base model's embeddings (16)")
    }
  }
}
