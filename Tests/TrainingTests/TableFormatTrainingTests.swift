import DataSets
import Foundation
import Recipes
import TestSupport
import Testing
import TextEncoder
import Tokenization
import Training

/// The done-point of table-like training data: the same examples as FlagEmbedding JSON lines,
/// sentence-transformers-style JSON lines, a JSON array, CSV and TSV train a tiny model to the
/// same weights, bit for bit; FlagEmbedding's pos_scores / neg_scores distill as the scores of
/// `trainer score` do; several positives per query resume exactly.
@Suite(.serialized, .needsRealModel) struct TableFormatTrainingTests {
  static let formats = Fixtures.path("formats")

  func run(_ dir: URL, _ model: URL, name: String, source: String, distill: String = "", steps: Int = 3, maxSteps: Int? = nil, resume: Bool = false) throws -> Data {
    let text = """
      model: {base: \(model.path), max_length: 24, query_prefix: "query: ", passage_prefix: "passage: "}
      seed: 3
      output: \(dir.path)/\(name)
      stages:
        - name: s
          data: [\(source)]
          loss: {kind: infonce, hard_negatives: 2\(distill)}
          batch_size: 4
          steps: \(steps)
          optimizer: {lr: 1.0e-3}
      """
    let path = dir.appendingPathComponent("\(name).recipe").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    try TrainingRun(recipe: try Recipe.load(path: path), observer: { _ in }).run(resume: resume ? .latest : .none, maxSteps: maxSteps)
    let step = String(format: "step-%07d", maxSteps ?? steps)
    return try Data(contentsOf: dir.appendingPathComponent("\(name)/checkpoints/\(step)/model.safetensors"))
  }

  @Test func theSameExamplesInEveryFormatTrainToTheSameWeights() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try tinyModel(in: dir)
    let f = Self.formats
    let reference = try run(dir, model, name: "flag", source: "{format: flag_embedding, path: \(f)/same.flag.jsonl}")
    for (name, source) in [
      ("st-jsonl", "{format: jsonl, path: \(f)/same.st.jsonl}"), ("csv", "{format: csv, path: \(f)/same.st.csv}"),
      ("tsv", "{format: tsv, path: \(f)/same.st.tsv}"), ("parquet-snappy", "{format: parquet, path: \(f)/same.st.snappy.parquet}"),
      ("parquet-zstd", "{format: parquet, path: \(f)/same.st.zstd.parquet}"), ("parquet-gzip", "{format: parquet, path: \(f)/same.st.gzip.parquet}"),
      ("parquet-lists", "{format: parquet, path: \(f)/same.lists.parquet, columns: {query: query, positives: pos, negatives: neg}}"),
    ] {
      #expect(try run(dir, model, name: name, source: source) == reference, "\(name)")
    }
    // a Parquet column the file lacks is named with the file
    #expect {
      try run(dir, model, name: "parquet-missing", source: "{format: parquet, path: \(f)/same.lists.parquet, columns: {query: question, positive: pos}}")
    } throws: { "\($0)".contains("same.lists.parquet") && "\($0)".contains("question") }
    // a different mapping trains differently (the comparison can fail)
    let other = try run(dir, model, name: "swapped", source: "{format: csv, path: \(f)/same.st.csv, columns: {query: positive, positive: anchor, negatives: [negative_1, negative_2]}}")
    #expect(other != reference)
  }

  @Test func flagEmbeddingScoresDistillAsTrainerScoresDo() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try tinyModel(in: dir)
    let distill = ", distill: {kind: kl, temperature: 2, weight: 0.7, infonce_weight: 0.3}"
    let plain = try run(dir, model, name: "plain", source: "{format: flag_embedding, path: \(Self.formats)/distill.jsonl}")
    let fromFile = try run(dir, model, name: "file", source: "{format: flag_embedding, path: \(Self.formats)/distill.jsonl}", distill: distill)
    #expect(fromFile != plain)
    // the same examples and scores through a data set, as trainer data build and trainer score leave them
    let examples = try JSONSerialization.jsonObject(
      with: Data(contentsOf: URL(fileURLWithPath: Self.formats + "/same-examples.json"))) as! [[String: Any]]
    let triplets = examples.map { TextTriplet(query: $0["query"] as! String, positive: ($0["pos"] as! [String])[0], negatives: $0["neg"] as! [String]) }
    let h5 = dir.appendingPathComponent("d.h5").path
    let tokenizer = try Tokenizer.load(directory: model)
    _ = try DataSetBuilder.build(examples: triplets, tokenizer: tokenizer, sources: ["same"], output: h5)
    let scores = (0..<12).flatMap { i -> [Float] in [Float(0.9 - 0.01 * Double(i)), Float(0.5), Float(0.1 + 0.02 * Double(i))] }
    try DataSetUpdate.apply(to: h5, removing: ["teacher"]) { file in
      try file.write(DataSetLayout.teacherScores, shape: [12, 3], values: scores)
      try file.setAttribute("candidates", "data", on: "teacher")
    }
    let fromDataSet = try run(dir, model, name: "h5", source: "{format: hdf5, path: \(h5), negatives: data}", distill: distill)
    #expect(fromDataSet == fromFile)
  }

  @Test func severalPositivesResumeExactly() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try tinyModel(in: dir)
    let source = "{format: flag_embedding, path: \(Self.formats)/several.jsonl}"
    // 6 queries in batches of 4: two batches an epoch, so 6 steps span three epochs' draws
    let whole = try run(dir, model, name: "whole", source: source, steps: 6)
    _ = try run(dir, model, name: "stopped", source: source, steps: 6, maxSteps: 3)
    let resumed = try run(dir, model, name: "stopped", source: source, steps: 6, resume: true)
    #expect(resumed == whole)
  }
}
