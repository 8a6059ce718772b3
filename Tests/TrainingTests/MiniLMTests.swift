import Foundation
import Recipes
import SafeTensors
import TestSupport
import Testing
import TextEncoder
import Tokenization
import Training

/// A real BERT, all-MiniLM-L6-v2 (models/all-MiniLM-L6-v2 from tools/setup.sh): embeddings as
/// sentence-transformers gives them (tools/reference/bert_family.py minilm), from its
/// tokenizer.json and from its vocab.txt alone; recipes/tiny.recipe fine-tunes it and writes a
/// BERT directory with the base's tokenizer files. (tools/reference/check_bert.py also loads
/// that export in sentence-transformers.)
@Suite(.serialized, .needsMiniLM) struct MiniLMTests {
  static func minCosine(_ a: [Float], _ b: [Float], width: Int) -> Float {
    stride(from: 0, to: a.count, by: width).map { o in
      var dot: Float = 0, na: Float = 0, nb: Float = 0
      for i in o..<(o + width) {
        dot += a[i] * b[i]
        na += a[i] * a[i]
        nb += b[i] * b[i]
      }
      return dot / (na.squareRoot() * nb.squareRoot())
    }.min() ?? 0
  }

  static func reference() throws -> (texts: [String], embeddings: [Float]) {
    let ref = try SafeTensorsFile(path: Fixtures.path("minilm/embeddings.safetensors"))
    let texts = try JSONSerialization.jsonObject(with: Data((ref.metadata["texts"] ?? "[]").utf8)) as? [String] ?? []
    return (texts, try ref.floats("embeddings"))
  }

  @Test func embedsAsSentenceTransformersFromTokenizerJSONAndFromVocabTxt() throws {
    let (texts, expected) = try Self.reference()
    #expect(texts.count == 24)
    let model = try SentenceEncoder(directory: Fixtures.miniLMModel)
    #expect(model.config.modelType == .bert && model.pooling == .mean && model.normalize)
    let ours = try model.embed(texts)
    let c = Self.minCosine(ours, expected, width: 384)
    #expect(c >= 0.99999, "min cosine \(c)")

    // the same directory without tokenizer.json: vocab.txt with tokenizer_config.json's settings
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let base = URL(fileURLWithPath: Fixtures.miniLMModel)
    for name in try FileManager.default.contentsOfDirectory(atPath: base.path) where name != "tokenizer.json" {
      try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent(name), withDestinationURL: base.appendingPathComponent(name))
    }
    let vocabOnly = try SentenceEncoder(directory: dir.path)
    #expect(vocabOnly.tokenizer.path.hasSuffix("vocab.txt"))
    #expect(try vocabOnly.embed(texts) == ours)
  }

  @Test(.needsKorNLU) func tinyRecipeFineTunesAndExportsABert() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let root = Fixtures.root.path, output = dir.appendingPathComponent("run")
    let text = try String(contentsOfFile: root + "/recipes/tiny.recipe", encoding: .utf8)
      .replacingOccurrences(of: "base: models/multilingual-e5-small", with: "base: \(Fixtures.miniLMModel)")
      .replacingOccurrences(of: "output: checkpoints/tiny", with: "output: \(output.path)")
      .replacingOccurrences(of: "path: data/", with: "path: \(root)/data/")
    let recipePath = dir.appendingPathComponent("tiny.recipe")
    try text.write(to: recipePath, atomically: true, encoding: .utf8)
    try TrainingRun(recipe: try Recipe.load(path: recipePath.path), observer: { _ in }).run()

    let exported = output.appendingPathComponent("model")
    let tuned = try SentenceEncoder(directory: exported.path), base = try SentenceEncoder(directory: Fixtures.miniLMModel)
    #expect(tuned.config.modelType == .bert && tuned.pooling == .mean && tuned.normalize)
    let config = try String(contentsOf: exported.appendingPathComponent("tokenizer_config.json"), encoding: .utf8)
    #expect(config.contains("BertTokenizer") && !config.contains("XLMRoberta"), "\(config)")
    #expect(try Data(contentsOf: exported.appendingPathComponent("vocab.txt")) == Data(contentsOf: URL(fileURLWithPath: Fixtures.miniLMModel + "/vocab.txt")))
    let (texts, _) = try Self.reference()
    // the same tokens; the export's maximum length is the recipe's (32), the base's 256
    #expect(tuned.maxSeqLength == 32 && base.maxSeqLength == 256)
    for t in texts {
      #expect(tuned.tokenizer.pieceIds(t) == base.tokenizer.pieceIds(t))
      #expect(try tuned.tokenizer.encode(t) == base.tokenizer.encode(t, maxLength: 32))
    }
    let moved = Self.minCosine(try tuned.embed(texts), try base.embed(texts), width: 384)
    #expect(moved < 0.999999, "training left the embeddings unchanged")
  }

  /// A vocab.txt-only BERT directory trims (its tokenizer.json was made in memory; trim re-read
  /// the vocab.txt as JSON and failed): the trimmed directory has a vocab.txt of the kept tokens
  /// in id order, loads from it alone with the same tokens piece for piece, embeds bit for bit as
  /// the base, and its tokenizer_config.json's added_tokens_decoder follows the new ids.
  @Test func aVocabTxtDirectoryTrimsAndWritesItsVocabTxt() throws {
    let (texts, _) = try Self.reference()
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let base = URL(fileURLWithPath: Fixtures.miniLMModel), vocabOnly = dir.appendingPathComponent("base")
    try FileManager.default.createDirectory(at: vocabOnly, withIntermediateDirectories: true)
    for name in try FileManager.default.contentsOfDirectory(atPath: base.path)
    where name != "tokenizer.json" && name != "tokenizer_config.json" {
      try FileManager.default.createSymbolicLink(at: vocabOnly.appendingPathComponent(name), withDestinationURL: base.appendingPathComponent(name))
    }
    // tokenizer_config.json as transformers >= 4.34 writes it, with added_tokens_decoder by id
    var config = try JSONSerialization.jsonObject(with: Data(contentsOf: base.appendingPathComponent("tokenizer_config.json"))) as! [String: Any]
    config["added_tokens_decoder"] = ["0": ["content": "[PAD]", "special": true], "100": ["content": "[UNK]", "special": true]]
    try JSONSerialization.data(withJSONObject: config).write(to: vocabOnly.appendingPathComponent("tokenizer_config.json"))
    let model = try SentenceEncoder(directory: vocabOnly.path)
    #expect(model.tokenizer.path.hasSuffix("vocab.txt"))

    let out = dir.appendingPathComponent("trimmed")
    let s = try VocabularyTrim.trim(model: model, texts: Dictionary(uniqueKeysWithValues: texts.map { ($0, 1) }), prompts: [], output: out.path)
    #expect(s.vocabularyAfter < 1_000 && s.vocabularyBefore == 30_522)
    let lines = try String(contentsOf: out.appendingPathComponent("vocab.txt"), encoding: .utf8).split(separator: "\n")
    #expect(lines.count == s.vocabularyAfter && lines.first == "[PAD]")
    let trimmedConfig = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("tokenizer_config.json"))) as! [String: Any]
    let decoder = trimmedConfig["added_tokens_decoder"] as? [String: [String: Any]] ?? [:]
    let unk = lines.firstIndex(of: "[UNK]")
    #expect(decoder.count == 2 && decoder["0"]?["content"] as? String == "[PAD]" && unk != nil && decoder[String(unk ?? -1)]?["content"] as? String == "[UNK]")

    // the trimmed directory without its tokenizer.json: read from the vocab.txt trim wrote
    try FileManager.default.removeItem(at: out.appendingPathComponent("tokenizer.json"))
    let trimmed = try SentenceEncoder(directory: out.path)
    #expect(trimmed.tokenizer.path.hasSuffix("vocab.txt"))
    let baseLines = try String(contentsOf: base.appendingPathComponent("vocab.txt"), encoding: .utf8).split(separator: "\n")
    for t in texts {
      let old = try model.tokenizer.encode(t), new = try trimmed.tokenizer.encode(t)
      #expect(new.map { lines[Int($0)] } == old.map { baseLines[Int($0)] }, "\(t)")
    }
    #expect(try trimmed.embed(texts) == model.embed(texts))
  }
}
