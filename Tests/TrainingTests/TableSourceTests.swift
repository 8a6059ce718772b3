import Foundation
import Losses
import Recipes
import TestSupport
import Testing
import TextFiles
import Training

/// Table-like sources: the same examples from every format (Tests/Fixtures/formats, written by
/// Python), the presets, several positives, teacher scores, and bad rows.
@Suite struct TableSourceTests {
  static let formats = Fixtures.path("formats")

  static func expectedExamples() throws -> [TrainingExample] {
    let data = try Data(contentsOf: URL(fileURLWithPath: formats + "/same-examples.json"))
    let items = try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
    return items.map { .triplet(query: $0["query"] as! String, positive: ($0["pos"] as! [String])[0], negatives: $0["neg"] as! [String]) }
  }

  /// A source of one file.
  static func source(_ format: Recipe.DataFormat, _ file: String) -> Recipe.DataSource {
    .init(format: format, paths: [formats + "/" + file])
  }

  @Test(arguments: [
    (Recipe.DataFormat.flagEmbedding, "same.flag.jsonl"), (.jsonl, "same.st.jsonl"), (.json, "same.st.json"), (.csv, "same.st.csv"),
    (.tsv, "same.st.tsv"),
  ])
  func everyFormatGivesTheSameExamples(format: Recipe.DataFormat, file: String) throws {
    #expect(try TrainingData.load([Self.source(format, file)]) == Self.expectedExamples())
  }

  @Test func columnsMapRolesByName() throws {
    var s = Self.source(.csv, "same.st.csv")
    s.mapping = .init(query: "positive", positives: ["anchor"], negatives: ["negative_2"])
    let e = try TrainingData.load([s])
    let x = try Self.expectedExamples()
    guard case .triplet(let q, let p, let n) = e[3], case .triplet(let q0, let p0, let n0) = x[3] else { Issue.record(); return }
    #expect(q == p0 && p == q0 && n == [n0[1]])
    var j = Self.source(.jsonl, "same.st.jsonl")
    j.mapping = .init(query: "anchor", positives: ["positve"])
    #expect { try TrainingData.load([j]) } throws: {
      "\($0)".contains("same.st.jsonl:1: column 'positve': the row has no such column (columns: anchor, positive, negative_1, negative_2)")
    }
    s.mapping = .init(query: "anchor", positives: ["positve"])
    #expect { try TrainingData.load([s]) } throws: {
      "\($0)".contains("same.st.csv: line 1: the header has no column 'positve' (columns: anchor, positive, negative_1, negative_2)")
    }
  }

  @Test func tevatronPassagesAreFormattedAsTevatronDoes() throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: Self.formats + "/tevatron-texts.json"))
    let expected = try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
    let e = try TrainingData.load([Self.source(.tevatron, "tevatron.jsonl")])
    #expect(e[0] == .triplet(query: "q one", positive: (expected[0]["pos"] as! [String])[0], negatives: expected[0]["neg"] as! [String]))
    #expect(e[1] == .group(QueryGroup(query: "q two", positives: expected[1]["pos"] as! [String], negatives: [])))
  }

  @Test func severalPositivesDrawOnePerEpochAndNeverServeAsNegatives() throws {
    var report = LoadReport()
    let e = try TrainingData.loadSources([Self.source(.flagEmbedding, "several.jsonl")], report: &report)[0]
    // each row's last positive is also listed as a negative: dropped and counted
    #expect(report.droppedNegatives == 6)
    #expect(report.summary == "6 hard negatives equal to a positive of the query dropped")
    #expect(e[0] == .triplet(query: "question 0", positive: "answer 0 a", negatives: ["wrong 0"]))
    guard case .group(let g) = e[2] else { Issue.record("expected a group"); return }
    #expect(g.positives == ["answer 2 a", "answer 2 b", "answer 2 c"] && g.negatives == ["wrong 2"])
    // the draw is a function of the seed: the same seed the same positive, and over seeds every positive
    var drawn = Set<Int>()
    for seed in UInt64(0)..<40 {
      guard case .group(let d) = e[2].drawingPositive(seed: seed), case .group(let again) = e[2].drawingPositive(seed: seed) else {
        Issue.record(); return
      }
      #expect(d.drawn == again.drawn)
      drawn.insert(d.drawn)
    }
    #expect(drawn == [0, 1, 2])
    #expect(e[0].drawingPositive(seed: 7) == e[0])
  }

  @Test func otherPositivesOfAQueryAreMaskedOutOfItsSoftmax() throws {
    // query 0 has positives p0 (drawn) and p1; query 1's positive is p1, and its negative p0b
    var mask = InfoNCE.duplicatePositiveMask(positives: ["p0", "p1"], candidates: ["p0", "p1", "n", "p0b"])
    InfoNCE.maskOtherPositives([["p1", "p0b"], []], candidates: ["p0", "p1", "n", "p0b"], mask: &mask)
    #expect(mask.enumerated().filter(\.element).map(\.offset) == [1, 3])
  }

  @Test func teacherScoresComeFromFlagEmbeddingFilesWhenDistilling() throws {
    let s = Self.source(.flagEmbedding, "distill.jsonl")
    let plain = try TrainingData.load([s])
    #expect(plain == (try Self.expectedExamples()))
    let scored = try TrainingData.loadSources([s], teacher: true)[0]
    guard case .group(let g) = scored[3] else { Issue.record("expected a group"); return }
    #expect(g.positiveScores == [Float(0.9 - 0.03)] && g.negativeScores == [0.5, Float(0.1 + 0.06)])
    #expect(try TrainingData.load([Self.source(.flagEmbedding, "same.flag.jsonl")]).count == 12)
    #expect { try TrainingData.loadSources([Self.source(.flagEmbedding, "same.flag.jsonl")], teacher: true) } throws: {
      "\($0)".contains("same.flag.jsonl:1: column 'pos_scores': the stage distills")
    }
  }

  @Test func badRowsAreErrorsOrSkippedAndCounted() throws {
    let dir = Fixtures.temporaryDirectory()
    let path = dir.appendingPathComponent("bad.jsonl").path
    var bytes = Array("""
      {"q": "a", "p": "b", "s": 1}
      {"q": "", "p": "b", "s": 1}
      {"q": "c", "s": 2}
      {"q": "d", "p": "e", "s": 9}
      {"q": "f", "p": "g", "s": 1
      {"q": "h", "p": [1], "s": 1}
      {"q": "i", "p": "j", "s": 2}

      """.utf8)
    bytes += Array("{\"q\": \"x\", \"p\": \"".utf8) + [0xFE] + Array("\", \"s\": 1}\n".utf8)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    var s = Recipe.DataSource(format: .jsonl, paths: [path])
    s.mapping = .init(query: "q", positives: ["p"], score: "s")
    s.scoreRange = 0...5
    #expect { try TrainingData.load([s]) } throws: { "\($0)" == "\(path):2: column 'q': empty text" }
    s.onBadRow = .skip
    var report = LoadReport()
    let e = try TrainingData.loadSources([s], report: &report)[0]
    #expect(e == [.pair("a", "b", score: 1), .pair("i", "j", score: 2)])
    #expect(report.skipped == [.emptyText: 1, .missingColumn: 1, .scoreOutOfRange: 1, .malformed: 1, .wrongType: 1, .notUTF8: 1])
    #expect(report.firstSkipped[.scoreOutOfRange] == "\(path):4: column 's': score 9.0 is outside [0.0, 5.0]")
    #expect(report.summary?.hasPrefix("skipped 6 bad rows (1 malformed row, 1 not UTF-8, 1 missing column") == true)
  }

  @Test func sentenceTransformersPositionsAndWhereFilters() throws {
    let dir = Fixtures.temporaryDirectory()
    let path = dir.appendingPathComponent("p.csv").path
    try "sentence_a,sentence_b,label\nx,y,0.5\nu,v,1\n".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try TrainingData.load([.init(format: .csv, paths: [path])]) == [.pair("x", "y", score: 0.5), .pair("u", "v", score: 1)])
    let nli = dir.appendingPathComponent("nli.json").path
    try #"[{"premise": "a", "hypothesis": "b", "gold_label": "entailment"}, {"premise": "a", "hypothesis": "c", "gold_label": "neutral"}]"#
      .write(toFile: nli, atomically: true, encoding: .utf8)
    var s = Recipe.DataSource(format: .json, paths: [nli])
    s.mapping = .init(query: "premise", positives: ["hypothesis"])
    s.keep = ["gold_label": "entailment"]
    var report = LoadReport()
    #expect(try TrainingData.loadSources([s], report: &report)[0] == [.triplet(query: "a", positive: "b", negatives: [])])
    #expect(report.filtered == 1)
    s.limit = 1
    s.keep = [:]
    #expect(try TrainingData.load([s]).count == 1)
  }

  @Test(.needsKorNLU)
  func klueNLIReadsThroughTheJSONReader() throws {
    let root = Fixtures.root.path
    let text = try String(contentsOfFile: root + "/recipes/klue-nli.recipe", encoding: .utf8)
      .replacingOccurrences(of: "data/", with: root + "/data/")
      .replacingOccurrences(of: "models/", with: root + "/models/")
    let path = Fixtures.temporaryDirectory().appendingPathComponent("klue.recipe").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let recipe = try Recipe.load(path: path)
    let e = try TrainingData.load(recipe.stages[0].data.filter { $0.format == .json })
    #expect(e.count == 1000)
    #expect(e.allSatisfy { if case .triplet = $0 { true } else { false } })
  }
}
