import Autograd
import Foundation
import Recipes
import SafeTensors
import TestSupport
import Testing
import TextEncoder
import Tokenization
import Training

/// Training a cross-encoder: a bi-encoder base gets a seeded head, binary and listwise stages
/// train it, STS sets are evaluated by the correlation of its logits, and what it writes loads
/// back as a cross-encoder with the same logits.
@Suite(.serialized, .needsRealModel, .needsKorNLU) struct CrossEncoderTrainingTests {
  @Test func binaryThenListwiseStagesTrainAndWriteATransformersCrossEncoder() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let root = Fixtures.root.path
    let text = """
      model: {base: \(Fixtures.e5Model), max_length: 48, cross_encoder: true}
      seed: 2
      output: \(dir.path)/run
      evaluation:
        - {name: sts, path: \(root)/data/kornlu/KorSTS/sts-dev.tsv, limit: 24}
      best: {set: sts}
      stages:
        - name: pairs
          data: [{format: nli_tsv, path: \(root)/data/kornlu/KorNLI/xnli.dev.ko.tsv}, {format: sts_tsv, path: \(root)/data/kornlu/KorSTS/sts-train.tsv}]
          loss: {kind: binary}
          batch_size: 4
          steps: 2
          optimizer: {lr: 1.0e-4}
        - name: lists
          data: [{format: nli_tsv, path: \(root)/data/kornlu/KorNLI/xnli.dev.ko.tsv}]
          loss: {kind: listwise, hard_negatives: 1}
          batch_size: 3
          steps: 2
          optimizer: {lr: 1.0e-4}
      """
    let path = dir.appendingPathComponent("ce.recipe").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let recipe = try Recipe.load(path: path)
    #expect(recipe.evaluation[0].mainMetric == "spearman")
    let evaluations = try TrainingRun(recipe: recipe, observer: { _ in }).run()
    // before training, then after each stage
    #expect(evaluations.map(\.stage) == ["baseline", "pairs", "lists"])
    #expect(evaluations.count == 3 && evaluations.allSatisfy { $0.metrics["spearman"] != nil && $0.metrics["pearson"] != nil })

    // the final model: transformers' layout, and the same logits when loaded again
    let model = dir.appendingPathComponent("run/model")
    let config = try JSONSerialization.jsonObject(with: Data(contentsOf: model.appendingPathComponent("config.json"))) as! [String: Any]
    #expect(config["architectures"] as? [String] == ["XLMRobertaForSequenceClassification"])
    #expect(!FileManager.default.fileExists(atPath: model.appendingPathComponent("modules.json").path))
    let file = try SafeTensorsFile(path: model.appendingPathComponent("model.safetensors").path)
    #expect(file.entries["roberta.encoder.layer.0.attention.self.query.weight"] != nil && file.entries["classifier.out_proj.bias"]?.shape == [1])
    let loaded = try SentenceEncoder(directory: model.path)
    #expect(loaded.config.numLabels == 1)
    let ckpt = try SentenceEncoder(directory: dir.appendingPathComponent("run/checkpoints/step-0000004").path)
    let batch = TokenBatch(sequences: [try loaded.tokenizer.encodePair("고양이가 잔다.", "고양이가 자고 있다.")], config: loaded.config)
    #expect(try loaded.encoder.logits(batch).array == ckpt.encoder.logits(batch).array)
    // the head started from the seed and moved
    let fresh = try SentenceEncoder(directory: Fixtures.e5Model, crossEncoderHeadSeed: 2)
    #expect(try fresh.encoder.logits(batch).array != loaded.encoder.logits(batch).array)
  }

  @Test func listwiseAndBinaryLossesAreThoseOfThePairLogits() throws {
    let model = try SentenceEncoder(directory: Fixtures.e5Model, crossEncoderHeadSeed: 9)
    let examples: [TrainingExample] = [
      .triplet(query: "고양이가 잔다.", positive: "고양이가 자고 있다.", negatives: ["개가 뛴다.", "비가 온다."]),
      .triplet(query: "개가 뛴다.", positive: "강아지가 달린다.", negatives: []),
    ]
    func logit(_ a: String, _ b: String) throws -> Double {
      Double(try model.encoder.logits(TokenBatch(sequences: [model.tokenizer.encodePair(a, b, maxLength: 40)], config: model.config)).array[0])
    }
    let l = [
      [try logit("고양이가 잔다.", "고양이가 자고 있다."), try logit("고양이가 잔다.", "개가 뛴다."), try logit("고양이가 잔다.", "비가 온다.")],
      [try logit("개가 뛴다.", "강아지가 달린다.")],
    ]
    // listwise with 2 negatives: the second query has only its positive
    let listwise = try TrainingStep(model, loss: .listwise(hardNegatives: 2), maxLength: 40, queryPrefix: "q: ", passagePrefix: "p: ")
      .run(examples, dropout: false, seed: 0).loss
    let expected = l.map { row in log(row.reduce(0) { $0 + exp($1) }) - row[0] }.reduce(0, +) / 2
    #expect(abs(Double(listwise) - expected) < 1e-4 * max(1, expected))
    model.encoder.store.zeroGrad()
    let binary = try TrainingStep(model, loss: .binary(maxScore: 5), maxLength: 40, queryPrefix: "q: ", passagePrefix: "p: ")
      .run(examples + [.pair("해가 뜬다.", "아침이 온다.", score: 3.5)], dropout: false, seed: 0).loss
    let flat = l.flatMap { $0 } + [try logit("해가 뜬다.", "아침이 온다.")], labels: [Double] = [1, 0, 0, 1, 0.7]
    let bce = zip(flat, labels).map { x, y in max(x, 0) - x * y + log(1 + exp(-abs(x))) }.reduce(0, +) / 5
    #expect(abs(Double(binary) - bce) < 1e-4 * max(1, bce))
  }
}
