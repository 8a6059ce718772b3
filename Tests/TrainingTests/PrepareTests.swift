import DataSets
import Foundation
import HDF5Files
import Recipes
import SafeTensors
import TestSupport
import Testing
import TextEncoder
import TextFiles
import Training

/// A recipe's prepare steps: a data set is built, mined with the base model and scored by a
/// teacher before a distilling stage trains on it; run again, every step sees its product and
/// is skipped.
@Suite(.serialized) struct PrepareTests {
  @Test(.needsRealModel, .needsKorNLU) func buildMineAndScoreRunOnceThenAreSkipped() throws {
    let e5 = Fixtures.e5Model
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    // a teacher: the base model with a seeded one-logit head
    let teacher = dir.appendingPathComponent("teacher").path
    let ce = try SentenceEncoder(directory: e5, crossEncoderHeadSeed: 4)
    try ModelDirectoryWriter(layout: SentenceTransformersLayout()).write(
      encoder: ce.encoder, sentencePieceModel: try Data(contentsOf: URL(fileURLWithPath: e5 + "/sentencepiece.bpe.model")), to: teacher)
    // 12 triplets and a few more sentences
    let jsonl = dir.appendingPathComponent("t.jsonl").path
    let rows = try TextLines.readTSV(path: Fixtures.root.path + "/data/kornlu/KorNLI/xnli.dev.ko.tsv", required: ["sentence1", "sentence2"])
    var lines: [String] = []
    for r in stride(from: 0, to: 36, by: 3) {
      let obj = ["query": rows[r]["sentence1"]!, "positive": rows[r]["sentence2"]!, "negatives": [rows[r + 1]["sentence2"]!]] as [String: Any]
      lines.append(String(decoding: try JSONSerialization.data(withJSONObject: obj), as: UTF8.self))
    }
    try lines.joined(separator: "\n").write(toFile: jsonl, atomically: true, encoding: .utf8)
    let data = dir.appendingPathComponent("d.h5").path
    let text = """
      model: {base: \(e5), max_length: 32, query_prefix: "query: ", passage_prefix: "query: "}
      output: \(dir.path)/run
      prepare:
        - build: {output: \(data), examples: ["jsonl:\(jsonl)"], corpus: ["sts_tsv:\(Fixtures.root.path)/data/kornlu/KorSTS/sts-dev.tsv"]}
        - mine: {data: \(data), k: 2, rank_window: [3, 20]}
        - score: {data: \(data), teacher: \(teacher)}
      stages:
        - name: s
          data: [{format: hdf5, path: \(data), negatives: mined}]
          loss: {kind: infonce, hard_negatives: 2, distill: {kind: margin_mse, weight: 0.5}}
          batch_size: 4
          steps: 1
      """
    let path = dir.appendingPathComponent("p.recipe").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    var messages: [String] = []
    try TrainingRun(recipe: try Recipe.load(path: path), observer: { if case .preparing(let m) = $0 { messages.append(m) } }).run()
    #expect(messages.contains { $0.hasPrefix("built \(data): 12 examples") })
    #expect(messages.contains { $0.hasPrefix("mining") } && messages.contains { $0.hasPrefix("scoring") })
    let d = try DataSetFile(path: data)
    let mined = try #require(try d.mined())
    #expect(mined.k == 2 && (0..<12).allSatisfy { mined.of($0).count == 2 })
    let scores = try #require(try d.teacherScores())
    #expect(scores.candidates == .mined && scores.width == 3 && scores.scores.allSatisfy(\.isFinite))
    #expect(try HDF5File.open(path: data).attribute("max_length", of: "mined") == "32")

    // again (a new run: the first one moves aside): nothing is redone
    let before = try Data(contentsOf: URL(fileURLWithPath: data))
    messages = []
    let again = TrainingRun(recipe: try Recipe.load(path: path), observer: { if case .preparing(let m) = $0 { messages.append(m) } })
    again.overwrite = true
    try again.run()
    #expect(messages == ["data set \(data) is there", "\(data) holds negatives mined with these settings", "\(data) holds the scores of \(teacher)"])
    #expect(try Data(contentsOf: URL(fileURLWithPath: data)) == before)
  }
}
