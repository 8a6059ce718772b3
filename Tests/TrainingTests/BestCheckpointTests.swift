import Evaluation
import Foundation
import Recipes
import SafeTensors
import TestSupport
import TextEncoder
import Testing
import Training

/// Evaluation during training: STS and retrieval sets, the best checkpoint kept, marked and
/// loaded at the end, early stopping, and exact resume across an early stop. A tiny random
/// encoder with multilingual-e5-small's tokenizer keeps it fast (checkpoints of ~50 MB).
@Suite(.serialized, .needsRealModel, .needsKorNLU) struct BestCheckpointTests {
  /// A retrieval set from KorSTS dev: the first sentences as queries, the second ones as the
  /// corpus, each query's own pair relevant.
  static func retrievalSet(in dir: URL) throws -> (corpus: String, queries: String, qrels: String) {
    let pairs = try STSPairs.read(path: Fixtures.root.path + "/data/kornlu/KorSTS/sts-dev.tsv").prefix(40)
    var corpus = "", queries = "id\ttext\n", qrels = "query-id\tcorpus-id\tscore\n"
    for (i, p) in pairs.enumerated() {
      let doc = try JSONSerialization.data(withJSONObject: ["_id": "d\(i)", "text": p.second])
      corpus += String(decoding: doc, as: UTF8.self) + "\n"
      if i < 20 {
        queries += "q\(i)\t\(p.first)\n"
        qrels += "q\(i)\td\(i)\t1\n"
      }
    }
    let paths = ["corpus.jsonl", "queries.tsv", "qrels.tsv"].map { dir.appendingPathComponent($0).path }
    for (text, path) in zip([corpus, queries, qrels], paths) { try text.write(toFile: path, atomically: true, encoding: .utf8) }
    return (paths[0], paths[1], paths[2])
  }

  func recipe(model: URL, ir: (corpus: String, queries: String, qrels: String), output: URL) throws -> Recipe {
    let root = Fixtures.root.path
    let text = """
      model: {base: \(model.path), max_length: 24, query_prefix: "query: ", passage_prefix: "passage: "}
      seed: 1
      output: \(output.path)
      evaluation:
        - {name: dev, path: \(root)/data/kornlu/KorSTS/sts-dev.tsv, limit: 40}
        - {name: ir, format: retrieval, corpus: \(ir.corpus), queries: \(ir.queries), qrels: \(ir.qrels), similarities: [cosine, dot]}
        - {name: test, path: \(root)/data/kornlu/KorSTS/sts-test.tsv, limit: 40, final: true}
      best: {set: dev, metric: spearman_cosine, patience: 2, min_delta: 10, load_at_end: true}
      stages:
        - name: nli
          data: [{format: nli_tsv, path: \(root)/data/kornlu/KorNLI/xnli.dev.ko.tsv}]
          loss: {kind: infonce}
          batch_size: 2
          steps: 8
          eval_every: 1
          optimizer: {lr: 1.0e-3}
          checkpoint: {every: 100, keep: 1}
        - name: sts
          data: [{format: sts_tsv, path: \(root)/data/kornlu/KorSTS/sts-train.tsv}]
          loss: {kind: cosent}
          batch_size: 2
          steps: 2
          optimizer: {lr: 1.0e-3}
          checkpoint: {every: 100, keep: 1}
      """
    let path = output.path + ".recipe"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return try Recipe.load(path: path)
  }

  func metricLines(_ run: URL) throws -> [[String: Any]] {
    try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
  }

  @Test func bestCheckpointIsKeptMarkedAndLoadedAtTheEndAndEarlyStoppingEndsTheStage() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try tinyModel(in: dir), ir = try Self.retrievalSet(in: dir)
    let out = dir.appendingPathComponent("run")
    var events: [String] = []
    try TrainingRun(recipe: try recipe(model: model, ir: ir, output: out), observer: { e in
      switch e {
      case .stoppedEarly(let stage, let step, _): events.append("stopped \(stage) \(step)")
      case .loadedBest(let url, _): events.append("loaded \(url.lastPathComponent)")
      default: break
      }
    }).run()
    // min_delta 10: the first evaluation is the best, the next two do not improve on it, so
    // stage 1 stops after step 3 and stage 2 runs its 2 steps
    #expect(events == ["stopped nli 3", "loaded step-0000001"])
    let lines = try metricLines(out)
    let steps = lines.filter { $0["eval"] == nil }
    #expect(steps.map { $0["global_step"] as! Int } == [1, 2, 3, 4, 5])
    let evals = lines.filter { $0["eval"] != nil }
    // the evaluation before training (step 0, stage baseline) neither is the best nor counts for patience
    #expect(evals.map { $0["eval"] as! String } == ["dev", "ir", "dev", "ir", "dev", "ir", "dev", "ir", "dev", "ir", "test"])
    #expect(evals.prefix(2).allSatisfy { $0["global_step"] as? Int == 0 && $0["stage"] as? String == "baseline" })
    #expect(evals.filter { $0["best"] as? Bool == true }.map { $0["global_step"] as! Int } == [1])
    for name in STSMetrics.names() { #expect(evals[0][name] is Double, "\(name) missing") }
    for name in RetrievalMetrics.names(similarity: "cosine") + RetrievalMetrics.names(similarity: "dot") {
      #expect(evals[1][name] is Double, "\(name) missing")
    }
    // the best checkpoint survives keep: 1 and is marked; the final model is its weights
    let checkpoints = out.appendingPathComponent("checkpoints")
    let names = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).filter { !$0.hasPrefix(".") }.sorted()
    #expect(names == ["best", "step-0000001", "step-0000005"])
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: checkpoints.appendingPathComponent("best").path) == "step-0000001")
    let state = try TrainerState.read(checkpoints.appendingPathComponent("step-0000005/trainer_state.json"))
    #expect(state.best?.checkpoint == "step-0000001")
    #expect(abs(state.best!.value - (evals[2]["spearman_cosine"] as! Double)) < 1e-12)  // Foundation's JSON parser may miss by an ulp
    let best = try SafeTensorsFile(path: checkpoints.appendingPathComponent("best/model.safetensors").path)
    let final = try SafeTensorsFile(path: out.appendingPathComponent("model/model.safetensors").path)
    let last = try SafeTensorsFile(path: checkpoints.appendingPathComponent("step-0000005/model.safetensors").path)
    let name = "embeddings.word_embeddings.weight"
    #expect(try best.floats(name) == final.floats(name))
    #expect(try last.floats(name) != final.floats(name))
    let card = try String(contentsOf: out.appendingPathComponent("model/README.md"), encoding: .utf8)
    #expect(card.contains("Best checkpoint: `step-0000001`") && card.contains("### test (at the end)"))
  }

  @Test func resumingAcrossAnEarlyStopIsExact() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try tinyModel(in: dir), ir = try Self.retrievalSet(in: dir)
    let straight = dir.appendingPathComponent("straight"), pieces = dir.appendingPathComponent("pieces")
    try TrainingRun(recipe: try recipe(model: model, ir: ir, output: straight), observer: { _ in }).run()
    let r = try recipe(model: model, ir: ir, output: pieces)
    try TrainingRun(recipe: r, observer: { _ in }).run(maxSteps: 2)  // before the early stop
    let second = TrainingRun(recipe: r, observer: { _ in })
    try second.run(resume: .latest, maxSteps: 4)  // through it, into stage 2
    let third = TrainingRun(recipe: r, observer: { _ in })
    try third.run(resume: .latest)
    for path in ["model/model.safetensors", "checkpoints/step-0000005/optimizer.safetensors"] {
      #expect(
        try Data(contentsOf: straight.appendingPathComponent(path)) == Data(contentsOf: pieces.appendingPathComponent(path)),
        "\(path) differs")
    }
    // the resumed runs do not evaluate before training again: the baseline is there once
    let a = try metricLines(straight).filter { $0["eval"] != nil }, b = try metricLines(pieces).filter { $0["eval"] != nil }
    #expect(a.map { $0["spearman_cosine"] as? Double } == b.map { $0["spearman_cosine"] as? Double })
    #expect(b.filter { $0["stage"] as? String == "baseline" }.count == 2)
  }
}
