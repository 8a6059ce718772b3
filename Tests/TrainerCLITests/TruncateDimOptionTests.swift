import ArgumentParser
import Evaluation
import Foundation
import SafeTensors
import TestSupport
import TextEncoder
import Testing

@testable import TrainerCLI

/// `--truncate-dim N` of embed and eval: the first N dimensions of each embedding; a model whose
/// config_sentence_transformers.json has truncate_dim is used at it unless the flag says otherwise.
@Suite struct TruncateDimOptionTests {
  @Test func embedAndEvalTakeAPositiveTruncateDim() throws {
    #expect(try parse(["embed", "m", "--input", "a", "-o", "e.npy", "--truncate-dim", "128"], as: EmbedCommand.self).truncateDim == 128)
    #expect(try parse(["embed", "m", "--input", "a", "-o", "e.npy"], as: EmbedCommand.self).truncateDim == nil)
    #expect(try parse(["eval", "m", "--sts", "a.tsv", "--truncate-dim", "64"], as: EvalCommand.self).truncateDim == 64)
    #expect(try parse(["eval", "m", "--sts", "a.tsv"], as: EvalCommand.self).truncateDim == nil)
    #expect(refusal(["embed", "m", "--input", "a", "-o", "e.npy", "--truncate-dim", "0"]).contains("--truncate-dim must be positive"))
    #expect(refusal(["eval", "m", "--sts", "a.tsv", "--truncate-dim=-2"]).contains("--truncate-dim must be positive"))
  }

  /// A random 8-wide model with e5's SentencePiece model, normalized, its config saying `truncateDim`.
  func model(in dir: URL, truncateDim: Int?) throws -> String {
    let vocab = try EncoderConfig.load(path: Fixtures.e5Model + "/config.json").vocabSize
    let config = EncoderConfig(vocabSize: vocab, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 40)
    let encoder = Encoder(config: config)
    encoder.initializeRandom(seed: 5, std: 0.2)
    let path = dir.appendingPathComponent("model-\(truncateDim.map(String.init) ?? "whole")").path
    try ModelDirectoryWriter(layout: .init(pooling: .mean, normalize: true, truncateDim: truncateDim)).write(
      encoder: encoder, sentencePieceModel: try Data(contentsOf: URL(fileURLWithPath: Fixtures.e5Model + "/sentencepiece.bpe.model")), to: path)
    return path
  }

  @Test(.needsRealModel) func embedWritesTheLeadingDimensions() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("in.txt").path
    let texts = ["첫 번째 문장", "a second sentence", "세 번째"]
    try texts.joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)
    let cutModel = try model(in: dir, truncateDim: 6)
    let whole = try SentenceEncoder(directory: cutModel).embed(texts, prefix: "query: ")  // embed itself does not truncate
    #expect(whole.count == 3 * 8)

    func embed(_ extra: [String]) throws -> (shape: [Int], floats: [Float], metadata: [String: String]) {
      let out = dir.appendingPathComponent("e-\(UUID().uuidString).safetensors").path
      // in fp32, as the expected embeddings are computed here
      try parse(["embed", cutModel, "--input", input, "-o", out, "--prompt", "query: ", "--precision", "fp32"] + extra, as: EmbedCommand.self).run()
      let file = try SafeTensorsFile(path: out)
      return (try file.entry("embeddings").shape, try file.floats("embeddings"), file.metadata)
    }
    func leading(_ d: Int) -> [Float] { (0..<3).flatMap { whole[($0 * 8)..<($0 * 8 + d)] } }

    let byConfig = try embed([])
    #expect(byConfig.shape == [3, 6] && byConfig.floats == leading(6))
    #expect(byConfig.metadata["truncate_dim"] == "6" && byConfig.metadata["normalized"] == "false")
    let byFlag = try embed(["--truncate-dim", "3"])
    #expect(byFlag.shape == [3, 3] && byFlag.floats == leading(3) && byFlag.metadata["truncate_dim"] == "3")
    let all = try embed(["--truncate-dim", "8"])
    #expect(all.shape == [3, 8] && all.floats == whole && all.metadata["truncate_dim"] == "none" && all.metadata["normalized"] == "true")
    #expect { try embed(["--truncate-dim", "9"]) } throws: {
      $0 is ValidationError && TrainerCommand.message(for: $0).contains("--truncate-dim 9 is above the width of \(cutModel)'s embeddings (8)")
    }
  }

  @Test(.needsRealModel) func evalScoresTheLeadingDimensions() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let sts = dir.appendingPathComponent("sts.tsv").path
    try """
      sentence1\tsentence2\tscore
      한 남자가 기타를 치고 있다.\t남자가 기타를 연주하고 있다.\t4.8
      여자가 양파를 자르고 있다.\t남자가 피아노를 치고 있다.\t0.4
      아이들이 공원에서 놀고 있다.\t어린이들이 공원에서 뛰어논다.\t4.2
      고양이가 잠을 잔다.\t개가 짖는다.\t1.0
      비가 내리고 있다.\t밖에 비가 온다.\t4.5

      """.write(toFile: sts, atomically: true, encoding: .utf8)
    let whole = try model(in: dir, truncateDim: nil), cut = try model(in: dir, truncateDim: 5)
    func eval(_ m: String, _ extra: [String]) throws -> (dim: Int?, metrics: [String: Double]) {
      let out = dir.appendingPathComponent("r-\(UUID().uuidString).json").path
      try parse(["eval", m, "--sts", sts, "--json", out, "--precision", "fp32"] + extra, as: EvalCommand.self).run()
      let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as! [String: Any]
      let set = (json["sets"] as! [[String: Any]])[0]
      return (json["truncate_dim"] as? Int, set["metrics"] as! [String: Double])
    }
    func expected(_ d: Int?) throws -> [String: Double] {
      let m = try SentenceEncoder(directory: whole)
      var e = Evaluator(encoder: m.encoder, tokenizer: m.tokenizer, pooling: m.pooling, normalize: m.normalize, maxLength: nil, queryPrefix: "", passagePrefix: "")
      e.truncateDim = d
      return Dictionary(uniqueKeysWithValues: try e.sts(STSPairs.readEvaluationSet(path: sts)).map { ($0.name, $0.value) })
    }
    // JSON keeps a double to within its last bit
    func same(_ a: [String: Double], _ b: [String: Double]) -> Bool {
      a.keys.sorted() == b.keys.sorted() && a.allSatisfy { abs($0.value - b[$0.key]!) <= 1e-12 }
    }
    let full = try eval(whole, []), fullExpected = try expected(nil)
    #expect(full.dim == nil && same(full.metrics, fullExpected))
    let flagged = try eval(whole, ["--truncate-dim", "3"]), at3 = try expected(3)
    #expect(flagged.dim == 3 && same(flagged.metrics, at3) && !same(flagged.metrics, full.metrics))
    // the same weights with truncate_dim 5 in their config: evaluated at 5 unless the flag says otherwise
    let byConfig = try eval(cut, []), at5 = try expected(5)
    #expect(byConfig.dim == 5 && same(byConfig.metrics, at5) && !same(at5, at3))
    #expect(same(try eval(cut, ["--truncate-dim", "8"]).metrics, full.metrics))
  }
}
