/// Reading the keys of table-like data sources: the `columns` mapping of roles to columns,
/// `on_bad_row`, `score_range`, `where` and `limit`.
extension Recipe.DataFormat {
  /// Formats whose rows have named columns that `columns:` maps (or that are taken by position).
  public var takesColumnMapping: Bool { [.jsonl, .json, .csv, .tsv, .parquet].contains(self) }
  /// Formats read through `RowReader`s, whose bad rows `on_bad_row` decides about.
  public var readsRows: Bool { takesColumnMapping || self == .flagEmbedding || self == .tevatron }
}

extension Recipe {
  /// `columns:` of a jsonl, json, csv or tsv source: role → a column name (or a list of names for
  /// positives and negatives). Roles: query (or anchor), positive(s), negative(s), score, prompt.
  static func parseMapping(_ r: RecipeReader) throws -> ColumnMapping {
    try r.map { m in
      func names(_ keys: [String]) throws -> [String]? {
        let given = keys.compactMap { m.optional($0) }
        guard given.count <= 1 else { throw given[1].fail("give \(keys.joined(separator: " or ")), not both") }
        guard let g = given.first else { return nil }
        if (try? g.list()) != nil {
          let items = try g.list().map { try $0.string() }
          guard !items.isEmpty else { throw g.fail("expected at least one column name") }
          return items
        }
        return [try g.string()]
      }
      guard let query = try names(["query", "anchor"]) else { throw m.reader.fail("columns need the query (or anchor) column") }
      guard query.count == 1 else { throw m.reader.fail("the query is one column", path: m.reader.path + ".query") }
      guard let positives = try names(["positive", "positives"]) else {
        throw m.reader.fail("columns need the positive (or positives) column")
      }
      let negatives = try names(["negative", "negatives"]) ?? []
      let score = try names(["score"])
      let prompt = try names(["prompt"])
      for (role, v) in [("score", score), ("prompt", prompt)] where (v?.count ?? 1) != 1 {
        throw m.reader.fail("\(role) is one column", path: m.reader.path + "." + role)
      }
      if score != nil, positives.count != 1 || !negatives.isEmpty {
        throw m.reader.fail("a scored pair has one query, one positive column and a score, no negatives")
      }
      let all = query + positives + negatives + (score ?? []) + (prompt ?? [])
      if let twice = all.first(where: { name in all.filter { $0 == name }.count > 1 }) {
        throw m.reader.fail("column '\(twice)' is given two roles")
      }
      return ColumnMapping(query: query[0], positives: positives, negatives: negatives, score: score?[0], prompt: prompt?[0])
    }
  }

  /// `score_range: [low, high]`.
  static func parseScoreRange(_ r: RecipeReader) throws -> ClosedRange<Double> {
    let items = try r.list()
    guard items.count == 2 else { throw r.fail("expected [low, high]") }
    let (lo, hi) = (try items[0].double(), try items[1].double())
    guard lo.isFinite, hi.isFinite, lo <= hi else { throw r.fail("expected two finite numbers, low ≤ high") }
    return lo...hi
  }

  /// `where: {column: text, ...}`: only rows whose columns hold these texts.
  static func parseKeep(_ r: RecipeReader) throws -> [String: String] {
    guard case .map(let pairs, _) = r.tree else { throw r.fail("expected a mapping of column: text") }
    var keep: [String: String] = [:]
    try r.map { m in
      for (key, _) in pairs { keep[key] = try m.required(key).string() }
    }
    guard !keep.isEmpty else { throw r.fail("expected at least one column: text") }
    return keep
  }
}
