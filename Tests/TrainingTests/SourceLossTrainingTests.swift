import Communication
import Foundation
import Recipes
import TestSupport
import Testing
import TextEncoder
@testable import Training

/// Several losses in one stage (`loss:` of a data source, `mixing: per_source`): one source with
/// its own loss trains as the stage with that loss, bit for bit; each batch trains with its
/// source's loss and is logged under the source; GradCache and several ranks give the plain
/// run's losses; a stop and resume in the middle of the stage is bit-exact. On a tiny random
/// encoder, KorNLI dev triplets (InfoNCE) and KorSTS dev pairs (CoSENT).
@Suite(.serialized, .needsRealModel, .needsKorNLU) struct SourceLossTrainingTests {
  /// A recipe of one stage in `dir/name`; `stage` holds the stage's keys after `data`. In fp32
  /// unless told: the expected losses are computed here in fp32.
  static func recipe(
    _ dir: URL, _ name: String, seed: Int = 4, batch: Int = 8, data: String, stage: String, precision: String = "fp32"
  ) throws -> Recipe {
    let model = dir.appendingPathComponent("tiny-model")
    if !FileManager.default.fileExists(atPath: model.path) { _ = try tinyModel(in: dir) }
    let text = """
      model: {base: \(model.path), max_length: 16}
      precision: \(precision)
      seed: \(seed)
      output: \(dir.appendingPathComponent(name).path)
      stages:
        - name: mixed
          data:
      \(data)
          batch_size: \(batch)
          optimizer: {lr: 1.0e-3}
      \(stage)
      """
    let path = dir.appendingPathComponent(name + ".recipe").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return try Recipe.load(path: path)
  }

  static let root = Fixtures.root.path
  static func nli(_ extra: String = "") -> String {
    "      - {format: nli_tsv, path: \(root)/data/kornlu/KorNLI/xnli.dev.ko.tsv, name: KorNLI, limit: 40\(extra)}"
  }
  static func sts(_ extra: String = "") -> String {
    "      - {format: sts_tsv, path: \(root)/data/kornlu/KorSTS/sts-dev.tsv, name: KorSTS, limit: 40\(extra)}"
  }
  /// Both sources with their own losses, batches from one at a time.
  static let mixed = nli(", loss: {kind: infonce, temperature: 0.05}") + "\n" + sts(", loss: {kind: cosent, scale: 20}")

  static func train(_ r: Recipe, ranks: Int = 1, resume: Bool = false, maxSteps: Int? = nil) throws {
    @Sendable func body(_ comm: any Communicator) throws {
      try TrainingRun(recipe: r, communicator: comm, observer: { _ in }).run(resume: resume ? .latest : .none, maxSteps: maxSteps)
    }
    if ranks == 1 { try body(SingleProcess()) } else { _ = try ThreadGroup.run(size: ranks) { try body($0) } }
  }

  static func file(_ r: Recipe, _ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: r.output).appendingPathComponent(path))
  }

  /// metrics.jsonl's step lines.
  static func steps(_ r: Recipe) throws -> [[String: Any]] {
    try String(decoding: file(r, "metrics.jsonl"), as: UTF8.self).split(separator: "\n")
      .compactMap { (try JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
      .filter { $0["loss"] != nil }
  }

  @Test func oneSourceWithItsOwnLossTrainsAsTheStageWithThatLoss() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let own = try Self.recipe(dir, "own", data: Self.nli(", loss: {kind: infonce, temperature: 0.05}"), stage: "    steps: 3")
    let stage = try Self.recipe(dir, "stage", data: Self.nli(), stage: "    steps: 3\n    loss: {kind: infonce, temperature: 0.05}")
    try Self.train(own)
    try Self.train(stage)
    #expect(try Self.file(own, "model/model.safetensors") == Self.file(stage, "model/model.safetensors"))
    #expect(try Self.file(own, "checkpoints/step-0000003/optimizer.safetensors") == Self.file(stage, "checkpoints/step-0000003/optimizer.safetensors"))
    // one source: no per-source keys
    #expect(try Self.steps(own).allSatisfy { $0["source"] == nil })
  }

  /// The first step of runs of several seeds, recomputed with the loss of the source its batch
  /// came from (as the sampler draws it): the logged loss is that source's loss of the batch.
  @Test func eachBatchTrainsWithItsSourcesLossAndIsLoggedUnderIt() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var seen: Set<String> = []
    for seed in 1...8 where seen.count < 2 {
      let r = try Self.recipe(dir, "seed\(seed)", seed: seed, data: Self.mixed, stage: "    steps: 1\n    mixing: per_source")
      try Self.train(r)
      let line = try #require(try Self.steps(r).first)
      let source = try #require(line["source"] as? String)
      let logged = try #require(line["loss"] as? Double)
      #expect(line["loss_\(source)"] as? Double == logged)
      seen.insert(source)

      let stage = r.stages[0]
      let loaded = try TrainingData.loadSources(stage.data)
      let examples = loaded.flatMap { $0 }
      let ranges = [0..<loaded[0].count, loaded[0].count..<examples.count]
      let batch = try #require(BatchSampler.perSourceEpoch(
        examples, sources: ranges, weights: nil, batchSize: 8, seed: Seeds.epoch(run: r.seed, stage: 0, epoch: 0)).first)
      let k = try #require(ranges.firstIndex { $0.contains(batch[0]) })
      #expect(stage.sourceLabels[k] == source)
      let model = try SentenceEncoder(directory: r.model.base)
      let step = TrainingStep(
        encoder: model.encoder, pooling: model.pooling, objective: stage.trainingSource(k).objective,
        texts: TextPreparation(tokenizer: model.tokenizer, maxLength: 16, queryPrefix: "", passagePrefix: ""))
      let expected = try step.run(batch.map { examples[$0] }, dropout: true, seed: Seeds.dropout(run: r.seed, globalStep: 0))
      #expect(Float(logged) == expected.loss, "seed \(seed), \(source): logged \(logged), recomputed \(expected.loss)")
    }
    #expect(seen == ["KorNLI", "KorSTS"], "the first batches of seeds 1 to 8 came only from \(seen)")
  }

  /// GradCache (mini-batches of 3 texts, which CoSENT's pairs go through too) on 2 ranks
  /// against the plain run on one: the same sources in the same order and the same losses, up
  /// to float rounding (the order of sums differs).
  @Test func gradCacheOnTwoRanksGivesThePlainRunsLosses() throws {
    try gradCacheOnTwoRanks(precision: "fp32", tolerance: 1e-5)
  }

  /// The same in bf16, both passes of GradCache in bf16. The products see other row blocks than
  /// the plain run's, so their fp32 sums differ in the last bits, and a bf16 rounding that such
  /// a bit tips moves a value by 2⁻⁹ of itself: the losses agree to 1e-3, not 1e-5.
  @Test(.needsNativeBF16) func gradCacheOnTwoRanksInBF16GivesThePlainRunsLosses() throws {
    try gradCacheOnTwoRanks(precision: "bf16", tolerance: 1e-3)
  }

  func gradCacheOnTwoRanks(precision: String, tolerance: Double) throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let plain = try Self.recipe(
      dir, "plain", data: Self.mixed, stage: "    steps: 6\n    mixing: per_source\n    dropout: false", precision: precision)
    let cached = try Self.recipe(
      dir, "cached", data: Self.mixed, stage: "    steps: 6\n    mixing: per_source\n    dropout: false\n    mini_batch: 3",
      precision: precision)
    try Self.train(plain)
    try Self.train(cached, ranks: 2)
    let a = try Self.steps(plain), b = try Self.steps(cached)
    #expect(a.count == 6 && b.count == 6)
    #expect(a.map { $0["source"] as? String } == b.map { $0["source"] as? String })
    #expect(Set(a.compactMap { $0["source"] as? String }) == ["KorNLI", "KorSTS"])
    for (x, y) in zip(a, b) {
      let lx = try #require(x["loss"] as? Double), ly = try #require(y["loss"] as? Double)
      #expect(abs(lx - ly) <= tolerance * abs(lx), "\(precision) step \(x["step"] ?? "?"): \(lx) plain, \(ly) cached on 2 ranks")
    }
  }

  /// A stop after step 3 of 6 and a resume give the straight run's weights and AdamW moments
  /// bit for bit, on one rank and on two.
  @Test(arguments: [1, 2])
  func stoppingAndResumingMidStageIsBitExact(ranks: Int) throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let keys = "    steps: 6\n    mixing: per_source"
    let straight = try Self.recipe(dir, "straight", data: Self.mixed, stage: keys)
    let pieces = try Self.recipe(dir, "pieces", data: Self.mixed, stage: keys)
    try Self.train(straight, ranks: ranks)
    try Self.train(pieces, ranks: ranks, maxSteps: 3)
    try Self.train(pieces, ranks: ranks, resume: true)
    #expect(Set(try Self.steps(straight).compactMap { $0["source"] as? String }) == ["KorNLI", "KorSTS"])
    #expect(try Self.file(straight, "model/model.safetensors") == Self.file(pieces, "model/model.safetensors"))
    #expect(try Self.file(straight, "checkpoints/step-0000006/optimizer.safetensors")
      == Self.file(pieces, "checkpoints/step-0000006/optimizer.safetensors"))
    #expect(try Self.steps(pieces).map { $0["global_step"] as? Int } == [1, 2, 3, 4, 5, 6])
  }

  /// A distilling source reads its teacher scores and the others need none: a flag_embedding
  /// source with pos_scores and its own KL distillation beside one without scores. Alone, the
  /// distilling source trains as the stage with that loss, bit for bit.
  @Test func onlyADistillingSourceNeedsTeacherScores() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let formats = Fixtures.path("formats")
    let distill = "{kind: infonce, hard_negatives: 2, distill: {kind: kl, temperature: 2, weight: 0.7, infonce_weight: 0.3}}"
    let scored = "      - {format: flag_embedding, path: \(formats)/distill.jsonl, name: Scored, loss: \(distill)}"
    let plain = "      - {format: flag_embedding, path: \(formats)/same.flag.jsonl, name: Plain, loss: {kind: infonce, hard_negatives: 2}}"
    let both = try Self.recipe(dir, "both", batch: 4, data: scored + "\n" + plain, stage: "    steps: 6\n    mixing: per_source")
    try Self.train(both)
    #expect(Set(try Self.steps(both).compactMap { $0["source"] as? String }) == ["Scored", "Plain"])

    let own = try Self.recipe(dir, "own", batch: 4, data: scored, stage: "    steps: 3")
    let stage = try Self.recipe(
      dir, "stage", batch: 4, data: "      - {format: flag_embedding, path: \(formats)/distill.jsonl, name: Scored}",
      stage: "    steps: 3\n    loss: \(distill)")
    try Self.train(own)
    try Self.train(stage)
    #expect(try Self.file(own, "model/model.safetensors") == Self.file(stage, "model/model.safetensors"))
  }

  @Test func aTableSourceWhoseExamplesTheLossCannotReadStopsTheRunNamingIt() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    // a jsonl source of (query, positive) pairs: its kind is known only once read
    let pairs = dir.appendingPathComponent("pairs.jsonl")
    try (0..<20).map { "{\"query\": \"q\($0)\", \"positive\": \"p\($0)\"}" }.joined(separator: "\n").write(to: pairs, atomically: true, encoding: .utf8)
    let data = Self.nli(", loss: {kind: infonce}") + "\n      - {format: jsonl, path: \(pairs.path), name: QA, loss: {kind: cosent}}"
    let r = try Self.recipe(dir, "bad", data: data, stage: "    steps: 2\n    mixing: per_source")
    #expect { try Self.train(r) } throws: {
      "\($0)".contains("stage 'mixed', source 'QA': stages.0.data.1.loss: CoSENT needs scored pairs, and this source's examples are (query, positive) pairs")
    }
  }
}
