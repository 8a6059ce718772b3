import Evaluation
import Foundation
import TestSupport
import Testing

/// STS and retrieval metrics against sentence-transformers' evaluators run on the same fixed
/// embeddings (tools/reference/eval_metrics.py): ties in gold scores and in similarities,
/// repeated documents, ids whose string order is not their numeric order, queries with several
/// relevant documents and one with none.
@Suite struct MetricsReferenceTests {
  let fixture: [String: Any] = {
    let data = try! Data(contentsOf: URL(fileURLWithPath: Fixtures.path("eval/reference.json")))
    return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
  }()

  func floats(_ rows: Any?) -> [Float] { (rows as! [[Double]]).flatMap { $0.map(Float.init) } }

  @Test func stsMetricsMatchEmbeddingSimilarityEvaluator() {
    let sts = fixture["sts"] as! [String: Any]
    let expected = sts["metrics"] as! [String: Double]
    let got = STSMetrics.compute(
      embeddings1: floats(sts["embeddings1"]), embeddings2: floats(sts["embeddings2"]), dimension: 16,
      gold: sts["scores"] as! [Double])
    #expect(Set(got.map(\.name)) == Set(expected.keys))
    for m in got {
      #expect(abs(m.value - expected[m.name]!) <= 1e-6, "\(m.name): \(m.value) vs \(expected[m.name]!)")
    }
  }

  @Test func retrievalMetricsMatchInformationRetrievalEvaluator() {
    let ir = fixture["retrieval"] as! [String: Any]
    let expected = ir["metrics"] as! [String: Double]
    let corpusIDs = ir["corpus_ids"] as! [String], queryIDs = ir["query_ids"] as! [String]
    let qrels = ir["qrels"] as! [String: [String]]
    let kept = queryIDs.indices.filter { qrels[queryIDs[$0]] != nil }  // the evaluator drops queries without any
    let queries = floats(ir["queries"])
    let keptQueries = kept.flatMap { queries[($0 * 16)..<($0 * 16 + 16)] }
    var names: [String] = []
    for s in [Similarity.cosine, .dot] {
      let ranked = Ranking.top(
        queries: keptQueries, corpus: floats(ir["corpus"]), dimension: 16, corpusIDs: corpusIDs, similarity: s, depth: 100)
      #expect(ranked.allSatisfy { $0.count == 100 })
      let got = RetrievalMetrics.compute(
        rankings: ranked.map { $0.map { corpusIDs[$0] } }, relevant: kept.map { Set(qrels[queryIDs[$0]]!) },
        similarity: s.rawValue)
      for m in got {
        #expect(abs(m.value - expected[m.name]!) <= 1e-6, "\(m.name): \(m.value) vs \(expected[m.name]!)")
      }
      names += got.map(\.name)
      #expect(got.map(\.name) == RetrievalMetrics.names(similarity: s.rawValue))
    }
    #expect(Set(names) == Set(expected.keys))
  }

  @Test func rankingBreaksTiesByIdInStringOrderAndAgreesWithASort() {
    // d10 < d2 < d3 as strings; d2, d3, d10 tie, d1 scores higher, d4 lower
    let ids = ["d3", "d1", "d10", "d4", "d2"]
    let corpus: [Float] = [1, 0, 2, 0, 1, 0, -1, 0, 1, 0]
    let ranked = Ranking.top(queries: [1, 0], corpus: corpus, dimension: 2, corpusIDs: ids, similarity: .dot, depth: 4)
    #expect(ranked[0].map { ids[$0] } == ["d1", "d10", "d2", "d3"])
    // a random corpus with many exact ties, against sorting every document
    var rng = SystemRandomNumberGenerator()
    let n = 500, dim = 12
    let docs = (0..<(n * dim)).map { _ in Float(Int.random(in: -2...2, using: &rng)) * 0.5 }
    let docIDs = (0..<n).map { "doc\($0 * 7 % n)" }
    let qs = (0..<(5 * dim)).map { _ in Float(Int.random(in: -2...2, using: &rng)) }
    let top = Ranking.top(queries: qs, corpus: docs, dimension: dim, corpusIDs: docIDs, similarity: .dot, depth: 50)
    for q in 0..<5 {
      let scores = (0..<n).map { d in (0..<dim).reduce(Float(0)) { $0 + qs[q * dim + $1] * docs[d * dim + $1] } }
      let sorted = (0..<n).sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && docIDs[$0] < docIDs[$1]) }
      #expect(top[q] == Array(sorted.prefix(50)))
    }
  }

  @Test func correlationsOfTiedRanks() {
    // hand-computed: ranks of x = [1, 2.5, 2.5, 4], of y = [1, 2, 3, 4]
    #expect(Correlation.ranks([1, 2, 2, 3]) == [1, 2.5, 2.5, 4])
    let rx = [1, 2.5, 2.5, 4.0], ry = [1, 2, 3, 4.0]
    let num = zip(rx, ry).reduce(0) { $0 + ($1.0 - 2.5) * ($1.1 - 2.5) }
    let den = (rx.reduce(0) { $0 + ($1 - 2.5) * ($1 - 2.5) } * ry.reduce(0) { $0 + ($1 - 2.5) * ($1 - 2.5) }).squareRoot()
    #expect(abs(Correlation.spearman([1, 2, 2, 3], [0.1, 0.2, 0.3, 0.9]) - num / den) < 1e-12)
    #expect(Correlation.spearman([3, 2, 1], [1, 5, 9]) == -1)
    #expect(Correlation.pearson([1, 1, 1], [1, 2, 3]).isNaN)  // as scipy: a constant series has no correlation
  }
}
