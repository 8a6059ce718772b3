import DataSets
import Foundation
import HDF5Files
import Mining
import TestSupport
import Testing
import TextEncoder
import TextFiles
import Tokenization

@Suite struct MinerTests {
  static let modelDir = URL(fileURLWithPath: Fixtures.e5Model)
  static let nli = Fixtures.root.appendingPathComponent("data/kornlu/KorNLI/xnli.dev.ko.tsv")

  struct Stop: Error {}

  /// 30 KorNLI triplets plus 50 more sentences: mined with multilingual-e5-small, the negatives
  /// are those an exhaustive ranking of the model's own embeddings allows; a run stopped after
  /// its first chunk and started again gives the same file as one uninterrupted run.
  @Test(.needsRealModel, .needsKorNLU) func minedNegativesFollowAnExhaustiveRankingAndAStoppedRunResumes() throws {
    let model = try SentenceEncoder(directory: Self.modelDir.path)
    let rows = try TextLines.readTSV(path: Self.nli.path, required: ["sentence1", "sentence2", "gold_label"])
    var byPremise: [String: [String: String]] = [:]
    for r in rows { byPremise[r["sentence1"]!, default: [:]][r["gold_label"]!] = r["sentence2"]! }
    let triplets = byPremise.keys.sorted().compactMap { p -> TextTriplet? in
      guard let e = byPremise[p]!["entailment"], let c = byPremise[p]!["contradiction"] else { return nil }
      return TextTriplet(query: p, positive: e, negatives: [c])
    }.prefix(30)
    let extra = rows.suffix(50).map { $0["sentence2"]! }
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let a = dir.appendingPathComponent("a.h5").path, b = dir.appendingPathComponent("b.h5").path
    _ = try DataSetBuilder.build(examples: Array(triplets), corpusTexts: extra, tokenizer: model.tokenizer, sources: ["t"], output: a)
    try FileManager.default.copyItem(atPath: a, toPath: b)

    let selection = NegativeSelection(count: 3, window: 2...12, relativeMargin: 0.02, seed: 5)
    var miner = Miner(model: model, selection: selection, queryPrefix: "query: ", passagePrefix: "passage: ")
    miner.rowsPerChunk = 24
    miner.batchSize = 16
    let summary = try #require(try miner.mine(dataPath: a))
    #expect(!FileManager.default.fileExists(atPath: a + ".mine"))

    // stopped once the first corpus chunk is stored, then run again
    var corpusCalls = 0
    #expect(throws: Stop.self) {
      try miner.mine(dataPath: b) { phase, done, _ in
        if phase == .corpus { corpusCalls += 1 }
        if phase == .corpus && done > 24 { throw Stop() }
      }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: b + ".mine/corpus").contains("chunk-000000.f32"))
    _ = try miner.mine(dataPath: b)
    let fa = try HDF5File.open(path: a), fb = try HDF5File.open(path: b)
    #expect(try fa.read(DataSetLayout.minedNegatives, as: Int64.self) == fb.read(DataSetLayout.minedNegatives, as: Int64.self))
    // (NaN marks a missing negative's score)
    #expect(try fa.read(DataSetLayout.minedScores, as: Float.self).map(\.bitPattern) == fb.read(DataSetLayout.minedScores, as: Float.self).map(\.bitPattern))
    #expect(try fa.attribute("rank_window", of: "mined") == "2-12")
    #expect(try fa.attribute("summary", of: "mined").contains("\"examples\":30"))

    // against exhaustive search over the model's own embeddings of the texts
    let d = try DataSetFile(path: a)
    let texts = try d.texts()
    let mined = try #require(try d.mined())
    let passages = try model.embed(texts, prefix: "passage: ")
    let C = model.config.hiddenSize
    func norm(_ v: ArraySlice<Float>) -> [Float] {
      let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
      return v.map { $0 / n }
    }
    var checked = 0
    for e in 0..<d.exampleCount {
      let q = norm(try model.embed([texts[Int(d.query[e])]], prefix: "query: ")[...])
      let scores = (0..<texts.count).map { j in zip(q, norm(passages[(j * C)..<((j + 1) * C)])).reduce(0) { $0 + $1.0 * $1.1 } }
      let excluded = Set([Int(d.query[e]), Int(d.positive[e])] + d.negatives(of: e))
      let ranked = (0..<texts.count).filter { !excluded.contains($0) }.sorted { scores[$0] > scores[$1] }
      let window = Set(ranked[1..<12])
      let positive = scores[Int(d.positive[e])]
      for (j, n) in mined.of(e).enumerated() {
        #expect(window.contains(n), "example \(e): \(n) outside ranks 2-12")
        #expect(abs(mined.scores[e * 3 + j] - scores[n]) < 1e-4)
        #expect(scores[n] <= positive * 0.98 + 1e-4)
        checked += 1
      }
      // every allowed candidate was taken when fewer than 3 were allowed
      let allowed = ranked[1..<12].filter { scores[$0] <= positive * 0.98 - 1e-4 }
      #expect(mined.of(e).count >= min(3, allowed.count))
    }
    #expect(checked == summary.negativeScores.count && checked > 60)
  }
}
