import Autograd
import DataSets
import Foundation
import HDF5Files
import Losses
import Recipes
import TestSupport
import Testing
import TextEncoder
import TextFiles
import Tokenization
import Training

/// Training from hdf5 data sets: the same weights as from the texts they were built from, and
/// distillation on each query's own candidates with the stored teacher scores.
@Suite(.serialized, .needsRealModel, .needsKorNLU) struct DataSetTrainingTests {
  /// 24 KorNLI (premise, entailment, [contradiction, neutral]) examples.
  static func triplets(count: Int = 24) throws -> [TextTriplet] {
    let rows = try TextLines.readTSV(
      path: Fixtures.root.path + "/data/kornlu/KorNLI/xnli.dev.ko.tsv", required: ["sentence1", "sentence2", "gold_label"])
    var byPremise: [String: [String: String]] = [:]
    for r in rows { byPremise[r["sentence1"]!, default: [:]][r["gold_label"]!] = r["sentence2"]! }
    return Array(byPremise.keys.sorted().compactMap { p -> TextTriplet? in
      let g = byPremise[p]!
      guard let e = g["entailment"], let c = g["contradiction"], let n = g["neutral"] else { return nil }
      return TextTriplet(query: p, positive: e, negatives: [c, n])
    }.prefix(count))
  }

  func recipe(_ dir: URL, name: String, source: String, loss: String = "{kind: infonce, hard_negatives: 2}") throws -> Recipe {
    let text = """
      model: {base: \(Fixtures.e5Model), max_length: 24, query_prefix: "query: ", passage_prefix: "passage: "}
      seed: 3
      output: \(dir.path)/\(name)
      stages:
        - name: s
          data: [\(source)]
          loss: \(loss)
          batch_size: 4
          steps: 3
          optimizer: {lr: 1.0e-4}
      """
    let path = dir.appendingPathComponent("\(name).recipe").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return try Recipe.load(path: path)
  }

  @Test func aDataSetTrainsToTheSameWeightsAsTheTextsItWasBuiltFrom() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let triplets = try Self.triplets()
    let jsonl = dir.appendingPathComponent("t.jsonl").path
    let lines = try triplets.map { t in
      String(decoding: try JSONSerialization.data(withJSONObject: ["query": t.query, "positive": t.positive, "negatives": t.negatives]), as: UTF8.self)
    }
    try lines.joined(separator: "\n").write(toFile: jsonl, atomically: true, encoding: .utf8)
    let tokenizer = try Tokenizer.load(directory: URL(fileURLWithPath: Fixtures.e5Model))
    let h5 = dir.appendingPathComponent("t.h5").path
    let built = try DataSetBuilder.build(
      examples: triplets, tokenizer: tokenizer, sources: [jsonl], checkPrefixes: ["query: ", "passage: "], output: h5)
    #expect(built.prefixMismatches.values.allSatisfy { $0 == 0 })

    try TrainingRun(recipe: try recipe(dir, name: "text", source: "{format: jsonl, path: \(jsonl)}"), observer: { _ in }).run()
    try TrainingRun(recipe: try recipe(dir, name: "h5", source: "{format: hdf5, path: \(h5), negatives: data}"), observer: { _ in }).run()
    let a = try Data(contentsOf: dir.appendingPathComponent("text/checkpoints/step-0000003/model.safetensors"))
    let b = try Data(contentsOf: dir.appendingPathComponent("h5/checkpoints/step-0000003/model.safetensors"))
    #expect(a == b)
    // the losses logged step by step are the same too
    let la = try String(contentsOf: dir.appendingPathComponent("text/metrics.jsonl"), encoding: .utf8)
    let lb = try String(contentsOf: dir.appendingPathComponent("h5/metrics.jsonl"), encoding: .utf8)
    func losses(_ s: String) -> [Double] {
      s.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }.compactMap { $0["loss"] as? Double }
    }
    #expect(losses(la).count == 3 && losses(la) == losses(lb))
  }

  @Test func distillationScoresEachQuerysOwnCandidatesAgainstTheTeacher() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try SentenceEncoder(directory: Fixtures.e5Model)
    var triplets = Array(try Self.triplets().prefix(4))
    triplets[2].negatives.removeLast()  // a query short of negatives
    let h5 = dir.appendingPathComponent("d.h5").path
    _ = try DataSetBuilder.build(examples: triplets, tokenizer: model.tokenizer, sources: ["t"], output: h5)
    let source = Recipe.DataSource(format: .hdf5, paths: [h5], negatives: .data)
    // no teacher scores yet: a distilling stage is refused, naming the file
    let e1 = #expect(throws: DataSetError.self) { try TrainingData.loadSources([source], teacher: true) }
    #expect("\(e1!)".contains(h5) && "\(e1!)".contains("trainer score"))
    // teacher scores of [positive, negative 1, negative 2]
    let teacher: [Float] = [3, 1, -2, 2.5, 0.5, 1, 4, -1, .nan, 1, 2, 0]
    try DataSetUpdate.apply(to: h5, removing: ["teacher"]) { f in
      try f.write(DataSetLayout.teacherScores, shape: [4, 3], values: teacher)
      try f.setAttribute("candidates", "data", on: "teacher")
    }
    let mined = Recipe.DataSource(format: .hdf5, paths: [h5], negatives: .auto)
    _ = try TrainingData.loadSources([mined], teacher: true)  // auto = data here, which the teacher scored

    let dataSets = DataSetFiles()
    let examples = try TrainingData.loadSources([source], dataSets: dataSets, teacher: true)[0]
    let tau: Float = 0.05, T: Float = 2
    let step = TrainingStep(
      model, loss: .infoNCE(temperature: tau, symmetric: false, hardNegatives: 2),
      distill: Recipe.Distill(kind: .kl(temperature: T), weight: 0.7, infoNCEWeight: 0.3), maxLength: 24, queryPrefix: "query: ",
      passagePrefix: "passage: ", dataSets: dataSets)
    let r = try step.run(examples, dropout: false, seed: 1)

    // by hand: cosine of each query with every candidate (positives, then negatives in order)
    let texts = triplets.map { $0.query } + triplets.map { $0.positive } + triplets.flatMap { $0.negatives }
    let prefixes = Array(repeating: "query: ", count: 4) + Array(repeating: "passage: ", count: texts.count - 4)
    let e = try model.encoder.embed(
      TokenBatch(sequences: try zip(texts, prefixes).map { try model.tokenizer.encode($0, prefix: $1, maxLength: 24) }, config: model.config),
      pooling: .mean, normalize: true).array
    let C = model.config.hiddenSize, m = texts.count - 4
    func cos(_ i: Int, _ j: Int) -> Float { (0..<C).reduce(0) { $0 + e[i * C + $1] * e[(4 + j) * C + $1] } }
    var nce: Double = 0
    for i in 0..<4 {
      let row = (0..<m).map { Double(cos(i, $0) / tau) }
      let mx = row.max()!
      nce += -(row[i] - mx - log(row.reduce(0) { $0 + exp($1 - mx) }))
    }
    nce /= 4
    // each query's own candidates: its positive (column i) and its negatives (columns 4 + …)
    var own: [[Int]] = [], next = 4
    for t in triplets {
      own.append([own.count] + (0..<t.negatives.count).map { next + $0 })
      next += t.negatives.count
    }
    var kl: Double = 0
    for i in 0..<4 {
      let present = (0..<3).filter { $0 < own[i].count && teacher[i * 3 + $0].isFinite }
      let s = present.map { Double(cos(i, own[i][$0]) / tau / T) }, t = present.map { Double(teacher[i * 3 + $0] / T) }
      let ls = s.map { $0 - log(s.reduce(0) { $0 + exp($1) }) }, lt = t.map { $0 - log(t.reduce(0) { $0 + exp($1) }) }
      kl += zip(lt, ls).reduce(0) { $0 + exp($1.0) * ($1.0 - $1.1) }
    }
    kl = kl / 4 * Double(T * T)
    let expected = 0.3 * nce + 0.7 * kl
    #expect(abs(Double(r.loss) - expected) < 2e-4 * max(1, abs(expected)), "loss \(r.loss), by hand \(expected) (InfoNCE \(nce), KL \(kl))")
  }

  @Test func recipeChecksForDataSetsAndDistillation() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let nli = Fixtures.root.path + "/data/kornlu/KorNLI/xnli.dev.ko.tsv"
    let e1 = #expect(throws: RecipeError.self) {
      try recipe(dir, name: "a", source: "{format: nli_tsv, path: \(nli)}", loss: "{kind: infonce, distill: {kind: kl}}")
    }
    #expect("\(e1!)".contains("hdf5 sources (trainer score) and flag_embedding sources"))
    let e2 = #expect(throws: RecipeError.self) {
      try recipe(dir, name: "b", source: "{format: nli_tsv, path: \(nli), negatives: mined}")
    }
    #expect("\(e2!)".contains("negatives applies to hdf5 sources"))
    let e3 = #expect(throws: RecipeError.self) {
      try recipe(dir, name: "c", source: "{format: hdf5, path: \(nli)}", loss: "{kind: infonce, hard_negatives: 0, distill: {kind: margin_mse}}")
    }
    #expect("\(e3!)".contains("hard_negatives > 0"))
    let e4 = #expect(throws: RecipeError.self) {
      try recipe(dir, name: "d", source: "{format: hdf5, path: \(nli)}", loss: "{kind: infonce, distill: {kind: kl, temperature: 0}}")
    }
    #expect("\(e4!)".contains("temperature must be positive"))
  }
}
