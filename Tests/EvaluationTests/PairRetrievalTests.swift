import Evaluation
import Foundation
import TestSupport
import Testing

/// Retrieval sets made from STS and NLI pairs (`sts_retrieval`, `nli_retrieval`).
@Suite struct PairRetrievalTests {
  let nli = [
    NLIPair(premise: "P1", hypothesis: "H1e", label: "entailment"),
    NLIPair(premise: "P1", hypothesis: "H1c", label: "contradiction"),
    NLIPair(premise: "P1", hypothesis: "H1n", label: "neutral"),
    NLIPair(premise: "P2", hypothesis: "H2e", label: "entailment"),
    NLIPair(premise: "P2", hypothesis: "H2f", label: "entailment"),
    NLIPair(premise: "P3", hypothesis: "H3c", label: "contradiction"),
    NLIPair(premise: "P4", hypothesis: "H1e", label: "entailment"),
  ]

  @Test func aPremiseFindsTheHypothesesItEntailsAmongAll() throws {
    let r = try RetrievalData.entailments(nli, direction: .premiseToHypothesis, path: "x")
    #expect(r.corpusTexts == ["H1e", "H1c", "H1n", "H2e", "H2f", "H3c"])
    #expect(r.corpusIDs == ["d1", "d2", "d3", "d4", "d5", "d6"])
    // P3 entails nothing: no query
    #expect(r.queryTexts == ["P1", "P2", "P4"] && r.queryIDs == ["q1", "q2", "q3"])
    #expect(r.relevant == [["d1"], ["d4", "d5"], ["d1"]])
  }

  @Test func anEntailedHypothesisFindsItsPremises() throws {
    let r = try RetrievalData.entailments(nli, direction: .hypothesisToPremise, path: "x")
    #expect(r.corpusTexts == ["P1", "P2", "P3", "P4"])
    #expect(r.queryTexts == ["H1e", "H2e", "H2f"])
    #expect(r.relevant == [["d1", "d4"], ["d2"], ["d2"]])
  }

  @Test func aCloseSTSPairIsAParaphraseToFind() throws {
    let pairs = [
      ScoredPair(first: "a", second: "b", score: 4.5), ScoredPair(first: "c", second: "d", score: 1),
      ScoredPair(first: "a", second: "e", score: 4), ScoredPair(first: "f", second: "f", score: 5),
      ScoredPair(first: "g", second: "a", score: 4.2),
    ]
    let r = try RetrievalData.paraphrases(pairs, minScore: 4, path: "x")
    // queries a and g; a is no document (it is a query), so g has nothing to find and is left out;
    // f = f is not a paraphrase pair
    #expect(r.queryTexts == ["a"] && r.queryIDs == ["q1"])
    #expect(r.corpusTexts == ["b", "c", "d", "e", "f"])
    #expect(r.relevant == [["d1", "d4"]])
    #expect(throws: EvaluationError.self) { try RetrievalData.paraphrases(pairs, minScore: 5, path: "x") }
  }

  @Test func nliFilesAreReadAsTSVOrAJSONArray() throws {
    let dir = Fixtures.temporaryDirectory()
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let tsv = dir.appendingPathComponent("n.tsv"), json = dir.appendingPathComponent("n.json")
    try "sentence1\tsentence2\tgold_label\nP\tH\tentailment\n".write(to: tsv, atomically: true, encoding: .utf8)
    #expect(try NLIPairs.read(path: tsv.path) == [NLIPair(premise: "P", hypothesis: "H", label: "entailment")])
    try #"[{"guid": "g", "premise": "P", "hypothesis": "H", "gold_label": "neutral"}]"#.write(to: json, atomically: true, encoding: .utf8)
    #expect(try NLIPairs.read(path: json.path) == [NLIPair(premise: "P", hypothesis: "H", label: "neutral")])
    for (text, message) in [
      (#"{"premise": "P"}"#, "expected one JSON array"), (#"[{"premise": "P", "hypothesis": 3, "gold_label": "x"}]"#, "item 0: expected a string 'hypothesis'"),
      ("[1]", "item 0: expected an object"), ("[", "not valid JSON"),
    ] {
      try text.write(to: json, atomically: true, encoding: .utf8)
      #expect { try NLIPairs.read(path: json.path) } throws: { "\($0)".contains(message) && "\($0)".contains("n.json") }
    }
  }

  /// KLUE-NLI dev as vendored in data/klue: 1,000 premises, each with one entailed hypothesis
  /// among 3,000.
  @Test func kluesDevSetMakesAThousandQueries() throws {
    let path = Fixtures.root.path + "/data/klue/klue-nli-v1.1_dev.json"
    let r = try RetrievalData.entailments(try NLIPairs.read(path: path), direction: .premiseToHypothesis, path: path)
    #expect(r.queryIDs.count == 1000 && r.corpusIDs.count == 3000 && r.relevant.allSatisfy { $0.count == 1 })
  }
}
