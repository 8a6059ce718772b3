import Foundation
import Recipes
import TestSupport
import Testing
import TextEncoder
import Tokenization
import Training

/// multilingual-e5-small with `tokenizer.json` (the one exports write) instead of
/// `sentencepiece.bpe.model` trains recipes/tiny.recipe to the same weights, bit for bit, and its
/// checkpoints carry that tokenizer.json.
@Suite(.serialized, .needsRealModel, .needsKorNLU) struct TokenizerJSONBaseTests {
  /// recipes/tiny.recipe on `base`, writing to `output`.
  func tinyRecipe(base: String, output: URL) throws -> Recipe {
    let root = Fixtures.root.path
    let text = try String(contentsOfFile: root + "/recipes/tiny.recipe", encoding: .utf8)
      .replacingOccurrences(of: "base: models/multilingual-e5-small", with: "base: \(base)")
      .replacingOccurrences(of: "output: checkpoints/tiny", with: "output: \(output.path)")
      .replacingOccurrences(of: "path: data/", with: "path: \(root)/data/")
    let path = output.deletingLastPathComponent().appendingPathComponent(output.lastPathComponent + ".recipe")
    try text.write(to: path, atomically: true, encoding: .utf8)
    return try Recipe.load(path: path.path)
  }

  @Test func tokenizerJSONAloneTrainsTheSameWeights() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    // The model directory without its SentencePiece model: links to every other file.
    let base = dir.appendingPathComponent("e5-json")
    let e5 = URL(fileURLWithPath: Fixtures.e5Model)
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    for name in try FileManager.default.contentsOfDirectory(atPath: e5.path) where name != "sentencepiece.bpe.model" {
      try FileManager.default.createSymbolicLink(at: base.appendingPathComponent(name), withDestinationURL: e5.appendingPathComponent(name))
    }
    let spm = try Data(contentsOf: e5.appendingPathComponent("sentencepiece.bpe.model"))
    try TokenizerJSON.xlmRobertaJSON(sentencePieceModel: spm, path: "sentencepiece.bpe.model").write(
      to: base.appendingPathComponent("tokenizer.json"))
    let tokenizer = try Tokenizer.load(directory: base)
    guard case .tokenizerJSON = tokenizer.backend else {
      Issue.record("\(base.path) did not load through tokenizer.json")
      return
    }
    #expect(tokenizer.bos == 0 && tokenizer.eos == 2 && tokenizer.pad == 1 && tokenizer.unk == 3 && tokenizer.maskId == 250_001)

    let withSPM = dir.appendingPathComponent("spm"), withJSON = dir.appendingPathComponent("json")
    try TrainingRun(recipe: try tinyRecipe(base: e5.path, output: withSPM), observer: { _ in }).run()
    try TrainingRun(recipe: try tinyRecipe(base: base.path, output: withJSON), observer: { _ in }).run()
    let checkpoints = try FileManager.default.contentsOfDirectory(atPath: withSPM.appendingPathComponent("checkpoints").path)
      .filter { $0.hasPrefix("step-") }.sorted()
    #expect(!checkpoints.isEmpty)
    for name in checkpoints {
      let a = withSPM.appendingPathComponent("checkpoints/\(name)"), b = withJSON.appendingPathComponent("checkpoints/\(name)")
      let same = try Data(contentsOf: a.appendingPathComponent("model.safetensors")) == Data(contentsOf: b.appendingPathComponent("model.safetensors"))
      #expect(same, "\(name): the weights differ")
      #expect(!FileManager.default.fileExists(atPath: b.appendingPathComponent("sentencepiece.bpe.model").path))
      #expect(try Data(contentsOf: b.appendingPathComponent("tokenizer.json")) == Data(contentsOf: base.appendingPathComponent("tokenizer.json")))
      #expect(try Data(contentsOf: a.appendingPathComponent("tokenizer.json")) == Data(contentsOf: base.appendingPathComponent("tokenizer.json")))
    }
  }
}
