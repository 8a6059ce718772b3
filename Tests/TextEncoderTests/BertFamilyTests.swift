import Autograd
import Foundation
import SafeTensors
import TestSupport
import Testing
import Tokenization

@testable import TextEncoder

/// A klue/roberta-shaped encoder (model_type roberta, BertTokenizer tokenizer.json, one token
/// type) and a BERT cross-encoder with segment ids against transformers
/// (tools/reference/bert_family.py): the tokenizer's ids, the forward pass and every gradient.
@Suite struct BertFamilyTests {
  static func sequences(_ ids: [Int64], _ lengths: [Int64]) -> [[Int32]] {
    var out: [[Int32]] = [], start = 0
    for n in lengths.map({ Int($0) }) {
      out.append(ids[start..<(start + n)].map { Int32($0) })
      start += n
    }
    return out
  }

  /// The texts (or pairs of texts) stored as JSON in the reference's metadata under `key`.
  static func texts(_ ref: SafeTensorsFile, _ key: String) throws -> [[String]] {
    let json = try #require(ref.metadata[key])
    let list = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any])
    return list.map { ($0 as? [String]) ?? [$0 as? String ?? ""] }
  }

  static func model(_ name: String) throws -> (Encoder, Tokenizer, SafeTensorsFile) {
    let dir = URL(fileURLWithPath: Fixtures.path(name))
    let config = try EncoderConfig.load(path: dir.appendingPathComponent("config.json").path)
    let encoder = try Encoder(config: config, weights: SafeTensorsFile(path: dir.appendingPathComponent("model.safetensors").path))
    let tokenizer = try Tokenizer.load(directory: dir, config: config, layout: SentenceTransformersLayout())
    return (encoder, tokenizer, try SafeTensorsFile(path: dir.appendingPathComponent("reference.safetensors").path))
  }

  @Test func robertaTokenizesForwardsAndDifferentiatesAsTransformers() throws {
    let (encoder, tokenizer, ref) = try Self.model("tiny-roberta")
    #expect(encoder.config.modelType == .roberta && encoder.config.typeVocabSize == 1)
    let texts = try Self.texts(ref, "texts").map { $0[0] }
    let expected = Self.sequences(try ref.int64s("ids"), try ref.int64s("lengths"))
    #expect(try texts.map { try tokenizer.encode($0, maxLength: 64) } == expected)
    let batch = TokenBatch(sequences: expected, config: encoder.config)
    #expect(batch.positions.prefix(4) == [2, 3, 4, 5], "position ids start after pad_token_id 1, as RoBERTa's")

    let dh = difference(try encoder.hiddenStates(batch).array, try ref.floats("hidden"))
    #expect(dh.maxAbs <= 1e-5, "hidden states: \(dh)")
    let dm = difference(try encoder.embed(batch, pooling: .mean, normalize: false).array, try ref.floats("mean"))
    #expect(dm.maxAbs <= 1e-5, "mean pooling: \(dm)")
    let dc = difference(try encoder.embed(batch, pooling: .cls, normalize: false).array, try ref.floats("cls"))
    #expect(dc.maxAbs <= 1e-5, "cls pooling: \(dc)")

    let loss = try EncoderGradientTests.infoNCE(encoder, batch)
    let expectedLoss = try ref.floats("loss")[0]
    #expect(abs(loss - expectedLoss) <= 1e-5 * max(1, abs(expectedLoss)), "loss \(loss), PyTorch \(expectedLoss)")
    try EncoderGradientTests.expectEveryTensor(encoder) { view, g in
      let d = difference(g, try ref.floats("grad." + view.name))
      return d.relative <= 1e-4 && d.maxRef > 0 ? nil : "\(view.name): \(d)"
    }
  }

  @Test func robertaPairsFollowTheTemplateAndKeepTokenTypeZero() throws {
    let (encoder, tokenizer, ref) = try Self.model("tiny-roberta")
    let pairs = try Self.texts(ref, "pairs")
    let lengths = try ref.int64s("pair.lengths")
    let ids = Self.sequences(try ref.int64s("pair.ids"), lengths)
    let types = Self.sequences(try ref.int64s("pair.types"), lengths)
    let ours = try pairs.map { try tokenizer.encodePairWithTypes($0[0], $0[1], maxLength: 64) }
    #expect(ours.map(\.ids) == ids, "pair ids as BertTokenizerFast forms them: [CLS] a [SEP] b [SEP]")
    #expect(ours.map(\.typeIds) == types)
    #expect(types.contains { $0.contains(1) }, "the template gives b type 1")
    // one token type: the model sees type 0 everywhere, as klue/roberta needs (KLUE#33)
    let batch = TokenBatch(sequences: ids, types: types, config: encoder.config)
    #expect(batch.types == nil)
    #expect(try encoder.hiddenStates(batch).array == encoder.hiddenStates(TokenBatch(sequences: ids, config: encoder.config)).array)
  }

  @Test func bertCrossEncoderWithSegmentIdsMatchesTransformers() throws {
    let (encoder, tokenizer, ref) = try Self.model("tiny-bert-cross-encoder")
    #expect(encoder.config.modelType == .bert && encoder.config.numLabels == 1)
    let lengths = try ref.int64s("lengths")
    let ids = Self.sequences(try ref.int64s("ids"), lengths)
    let types = Self.sequences(try ref.int64s("types"), lengths)
    let ours = try Self.texts(ref, "pairs").map { try tokenizer.encodePairWithTypes($0[0], $0[1], maxLength: 64) }
    #expect(ours.map(\.ids) == ids)
    #expect(ours.map(\.typeIds) == types)

    let batch = TokenBatch(sequences: ids, types: types, config: encoder.config)
    #expect(batch.types != nil)
    let expected = try ref.floats("logits")
    let plain = difference(try encoder.logits(batch).array, expected)
    #expect(plain.maxAbs <= 1e-5, "logits: \(plain)")
    // without the segment ids the logits differ: the test sees them
    #expect(difference(try encoder.logits(TokenBatch(sequences: ids, config: encoder.config)).array, expected).maxAbs > 1e-3)
    let tape = Tape()
    let logits = try encoder.logits(batch, on: tape, dropout: false)
    #expect(difference(tape.array(logits), expected).maxAbs <= 1e-5)
    try tape.backward(from: logits, seed: try ref.floats("upstream"))
    EncoderGradientTests.expectEveryTensor(encoder) { view, g in
      let key = "grad." + (WeightNames.isHead(view.name) ? view.name : "bert." + view.name)
      guard let r = try? ref.floats(key) else { return "\(view.name): no reference" }
      let d = difference(g, r)
      return d.relative <= 1e-4 && d.maxRef > 0 ? nil : "\(view.name): \(d)"
    }
  }

  @Test func bertCrossEncoderSavesAsBertForSequenceClassification() throws {
    let (encoder, _, ref) = try Self.model("tiny-bert-cross-encoder")
    let path = Fixtures.temporaryDirectory().appendingPathComponent("m.safetensors").path
    try encoder.save(to: path)
    let file = try SafeTensorsFile(path: path)
    #expect(file.entries["bert.pooler.dense.weight"] != nil)
    #expect(file.entries["classifier.weight"]?.shape == [1, 32])
    let again = try Encoder(config: encoder.config, weights: file)
    let lengths = try ref.int64s("lengths")
    let batch = TokenBatch(
      sequences: Self.sequences(try ref.int64s("ids"), lengths), types: Self.sequences(try ref.int64s("types"), lengths),
      config: encoder.config)
    #expect(try again.logits(batch).array == encoder.logits(batch).array)
    #expect(encoder.config.huggingFaceJSON()["architectures"] as? [String] == ["BertForSequenceClassification"])
  }

  @Test func typeIdsOutsideTheTableAreRefused() throws {
    let (encoder, _, _) = try Self.model("tiny-bert-cross-encoder")
    let e = #expect(throws: TextEncoderError.self) {
      try encoder.hiddenStates(TokenBatch(sequences: [[0, 5, 2]], types: [[0, 2, 2]], config: encoder.config))
    }
    #expect("\(e!)".contains("token type id 2"))
  }

  @Test func unknownModelTypesAndMismatchedClassifiersAreRefusedByKey() throws {
    let unknown = try writeConfig { $0["model_type"] = "deberta-v2" }
    let e = #expect(throws: TextEncoderError.self) { try EncoderConfig.load(path: unknown) }
    #expect("\(e!)".contains(unknown) && "\(e!)".contains("model_type") && "\(e!)".contains("deberta-v2"))
    let mismatched = try writeConfig {
      $0["architectures"] = ["BertForSequenceClassification"]
      $0["model_type"] = "roberta"
    }
    let m = #expect(throws: TextEncoderError.self) { try EncoderConfig.load(path: mismatched) }
    #expect("\(m!)".contains("architectures") && "\(m!)".contains("RobertaForSequenceClassification"))
    let roberta = try EncoderConfig.load(path: try writeConfig { $0["model_type"] = "roberta" })
    #expect(roberta.positionId(0) == roberta.padTokenId + 1)
    #expect(roberta.huggingFaceJSON()["architectures"] as? [String] == ["RobertaModel"])
  }

  @Test func maxPoolingIsTheMaximumOfEachColumnOverTheSequence() throws {
    let (encoder, _, ref) = try Self.model("tiny-roberta")
    let batch = TokenBatch(sequences: Self.sequences(try ref.int64s("ids"), try ref.int64s("lengths")), config: encoder.config)
    let hidden = try ref.floats("hidden"), C = encoder.config.hiddenSize
    var expected: [Float] = []
    for s in 0..<batch.count {
      let rows = batch.layout.offsets[s]..<batch.layout.offsets[s + 1]
      expected += (0..<C).map { i in rows.map { hidden[$0 * C + i] }.max()! }
    }
    let d = difference(try encoder.embed(batch, pooling: .max, normalize: false).array, expected)
    #expect(d.maxAbs <= 1e-5, "max pooling: \(d)")
  }

  @Test func poolingModesAreReadAndWrittenAsSentenceTransformersSays() throws {
    let dir = Fixtures.temporaryDirectory()
    let pooling = dir.appendingPathComponent("1_Pooling")
    try FileManager.default.createDirectory(at: pooling, withIntermediateDirectories: true)
    func read(_ json: String) throws -> SentenceTransformersLayout {
      try Data(json.utf8).write(to: pooling.appendingPathComponent("config.json"))
      return try SentenceTransformersLayout.read(directory: dir)
    }
    #expect(try read(#"{"pooling_mode_max_tokens": true, "pooling_mode_mean_tokens": false}"#).pooling == .max)
    #expect(try read(#"{"pooling_mode_cls_token": true}"#).pooling == .cls)
    let two = #expect(throws: TextEncoderError.self) { try read(#"{"pooling_mode_max_tokens": true, "pooling_mode_mean_tokens": true}"#) }
    #expect("\(two!)".contains("1_Pooling/config.json") && "\(two!)".contains("exactly one"))
    let other = #expect(throws: TextEncoderError.self) { try read(#"{"pooling_mode_lasttoken": true}"#) }
    #expect("\(other!)".contains("pooling_mode_lasttoken"))
    // sentence-transformers 6 writes one `pooling_mode` (its legacy keys are then ignored)
    #expect(try read(#"{"embedding_dimension": 8, "pooling_mode": "cls", "include_prompt": true}"#).pooling == .cls)
    #expect(try read(#"{"pooling_mode": ["max"], "pooling_mode_mean_tokens": true}"#).pooling == .max)
    for bad in [#""lasttoken""#, #"["mean", "max"]"#, "3"] {
      let e = #expect(throws: TextEncoderError.self) { try read(#"{"pooling_mode": "# + bad + "}") }
      #expect("\(e!)".contains("1_Pooling/config.json") && "\(e!)".contains("pooling_mode"), "\(bad)")
    }

    let (encoder, _, _) = try Self.model("tiny-roberta")
    let out = dir.appendingPathComponent("written").path
    try ModelDirectoryWriter(layout: SentenceTransformersLayout(pooling: .max)).write(
      encoder: encoder, tokenizer: try TokenizerFiles.read(directory: URL(fileURLWithPath: Fixtures.path("tiny-roberta"))), to: out)
    #expect(try SentenceTransformersLayout.read(directory: URL(fileURLWithPath: out)).pooling == .max)
    // the base's tokenizer files, not XLM-R's
    let config = try String(contentsOfFile: out + "/tokenizer_config.json", encoding: .utf8)
    #expect(config.contains("BertTokenizer") && !config.contains("XLMRoberta"))
    #expect(FileManager.default.fileExists(atPath: out + "/vocab.txt"))
    #expect(try Tokenizer.load(directory: URL(fileURLWithPath: out)).encode("가나다 ABC") == Tokenizer.load(
      directory: URL(fileURLWithPath: Fixtures.path("tiny-roberta"))).encode("가나다 ABC"))
  }

  @Test func aVocabularyFileAloneTokenizesAsTheTokenizerJSON() throws {
    let base = URL(fileURLWithPath: Fixtures.path("tiny-roberta"))
    let dir = Fixtures.temporaryDirectory()
    for name in ["config.json", "vocab.txt", "tokenizer_config.json"] {
      try FileManager.default.copyItem(at: base.appendingPathComponent(name), to: dir.appendingPathComponent(name))
    }
    let vocabOnly = try Tokenizer.load(directory: dir), json = try Tokenizer.load(directory: base)
    #expect(vocabOnly.path.hasSuffix("vocab.txt"))
    let (_, _, ref) = try Self.model("tiny-roberta")
    for pair in try Self.texts(ref, "pairs") {
      #expect(try vocabOnly.encode(pair[0]) == json.encode(pair[0]))
      #expect(try vocabOnly.encodePairWithTypes(pair[0], pair[1]) == json.encodePairWithTypes(pair[0], pair[1]))
    }
    let files = try TokenizerFiles.read(directory: dir)
    #expect(Set(files.files.keys) == ["vocab.txt", "tokenizer_config.json", "tokenizer.json"])
  }
}
