import Evaluation
import Foundation
import TestSupport
import Testing

/// Reading retrieval and STS sets, and the errors bad files get: file, line and what was expected.
@Suite struct EvaluationDataTests {
  func write(_ text: String, _ name: String, in dir: URL) throws -> String {
    let path = dir.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func readsBEIRStyleFilesAndDropsQueriesWithoutRelevantDocuments() throws {
    let dir = Fixtures.temporaryDirectory()
    let corpus = try write(
      "{\"_id\": \"d1\", \"title\": \"Seoul\", \"text\": \"capital\"}\n\n{\"_id\": 2, \"text\": \"two\"}\n", "corpus.jsonl", in: dir)
    let queries = try write("_id\ttext\nq1\twhere\nq2\twhat\nq3\twho\n", "queries.tsv", in: dir)
    let qrels = try write("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\t2\t2\nq2\t2\t0\nq3\t2\t1\n", "qrels.tsv", in: dir)
    let data = try RetrievalData.read(corpus: corpus, queries: queries, qrels: qrels)
    #expect(data.corpusIDs == ["d1", "2"] && data.corpusTexts == ["Seoul capital", "two"])
    // titles and texts joined and stripped as BEIR does: (title + " " + text).strip(), text.strip()
    let spaced = try write("{\"_id\": \"a\", \"title\": \"\", \"text\": \" x \\n\"}\n{\"_id\": \"b\", \"text\": \"\\ty \"}\n", "spaced.jsonl", in: dir)
    #expect(try RetrievalData.read(corpus: spaced, queries: queries, qrels: try write("query-id\tcorpus-id\nq1\ta\n", "q.tsv", in: dir)).corpusTexts == ["x", "y"])
    #expect(data.queryIDs == ["q1", "q3"] && data.queryTexts == ["where", "who"])  // q2's only qrel has score 0
    #expect(data.relevant == [["d1", "2"], ["2"]])
    // the same qrels as JSON lines (MTEB's layout), ids as strings or integers
    let jsonl = try write(
      "{\"query-id\": \"q1\", \"corpus-id\": \"d1\", \"score\": 1}\n{\"query-id\": \"q1\", \"corpus-id\": 2, \"score\": 2}\n"
        + "{\"query-id\": \"q2\", \"corpus-id\": 2, \"score\": 0}\n\n{\"query-id\": \"q3\", \"corpus-id\": \"2\"}\n", "qrels.jsonl", in: dir)
    let fromJSONL = try RetrievalData.read(corpus: corpus, queries: queries, qrels: jsonl)
    #expect(fromJSONL.queryIDs == data.queryIDs && fromJSONL.relevant == data.relevant)
    let bad = try write("{\"query-id\": \"q1\", \"corpus-id\": \"d1\"}\n{\"query-id\": \"q1\", \"corpus-id\": 1.5}\n", "bad.jsonl", in: dir)
    #expect { try RetrievalData.read(corpus: corpus, queries: queries, qrels: bad) } throws: {
      "\($0)".contains("bad.jsonl:2") && "\($0)".contains("\"corpus-id\", a string or an integer")
    }
    let broken = try write("{\"query-id\": \"q1\", \"corpus-id\": \"d1\"\n", "broken.jsonl", in: dir)
    #expect { try RetrievalData.read(corpus: corpus, queries: queries, qrels: broken) } throws: { "\($0)".contains("broken.jsonl:1: not valid JSON") }
  }

  @Test func badRetrievalFilesGetClearErrors() throws {
    let dir = Fixtures.temporaryDirectory()
    let corpus = try write("id\ttext\nd1\tone\nd2\ttwo\n", "corpus.tsv", in: dir)
    let queries = try write("id\ttext\nq1\twhere\n", "queries.tsv", in: dir)
    func error(_ body: () throws -> Void) -> String {
      do { try body() } catch { return "\(error)" }
      return "no error"
    }
    // qrels naming an unknown document, and an unknown query: file and line
    let unknownDoc = try write("query-id\tcorpus-id\nq1\td1\nq1\td9\n", "qrels1.tsv", in: dir)
    let e1 = error { _ = try RetrievalData.read(corpus: corpus, queries: queries, qrels: unknownDoc) }
    #expect(e1.contains("qrels1.tsv:3") && e1.contains("'d9'") && e1.contains("corpus.tsv"), "\(e1)")
    let unknownQuery = try write("query-id\tcorpus-id\nq7\td1\n", "qrels2.tsv", in: dir)
    let e2 = error { _ = try RetrievalData.read(corpus: corpus, queries: queries, qrels: unknownQuery) }
    #expect(e2.contains("qrels2.tsv:2") && e2.contains("'q7'"), "\(e2)")
    // an empty query set
    let empty = try write("id\ttext\n", "empty.tsv", in: dir)
    let e3 = error { _ = try RetrievalData.read(corpus: corpus, queries: empty, qrels: unknownDoc) }
    #expect(e3.contains("empty.tsv") && e3.contains("empty"), "\(e3)")
    // a TSV row with the wrong number of columns: its line
    let ragged = try write("id\ttext\nd1\tone\nd2\ttwo\textra\n", "ragged.tsv", in: dir)
    let e4 = error { _ = try RetrievalData.read(corpus: ragged, queries: queries, qrels: unknownDoc) }
    #expect(e4.contains("ragged.tsv") && e4.contains("line 3") && e4.contains("3 columns, expected 2"), "\(e4)")
    // a repeated id, a JSONL line that is not an object, qrels without its header
    let repeated = try write("id\ttext\nd1\tone\nd1\tagain\n", "repeated.tsv", in: dir)
    let e5 = error { _ = try RetrievalData.read(corpus: repeated, queries: queries, qrels: unknownDoc) }
    #expect(e5.contains("repeated.tsv:3") && e5.contains("repeats line 2"), "\(e5)")
    let broken = try write("{\"_id\": \"d1\", \"text\": \"x\"}\n[1, 2]\n", "broken.jsonl", in: dir)
    let e6 = error { _ = try RetrievalData.read(corpus: broken, queries: queries, qrels: unknownDoc) }
    #expect(e6.contains("broken.jsonl:2") && e6.contains("JSON object"), "\(e6)")
    let headless = try write("q1\td1\n", "qrels3.tsv", in: dir)
    let e7 = error { _ = try RetrievalData.read(corpus: corpus, queries: queries, qrels: headless) }
    #expect(e7.contains("qrels3.tsv") && e7.contains("no column 'query-id'"), "\(e7)")
    // no query with a relevant document
    let zero = try write("query-id\tcorpus-id\tscore\nq1\td1\t0\n", "qrels4.tsv", in: dir)
    let e8 = error { _ = try RetrievalData.read(corpus: corpus, queries: queries, qrels: zero) }
    #expect(e8.contains("qrels4.tsv") && e8.contains("no query"), "\(e8)")
  }

  @Test func stsScoresThatAreNotNumbersNameTheirLine() throws {
    let dir = Fixtures.temporaryDirectory()
    let sts = try write("genre\tscore\tsentence1\tsentence2\nx\t4.5\ta\tb\n\nx\thigh\tc\td\n", "sts.tsv", in: dir)
    let e = #expect(throws: EvaluationError.self) { try STSPairs.read(path: sts) }
    #expect("\(e!)".contains("sts.tsv:4") && "\(e!)".contains("high"))  // the empty line 3 counts
  }

  @Test func aByteOrderMarkBeforeJSONLinesIsSkipped() throws {
    let dir = Fixtures.temporaryDirectory()
    let corpus = dir.appendingPathComponent("corpus.jsonl")
    try (Data([0xEF, 0xBB, 0xBF]) + Data("{\"_id\": \"d1\", \"text\": \"one\"}\n".utf8)).write(to: corpus)
    let queries = try write("\u{FEFF}id\ttext\nq1\twhere\n", "queries.tsv", in: dir)
    let qrels = try write("\u{FEFF}query-id\tcorpus-id\nq1\td1\n", "qrels.tsv", in: dir)
    let data = try RetrievalData.read(corpus: corpus.path, queries: queries, qrels: qrels)
    #expect(data.corpusIDs == ["d1"] && data.queryIDs == ["q1"])
  }
}
