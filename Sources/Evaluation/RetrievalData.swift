import Foundation
import TextFiles

/// A retrieval evaluation set: a corpus and queries (id → text) and, per query, its relevant
/// documents. As in sentence-transformers' InformationRetrievalEvaluator, queries without a
/// relevant document are left out.
public struct RetrievalData: Sendable {
  public var corpusIDs: [String]
  public var corpusTexts: [String]
  public var queryIDs: [String]
  public var queryTexts: [String]
  /// relevant[q]: the ids of query q's relevant documents (never empty).
  public var relevant: [Set<String>]

  public init(corpusIDs: [String], corpusTexts: [String], queryIDs: [String], queryTexts: [String], relevant: [Set<String>]) {
    self.corpusIDs = corpusIDs
    self.corpusTexts = corpusTexts
    self.queryIDs = queryIDs
    self.queryTexts = queryTexts
    self.relevant = relevant
  }

  /// Reads the corpus and queries (JSONL with `_id` or `id`, `text` and an optional `title`
  /// put before the text; or TSV with a header naming columns `_id` or `id`, `text` and
  /// optionally `title`) and the qrels (TSV with a header naming `query-id`, `corpus-id` and
  /// optionally `score`, or JSON lines with those keys; a score of 0 or less is not relevant),
  /// BEIR's layout.
  public static func read(corpus: String, queries: String, qrels: String) throws -> RetrievalData {
    let docs = try readTexts(path: corpus, what: "document")
    let qs = try readTexts(path: queries, what: "query")
    guard !docs.isEmpty else { throw EvaluationError.cannotRead(path: corpus, detail: "the corpus holds no documents") }
    guard !qs.isEmpty else { throw EvaluationError.cannotRead(path: queries, detail: "the query set is empty") }
    let docIDs = Set(docs.map(\.id))
    let queryIndex = Dictionary(qs.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
    var relevant = [Set<String>](repeating: [], count: qs.count)
    for row in try readQrels(path: qrels) {
      let (q, d) = (row.query, row.document)
      guard let qi = queryIndex[q] else {
        throw EvaluationError.badLine(path: qrels, line: row.line, detail: "query id '\(q)' is not in \(queries)")
      }
      guard docIDs.contains(d) else {
        throw EvaluationError.badLine(path: qrels, line: row.line, detail: "corpus id '\(d)' is not in \(corpus)")
      }
      if let v = row.score, v <= 0 { continue }
      relevant[qi].insert(d)
    }
    let kept = qs.indices.filter { !relevant[$0].isEmpty }
    guard !kept.isEmpty else {
      throw EvaluationError.cannotRead(path: qrels, detail: "no query of \(queries) has a relevant document")
    }
    return RetrievalData(
      corpusIDs: docs.map(\.id), corpusTexts: docs.map(\.text), queryIDs: kept.map { qs[$0].id },
      queryTexts: kept.map { qs[$0].text }, relevant: kept.map { relevant[$0] })
  }

  /// Qrels rows: TSV with a header naming `query-id`, `corpus-id` and optionally `score`, or
  /// (a `.jsonl` file, as MTEB's sets ship them) one object a line with those keys, ids strings
  /// or integers and the score a number.
  static func readQrels(path: String) throws -> [(line: Int, query: String, document: String, score: Double?)] {
    guard path.hasSuffix(".jsonl") else {
      return try TextLines.readTSV(path: path, required: ["query-id", "corpus-id"]).map { row in
        let score = try row["score"].map { s -> Double in
          guard let v = Double(s) else { throw EvaluationError.badLine(path: path, line: row.line, detail: "score '\(s)' is not a number") }
          return v
        }
        return (row.line, row["query-id"]!, row["corpus-id"]!, score)
      }
    }
    var reader = try JSONLinesRows(path: path)
    return try reader.all().map { result in
      let row: SourceRow
      switch result {
      case .success(let r): row = r
      case .failure(let bad): throw EvaluationError.badLine(path: path, line: Self.line(bad.place), detail: bad.detail)
      }
      let line = Self.line(row.place)
      func id(_ key: String) throws -> String {
        switch row[key] {
        case .string(let s)?: return s
        case .number(let d)? where d == d.rounded() && abs(d) < 1e15: return String(Int64(d))
        default: throw EvaluationError.badLine(path: path, line: line, detail: "expected \"\(key)\", a string or an integer")
        }
      }
      let score: Double?
      switch row["score"] {
      case nil, .null?: score = nil
      case .number(let d)?: score = d
      default: throw EvaluationError.badLine(path: path, line: line, detail: "\"score\" must be a number")
      }
      return (line, try id("query-id"), try id("corpus-id"), score)
    }
  }

  static func line(_ place: RowPlace) -> Int {
    switch place {
    case .line(let n), .row(let n): n
    }
  }

  /// The first `n` queries (a quick check); fewer than one is refused.
  public func limited(toQueries n: Int) throws -> RetrievalData {
    guard n >= 1 else { throw EvaluationError.tooSmall(path: "retrieval set", detail: "a limit of \(n) queries; it needs at least 1") }
    var data = self
    data.queryIDs = Array(queryIDs.prefix(n))
    data.queryTexts = Array(queryTexts.prefix(n))
    data.relevant = Array(relevant.prefix(n))
    return data
  }

  /// (id, text) records of a JSONL or TSV file; ids must be unique.
  static func readTexts(path: String, what: String) throws -> [(id: String, text: String)] {
    var records: [(id: String, text: String, line: Int)] = []
    if path.hasSuffix(".jsonl") || path.hasSuffix(".json") {
      for (i, line) in try TextLines.read(path: path).enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
        guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
          throw EvaluationError.badLine(path: path, line: i + 1, detail: "not a JSON object")
        }
        let rawID = obj["_id"] ?? obj["id"]
        let id: String
        switch rawID {
        case let s as String: id = s
        case let n as NSNumber: id = n.stringValue
        default: throw EvaluationError.badLine(path: path, line: i + 1, detail: "expected an \"_id\" (or \"id\") string or number")
        }
        guard let text = obj["text"] as? String else {
          throw EvaluationError.badLine(path: path, line: i + 1, detail: "expected a \"text\" string")
        }
        records.append((id, record(title: obj["title"] as? String, text: text, what: what), i + 1))
      }
    } else {
      let lines = try TextLines.read(path: path)
      let header = lines.first?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) ?? []
      let idColumn = header.contains("_id") ? "_id" : "id"
      let rows = try TextLines.parseTSV(lines: lines, path: path, required: [idColumn, "text"])
      records = rows.map { ($0[idColumn]!, record(title: $0["title"], text: $0["text"]!, what: what), $0.line) }
    }
    var seen: [String: Int] = [:]
    for r in records {
      if let first = seen[r.id] {
        throw EvaluationError.badLine(path: path, line: r.line, detail: "\(what) id '\(r.id)' repeats line \(first)")
      }
      seen[r.id] = r.line
    }
    return records.map { ($0.id, $0.text) }
  }

  /// A document's text joined with its title as BEIR does; a query's text as it is (after its
  /// title, if it has one).
  static func record(title: String?, text: String, what: String) -> String {
    if what == "document" { return joined(title: title, text: text) }
    guard let title, !title.isEmpty else { return text }
    return title + " " + text
  }

  /// "title text", stripped, as BEIR embeds a corpus (beir.retrieval.models.SentenceBERT:
  /// `(title + " " + text).strip()`, or `text.strip()` without a title).
  static func joined(title: String?, text: String) -> String {
    (title.map { $0 + " " + text } ?? text).trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
