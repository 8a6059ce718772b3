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
}
