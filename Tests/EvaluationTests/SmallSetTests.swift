import Evaluation
import Foundation
import TestSupport
import Testing

/// Sets too small to evaluate: correlations of fewer than two values are NaN (not a trap), and
/// STS evaluation sets with fewer than two pairs are refused with the file and the count.
@Suite struct SmallSetTests {
  @Test func correlationsOfFewerThanTwoValuesOrNoVarianceAreNaN() {
    #expect(Correlation.pearson([], []).isNaN)
    #expect(Correlation.pearson([1], [2]).isNaN)
    #expect(Correlation.spearman([1], [2]).isNaN)
    #expect(Correlation.pearson([1, 1, 1], [1, 2, 3]).isNaN)
    #expect(Correlation.spearman([1, 2, 3], [4, 4, 4]).isNaN)
    #expect(Correlation.pearson([1, 2], [2, 4]) == 1)
  }

  @Test func stsEvaluationSetsNeedTwoPairs() throws {
    let dir = Fixtures.temporaryDirectory()
    func write(_ text: String, _ name: String) throws -> String {
      let path = dir.appendingPathComponent(name).path
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      return path
    }
    let header = try write("sentence1\tsentence2\tscore\n", "header.tsv")
    let one = try write("sentence1\tsentence2\tscore\na\tb\t1\n", "one.tsv")
    let three = try write("sentence1\tsentence2\tscore\na\tb\t1\nc\td\t2\ne\tf\t3\n", "three.tsv")
    let e0 = try #require(throws: EvaluationError.self) { try STSPairs.readEvaluationSet(path: header) }
    #expect("\(e0)" == "\(header): 0 sentence pairs; an STS evaluation needs at least 2 (a correlation)")
    let e1 = try #require(throws: EvaluationError.self) { try STSPairs.readEvaluationSet(path: one) }
    #expect("\(e1)" == "\(one): 1 sentence pair; an STS evaluation needs at least 2 (a correlation)")
    let e2 = try #require(throws: EvaluationError.self) { try STSPairs.readEvaluationSet(path: three, limit: 1) }
    #expect("\(e2)" == "\(three): 1 sentence pair (limit 1); an STS evaluation needs at least 2 (a correlation)")
    #expect(try STSPairs.readEvaluationSet(path: three, limit: 2).map(\.first) == ["a", "c"])
    #expect(try STSPairs.readEvaluationSet(path: three).count == 3)
  }

  @Test func retrievalSetsWithoutQueriesOrDocumentsAreRefused() throws {
    let dir = Fixtures.temporaryDirectory()
    func write(_ text: String, _ name: String) throws -> String {
      let path = dir.appendingPathComponent(name).path
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      return path
    }
    let corpus = try write("id\ttext\nd1\tone\n", "corpus.tsv")
    let queries = try write("id\ttext\nq1\twhere\n", "queries.tsv")
    let qrels = try write("query-id\tcorpus-id\nq1\td1\n", "qrels.tsv")
    let emptyJSONL = try write("\n\n", "empty.jsonl")
    let e1 = try #require(throws: EvaluationError.self) { try RetrievalData.read(corpus: emptyJSONL, queries: queries, qrels: qrels) }
    #expect("\(e1)".contains("empty.jsonl") && "\(e1)".contains("no documents"))
    let e2 = try #require(throws: EvaluationError.self) { try RetrievalData.read(corpus: corpus, queries: emptyJSONL, qrels: qrels) }
    #expect("\(e2)".contains("empty.jsonl") && "\(e2)".contains("empty"))
    // a limit of queries takes the first ones; none is refused
    let data = try RetrievalData.read(corpus: corpus, queries: queries, qrels: qrels)
    #expect(try data.limited(toQueries: 1).queryIDs == ["q1"])
    #expect(throws: EvaluationError.self) { try data.limited(toQueries: 0) }
  }
}
