import Foundation
import Recipes
import Testing

@testable import TrainerCLI

/// `trainer data build` reads every text format: FORMAT:PATH with --columns and --on-bad-row.
@Suite struct DataBuildFormatsTests {
  @Test func columnsAndBadRowsApplyToTableSources() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("data-build-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let csv = dir.appendingPathComponent("t.csv").path, tsv = dir.appendingPathComponent("n.tsv").path
    try "a,b,c,d\n".write(toFile: csv, atomically: true, encoding: .utf8)
    try "sentence1\tsentence2\tgold_label\n".write(toFile: tsv, atomically: true, encoding: .utf8)
    let b = try parse(
      ["data", "build", "--model", "m", "--examples", "csv:\(csv)", "--examples", "nli_tsv:\(tsv)", "--columns", "query=b,positive=a,negative=c,negative=d",
       "--on-bad-row", "skip", "--output", "d.h5"], as: DataCommand.Build.self)
    let s = try b.spec("csv:\(csv)")
    #expect(s.mapping == Recipe.ColumnMapping(query: "b", positives: ["a"], negatives: ["c", "d"]) && s.onBadRow == .skip)
    let n = try b.spec("nli_tsv:\(tsv)")
    #expect(n.mapping == nil && n.onBadRow == .error)
    #expect(try parse(["data", "build", "--model", "m", "--examples", "flag_embedding:\(csv)", "--output", "d.h5"], as: DataCommand.Build.self)
      .spec("flag_embedding:\(csv)").format == .flagEmbedding)
    #expect(refusal(["data", "build", "--model", "m", "--examples", "csv:x", "--on-bad-row", "maybe", "--output", "d.h5"]).contains("maybe"))
    #expect { try Recipe.columnsSpec("query=b") } throws: { "\($0)".contains("columns need the positive (or positives) column") }
    #expect { try Recipe.columnsSpec("query") } throws: { "\($0)".contains("expected ROLE=COLUMN") }
    #expect(try Recipe.dataSpec("parquet:\(csv)").format == .parquet)
    #expect { try Recipe.dataSpec("arrow:\(csv)") } throws: { "\($0)".contains("expected one of nli_tsv, sts_tsv, jsonl, json, csv, tsv, parquet, flag_embedding, tevatron, pairs_tsv") }
  }
}
