import Foundation
import Recipes
import TextFiles

/// One row to one example: its texts by role, checked (present, texts, not empty), its score
/// (a number in the source's range), its teacher scores; hard negatives equal to a positive
/// are dropped and counted.
extension TableExamples {
  static func example(
    _ row: SourceRow, layout: Layout, source: Recipe.DataSource, teacher: Bool, path: String, report: inout LoadReport
  ) throws -> TrainingExample {
    func bad(_ column: String?, _ reason: BadRowReason, _ detail: String) -> BadRow {
      BadRow(path: path, place: row.place, column: column, reason: reason, detail: detail)
    }
    /// The texts of a cell: a text, a list of texts (or, for tevatron, of passages), none for null.
    func texts(_ column: String, required: Bool, passages: Bool = false) throws -> [String] {
      guard let value = row[column] else {
        if required { throw bad(column, .missingColumn, "the row has no such column (columns: \(row.cells.map(\.column).joined(separator: ", ")))") }
        return []
      }
      let items: [JSONValue]
      switch value {
      case .null: return []
      case .array(let a): items = a
      default: items = [value]
      }
      return try items.map { item in
        let text: String
        switch item {
        case .string(let s): text = s
        case .object where passages:
          guard case .string(let body)? = item["text"] else { throw bad(column, .wrongType, "expected passages {docid, title, text}") }
          let title: String
          switch item["title"] {
          case .string(let t)?: title = t
          case nil, .null?: title = ""
          default: throw bad(column, .wrongType, "a passage's title must be a text")
          }
          text = Self.passage(title: title, text: body)
        default:
          throw bad(column, .wrongType, "expected a text\(passages ? ", passages" : "") or a list of them, found \(item.kind)")
        }
        guard !text.allSatisfy(\.isWhitespace) else { throw bad(column, .emptyText, "empty text") }
        return text
      }
    }
    func numbers(_ column: String, count: Int, what: String) throws -> [Float] {
      guard let value = row[column], case .array(let items) = value else {
        throw bad(column, row[column] == nil ? .missingColumn : .wrongType, "the stage distills: expected a list of \(count) teacher scores, one per \(what)")
      }
      let scores = items.compactMap { item -> Float? in
        guard case .number(let d) = item, d.isFinite else { return nil }
        return Float(d)
      }
      guard scores.count == items.count, scores.count == count else {
        throw bad(column, .wrongType, "expected \(count) finite teacher scores, one per \(what), found \(items.count) values")
      }
      return scores
    }
    /// A prompt: a text, possibly empty (absent or null: none).
    func prompt(_ column: String) throws -> String {
      switch row[column] {
      case nil, .null?: return ""
      case .string(let s)?: return s
      case let v?: throw bad(column, .wrongType, "expected a text as the prompt, found \(v.kind)")
      }
    }
    func one(_ column: String) throws -> String {
      let t = try texts(column, required: true)
      guard t.count == 1 else { throw bad(column, .wrongType, "expected one text, found a list of \(t.count)") }
      return t[0]
    }

    var query: String
    var positives: [String], negatives: [String]
    var positiveScores: [Float]?, negativeScores: [Float]?
    switch layout {
    case .fixedKeys:
      if row["query"] != nil || row["positive"] != nil {
        query = try one("query")
        positives = [try one("positive")]
        negatives = try texts("negative", required: false) + texts("negatives", required: false)
      } else if row["sentence1"] != nil {
        return try pair(row, query: try one("sentence1"), positive: try one("sentence2"), score: "score", source: source, bad: bad)
      } else {
        throw bad(nil, .missingColumn, "expected keys query, positive[, negative(s)] or sentence1, sentence2, score")
      }
    case .mapped(let m):
      query = (try m.prompt.map { try prompt($0) } ?? "") + (try one(m.query))
      if let score = m.score {
        return try pair(row, query: query, positive: try one(m.positives[0]), score: score, source: source, bad: bad)
      }
      positives = try m.positives.flatMap { try texts($0, required: true) }
      negatives = try m.negatives.flatMap { try texts($0, required: false) }
    case .flagEmbedding:
      // `type` (FlagEmbedding's task type) is not used
      query = (try prompt("prompt")) + (try one("query"))
      positives = try texts("pos", required: true)
      negatives = try texts("neg", required: false)
      if teacher {
        positiveScores = try numbers("pos_scores", count: positives.count, what: "positive")
        negativeScores = try numbers("neg_scores", count: negatives.count, what: "negative")
      }
    case .tevatron:
      query = try one("query")
      positives = try texts("positive_passages", required: true, passages: true)
      negatives = try texts("negative_passages", required: false, passages: true)
    }
    guard !positives.isEmpty else { throw bad(nil, .noPositive, "the row has no positive") }
    let positiveSet = Set(positives)
    let kept = negatives.indices.filter { !positiveSet.contains(negatives[$0]) }
    report.droppedNegatives += negatives.count - kept.count
    negatives = kept.map { negatives[$0] }
    negativeScores = negativeScores.map { s in kept.map { s[$0] } }
    if positives.count == 1 && positiveScores == nil {
      return .triplet(query: query, positive: positives[0], negatives: negatives)
    }
    return .group(QueryGroup(
      query: query, positives: positives, negatives: negatives, positiveScores: positiveScores, negativeScores: negativeScores))
  }

  /// A graded pair: the score a number (or a text that is one) in the source's range.
  static func pair(
    _ row: SourceRow, query: String, positive: String, score column: String, source: Recipe.DataSource,
    bad: (String?, BadRowReason, String) -> BadRow
  ) throws -> TrainingExample {
    let score: Double?
    switch row[column] {
    case .number(let d)?: score = d
    case .string(let s)?: score = Double(s.trimmingCharacters(in: .whitespaces))
    case nil: throw bad(column, .missingColumn, "the row has no score")
    default: score = nil
    }
    guard let score, score.isFinite else { throw bad(column, .wrongType, "expected a finite number as the score") }
    if let range = source.scoreRange, !range.contains(score) {
      throw bad(column, .scoreOutOfRange, "score \(score) is outside [\(range.lowerBound), \(range.upperBound)]")
    }
    return .pair(query, positive, score: Float(score))
  }

  /// A passage as tevatron formats it: "title text", each stripped (the text alone without a title).
  static func passage(title: String, text: String) -> String {
    let t = title.trimmingCharacters(in: .whitespacesAndNewlines), b = text.trimmingCharacters(in: .whitespacesAndNewlines)
    return t.isEmpty ? b : t + " " + b
  }
}
