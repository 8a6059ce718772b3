import Foundation
import Recipes
import TestSupport
import Testing

/// Table-like data sources in recipes: the columns mapping, on_bad_row, score_range, where and
/// limit, each checked where it is written.
extension RecipeTests {
  func source(_ keys: String) throws -> Recipe.DataSource {
    let path = try write("""
      model: {base: DIR/model}
      output: DIR/out
      stages:
        - data: [{path: DIR/sts.tsv, \(keys)}]
          loss: {kind: infonce}
          batch_size: 1
      """)
    return try Recipe.load(path: path).stages[0].data[0]
  }

  func sourceError(_ keys: String) -> String {
    do { _ = try source(keys) } catch { return "\(error)" }
    return "loaded"
  }

  @Test func columnsMapRolesToColumns() throws {
    let s = try source("format: csv, columns: {anchor: a, positives: [b, c], negative: d, prompt: p}, on_bad_row: skip, limit: 5")
    #expect(s.mapping == Recipe.ColumnMapping(query: "a", positives: ["b", "c"], negatives: ["d"], prompt: "p"))
    #expect(s.onBadRow == .skip && s.limit == 5)
    let scored = try source("format: tsv, columns: {query: a, positive: b, score: s}, score_range: [0, 5], where: {split: train}")
    #expect(scored.mapping?.score == "s" && scored.scoreRange == 0...5 && scored.keep == ["split": "train"])
    #expect(try source("format: flag_embedding").mapping == nil)
    #expect(sourceError("format: csv, columns: {positive: b}").contains("stages.0.data.0.columns: columns need the query (or anchor) column"))
    #expect(sourceError("format: csv, columns: {query: a, anchor: b, positive: c}").contains("give query or anchor, not both"))
    #expect(sourceError("format: csv, columns: {query: a, positive: a}").contains("column 'a' is given two roles"))
    #expect(sourceError("format: csv, columns: {query: a, positive: b, negative: c, score: s}").contains("a scored pair has one query"))
    #expect(sourceError("format: csv, columns: {query: a, positive: b, label: c}").contains("stages.0.data.0.columns.label: unknown key"))
    #expect(sourceError("format: flag_embedding, columns: {query: a, positive: b}").contains("columns apply to pairs_tsv, jsonl, json, csv, tsv and parquet"))
    #expect(sourceError("format: nli_tsv, on_bad_row: skip").contains("on_bad_row applies to jsonl, json, csv, tsv"))
    #expect(sourceError("format: tevatron, where: {a: b}").contains("where applies to jsonl, json, csv, tsv and parquet"))
    #expect(sourceError("format: csv, score_range: [5, 0]").contains("low ≤ high"))
    #expect(sourceError("format: csv, on_bad_row: ignore").contains("on_bad_row"))
    #expect(sourceError("format: csv, limit: 0").contains("limit"))
  }

  @Test func distillTakesFlagEmbeddingSources() throws {
    let path = try write("""
      model: {base: DIR/model}
      output: DIR/out
      stages:
        - data: [{format: flag_embedding, path: DIR/sts.tsv}]
          loss: {kind: infonce, hard_negatives: 1, distill: {kind: kl, temperature: 1}}
          batch_size: 1
      """)
    #expect(try Recipe.load(path: path).stages[0].distill != nil)
    let csv = try write("""
      model: {base: DIR/model}
      output: DIR/out
      stages:
        - data: [{format: csv, path: DIR/sts.tsv}]
          loss: {kind: infonce, hard_negatives: 1, distill: {kind: kl, temperature: 1}}
          batch_size: 1
      """)
    #expect(loadError(csv).contains("distill needs teacher scores, which hdf5 sources (trainer score) and flag_embedding sources"))
  }
}
