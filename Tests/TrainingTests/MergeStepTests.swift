import Foundation
import Recipes
import SafeTensors
import TestSupport
import TextEncoder
import Testing
import Training

/// The recipe's `merge` section: at the end of the run the trained weights are interpolated with
/// the base model's (one weight, or several chosen among on the best set).
@Suite(.serialized, .needsRealModel, .needsKorNLU) struct MergeStepTests {
  func run(model: URL, output: URL, merge: String) throws -> [String] {
    let root = Fixtures.root.path
    let text = """
      model: {base: \(model.path), max_length: 24, query_prefix: "query: "}
      seed: 1
      output: \(output.path)
      evaluation:
        - {name: dev, path: \(root)/data/kornlu/KorSTS/sts-dev.tsv, limit: 40}
        - {name: para, format: sts_retrieval, path: \(root)/data/kornlu/KorSTS/sts-dev.tsv, limit: 10}
      best: {set: dev}
      stages:
        - name: nli
          data: [{format: nli_tsv, path: \(root)/data/kornlu/KorNLI/xnli.dev.ko.tsv}]
          loss: {kind: infonce}
          batch_size: 4
          steps: 3
          optimizer: {lr: 1.0e-3}
          checkpoint: {every: 100, keep: 1}
      \(merge)
      """
    let path = output.path + ".recipe"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    var events: [String] = []
    try TrainingRun(recipe: try Recipe.load(path: path), observer: { e in
      if case .merged(_, let w) = e { events.append("merged \(w)") }
    }).run()
    return events
  }

  func lines(_ run: URL) throws -> [[String: Any]] {
    try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
  }

  func weights(_ dir: URL) throws -> [UInt32] {
    let file = try SafeTensorsFile(path: dir.appendingPathComponent("model.safetensors").path)
    return try file.names.flatMap { try file.floats($0).map(\.bitPattern) }
  }

  func blend(_ a: [UInt32], _ b: [UInt32], _ w: Double) -> [UInt32] {
    zip(a, b).map { Float(w * Double(Float(bitPattern: $0)) + (1 - w) * Double(Float(bitPattern: $1))).bitPattern }
  }

  @Test func oneWeightMergesWithTheBaseAndTheEndsGiveEitherModel() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try tinyModel(in: dir)
    let base = try weights(model)
    let plain = dir.appendingPathComponent("plain")
    #expect(try run(model: model, output: plain, merge: "").isEmpty)
    let trained = try weights(plain.appendingPathComponent("model"))
    #expect(trained != base)

    for (w, expected) in [(1.0, trained), (0.0, base), (0.25, blend(trained, base, 0.25))] {
      let out = dir.appendingPathComponent("merged-\(w)")
      #expect(try run(model: model, output: out, merge: "merge: {with: base, weight: \(w)}") == ["merged \(w)"])
      #expect(try weights(out.appendingPathComponent("model")) == expected, "weight \(w)")
      // the merge is evaluated on every set evaluated during training
      let merges = try lines(out).filter { $0["stage"] as? String == "merge" }
      #expect(merges.map { $0["eval"] as? String } == ["dev", "para"] && merges.allSatisfy { $0["merge_weight"] as? Double == w })
      #expect(merges.allSatisfy { $0["spearman_cosine"] is Double || $0["cosine_ndcg@10"] is Double })
    }
  }

  @Test func severalWeightsAreEvaluatedAndTheBestIsKept() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try tinyModel(in: dir)
    let out = dir.appendingPathComponent("run")
    let events = try run(model: model, output: out, merge: "merge: {weight: [0.0, 0.5, 1.0]}")
    let all = try lines(out).filter { $0["stage"] as? String == "merge" }
    #expect(all.map { $0["eval"] as? String } == ["dev", "para", "dev", "para", "dev", "para"])
    let merges = all.filter { $0["eval"] as? String == "dev" }
    #expect(merges.map { $0["merge_weight"] as? Double } == [0.0, 0.5, 1.0])
    let scores = merges.map { $0["spearman_cosine"] as! Double }
    let best = scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) }!
    #expect(events == ["merged \([0.0, 0.5, 1.0][best])"])
  }
}
