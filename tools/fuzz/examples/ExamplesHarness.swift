import Evaluation
import Foundation
import Recipes
import Training

/// The example readers of `trainer run` and `trainer eval`: every text data format of a stage
/// (TrainingData.loadSources: nli_tsv, sts_tsv, jsonl, pairs_tsv with and without min_score; json,
/// csv, tsv by position and by a mapping, flag_embedding with teacher scores, tevatron, with bad
/// rows as errors and skipped),
/// STS evaluation sets (STSPairs) and BEIR retrieval sets (RetrievalData: corpus and queries as
/// JSONL and as TSV, qrels). The input is up to three parts split by NUL bytes: the data file
/// (also the retrieval corpus), the queries, the qrels; a missing part repeats the first.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let parts = Data(bytes: data, count: size).split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false).map { Data($0) }
  let first = parts.first ?? Data()
  let main = FuzzInput.write(first, name: "data.tsv")
  let jsonl = FuzzInput.write(first, name: "data.jsonl")
  let formats: [Recipe.DataSource] = [
    .init(format: .nliTSV, paths: [main]), .init(format: .stsTSV, paths: [main]), .init(format: .jsonl, paths: [jsonl]),
    .init(format: .pairsTSV, paths: [main]), .init(format: .pairsTSV, paths: [main], minScore: 4),
    .init(format: .pairsTSV, paths: [main], columns: ["query", "positive"]),
  ]
  let json = FuzzInput.write(first, name: "data.json"), csv = FuzzInput.write(first, name: "data.csv")
  var tables: [Recipe.DataSource] = [
    .init(format: .json, paths: [json]), .init(format: .csv, paths: [csv]), .init(format: .tsv, paths: [main]),
    .init(format: .flagEmbedding, paths: [jsonl]), .init(format: .tevatron, paths: [jsonl]),
  ]
  var mapped = Recipe.DataSource(format: .jsonl, paths: [jsonl])
  mapped.mapping = .init(query: "q", positives: ["p", "pos"], negatives: ["n"], prompt: "prompt")
  mapped.keep = ["k": "1"]
  var scored = Recipe.DataSource(format: .csv, paths: [csv])
  scored.mapping = .init(query: "a", positives: ["b"], score: "s")
  scored.scoreRange = 0...5
  tables += [mapped, scored]
  for var source in tables {
    for skip in [false, true] {
      source.onBadRow = skip ? .skip : .error
      _ = try? TrainingData.loadSources([source], teacher: source.format == .flagEmbedding)
    }
  }
  for source in formats { _ = try? TrainingData.loadSources([source]) }
  _ = try? STSPairs.read(path: main)
  let queries = parts.count > 1 ? parts[1] : first
  let qrels = FuzzInput.write(parts.count > 2 ? parts[2] : first, name: "qrels.tsv")
  let qrelsJSONL = FuzzInput.write(parts.count > 2 ? parts[2] : first, name: "qrels.jsonl")
  let queriesJSONL = FuzzInput.write(queries, name: "queries.jsonl")
  let queriesTSV = FuzzInput.write(queries, name: "queries.tsv")
  _ = try? RetrievalData.read(corpus: jsonl, queries: queriesJSONL, qrels: qrels)
  _ = try? RetrievalData.read(corpus: jsonl, queries: queriesJSONL, qrels: qrelsJSONL)
  _ = try? RetrievalData.read(corpus: main, queries: queriesTSV, qrels: qrels)
  return 0
}
