import Autograd
import Foundation
import Losses
import Recipes
import TestSupport
import Testing
import TextEncoder
import Training

/// The sampler, the schedule, the data readers and the InfoNCE duplicate mask.
@Suite struct TrainingPiecesTests {
  @Test func samplerKeepsDuplicateTextsOutOfABatchAndCoversEveryExampleOnce() {
    // texts repeat across examples: "p0" is both a positive and another example's negative
    var examples: [TrainingExample] = []
    for i in 0..<40 { examples.append(.triplet(query: "q\(i)", positive: "p\(i % 25)", negatives: ["n\(i)"])) }
    examples.append(.triplet(query: "q99", positive: "x", negatives: ["p0", "y"]))
    let batches = BatchSampler.epoch(examples, batchSize: 8, seed: 7)
    #expect(batches.flatMap { $0 }.sorted() == Array(examples.indices))
    for b in batches {
      let texts = b.flatMap { examples[$0].texts }
      #expect(Set(texts).count == texts.count, "a batch repeats a text: \(texts)")
      #expect(b.count <= 8)
    }
    #expect(BatchSampler.epoch(examples, batchSize: 8, seed: 7) == batches)
    #expect(BatchSampler.epoch(examples, batchSize: 8, seed: 8) != batches)
  }

  @Test func perSourceBatchesComeFromOneSourceInProportion() {
    // source 0: 40 pairs, source 1: 12 pairs (indices 40..<52)
    var examples: [TrainingExample] = []
    for i in 0..<52 { examples.append(.triplet(query: "q\(i)", positive: "p\(i)", negatives: [])) }
    let sources = [0..<40, 40..<52]
    let batches = BatchSampler.perSourceEpoch(examples, sources: sources, weights: nil, batchSize: 4, seed: 3)
    #expect(batches.flatMap { $0 }.sorted() == Array(0..<52))  // every example once
    #expect(batches.allSatisfy { b in b.allSatisfy { $0 < 40 } || b.allSatisfy { $0 >= 40 } })
    #expect(batches.filter { $0[0] >= 40 }.count == 3 && batches.count == 13)
    #expect(batches.prefix(5).contains { $0[0] >= 40 } || batches.suffix(8).contains { $0[0] < 40 })  // interleaved, not one source after the other
    #expect(BatchSampler.perSourceEpoch(examples, sources: sources, weights: nil, batchSize: 4, seed: 3) == batches)
    // weights 1 : 1 over 13 batches: the small source is cycled to give its half
    let weighted = BatchSampler.perSourceEpoch(examples, sources: sources, weights: [1, 1], batchSize: 4, seed: 3)
    #expect(weighted.filter { $0[0] >= 40 }.count == 7 && weighted.filter { $0[0] < 40 }.count == 7)
    for b in weighted { #expect(Set(b).count == b.count) }
  }

  @Test func autoMiniBatchFitsTheBudget() throws {
    let c = EncoderConfig(
      vocabSize: 250_037, hiddenSize: 384, numHiddenLayers: 12, numAttentionHeads: 12, intermediateSize: 1536,
      maxPositionEmbeddings: 514)
    let params = 117_506_688
    let n = try #require(try EncoderMemory.miniBatch(.auto(megabytes: 4096), stage: "s", batchTexts: 2048, config: c, parameters: params, maxLength: 64))
    #expect(n > 8 && n < 2048)
    let perText = 2 * EncoderMemory.activationBytes(c, SequenceLayout(lengths: [64]))
    #expect(EncoderMemory.residentBytes(parameters: params) + 512 * 1_048_576 + Double(n) * perText <= 4096 * 1_048_576)
    #expect(try EncoderMemory.miniBatch(.auto(megabytes: 1 << 20), stage: "s", batchTexts: 64, config: c, parameters: params, maxLength: 64) == 64)
    #expect(try EncoderMemory.miniBatch(.texts(16), stage: "s", batchTexts: 64, config: c, parameters: params, maxLength: 64) == 16)
    #expect { try EncoderMemory.miniBatch(.auto(megabytes: 1000), stage: "pre", batchTexts: 64, config: c, parameters: params, maxLength: 64) }
      throws: { "\($0)".contains("stage 'pre'") && "\($0)".contains("memory_budget_mb 1000") }
  }

  @Test func trainerStatesOfEarlierVersionsStillRead() throws {
    let dir = Fixtures.temporaryDirectory()
    let old = dir.appendingPathComponent("old.json")
    try """
    {"batch_in_epoch": 0, "epoch": 0, "evaluations": [{"global_step": 79, "name": "korsts-dev", "spearman": 0.7951, "stage": "kornli"}],
     "global_step": 79, "learning_rate": 0, "optimizer_step": 79, "recipe_hash": "x", "seed": 0, "stage": 0,
     "stage_name": "kornli", "stage_step": 79, "stage_steps": 79}
    """.write(to: old, atomically: true, encoding: .utf8)
    let state = try TrainerState.read(old)
    #expect(state.evaluations[0].main == 0.7951 && state.evaluations[0].mainMetric == "spearman_cosine" && state.best == nil)
    // and the current format round-trips
    let again = dir.appendingPathComponent("new.json")
    try state.jsonData().write(to: again)
    #expect(try TrainerState.read(again) == state)
  }

  @Test func learningRateWarmsUpThenDecaysLinearlyAsTransformers() {
    let lr = LearningRate(peak: 1, schedule: .init(warmupRatio: 0.1, warmupSteps: nil, decay: .linear), totalSteps: 79)
    #expect(lr.warmup == 8)  // ceil(7.9)
    #expect(lr.at(0) == 0 && lr.at(4) == 0.5 && lr.at(8) == 1)
    #expect(abs(lr.at(43) - Float(79 - 43) / Float(79 - 8)) < 1e-7 && lr.at(79) == 0)
    let cosine = LearningRate(peak: 2, schedule: .init(warmupRatio: nil, warmupSteps: 0, decay: .cosine), totalSteps: 10)
    #expect(cosine.at(0) == 2 && abs(cosine.at(5) - 1) < 1e-6)
  }

  @Test func infoNCEMasksDuplicatesOfTheQuerysOwnPositive() {
    // query 1's positive "b" also appears as the hard negative of query 0 (candidate 3)
    let mask = InfoNCE.duplicatePositiveMask(positives: ["a", "b", "c"], candidates: ["a", "b", "c", "b", "d", "e"])
    #expect(mask.enumerated().filter(\.element).map(\.offset) == [1 * 6 + 3])
  }

  @Test func dataFilesAreReadWithLineNumberedErrors() throws {
    let dir = Fixtures.temporaryDirectory()
    let sts = dir.appendingPathComponent("sts.tsv").path
    try "genre\tscore\tsentence1\tsentence2\nx\t4.5\ta\tb\nx\thigh\tc\td\n".write(toFile: sts, atomically: true, encoding: .utf8)
    #expect { try TrainingData.load([.init(format: .stsTSV, paths: [sts])]) } throws: { "\($0)".contains("sts.tsv:3") && "\($0)".contains("high") }
    let jsonl = dir.appendingPathComponent("d.jsonl").path
    try "{\"query\": \"q\", \"positive\": \"p\"}\n{\"sentence1\": \"a\", \"sentence2\": \"b\", \"score\": 2}\n{\"text\": 1}\n"
      .write(toFile: jsonl, atomically: true, encoding: .utf8)
    #expect { try TrainingData.readJSONL(path: jsonl) } throws: { "\($0)".contains("d.jsonl:3") }
    let good = dir.appendingPathComponent("good.jsonl").path
    try "{\"query\": \"q\", \"positive\": \"p\", \"negatives\": [\"n1\", \"n2\"]}\n\n{\"sentence1\": \"a\", \"sentence2\": \"b\", \"score\": 2}\n"
      .write(toFile: good, atomically: true, encoding: .utf8)
    #expect(try TrainingData.readJSONL(path: good) == [.triplet(query: "q", positive: "p", negatives: ["n1", "n2"]), .pair("a", "b", score: 2)])
    let empty = dir.appendingPathComponent("empty.tsv").path
    try "sentence1\tsentence2\tgold_label\n".write(toFile: empty, atomically: true, encoding: .utf8)
    #expect {
      try TrainingData.load([Recipe.DataSource(format: .nliTSV, paths: [empty])])
    } throws: { "\($0)".contains("empty.tsv") && "\($0)".contains("no training examples") }
  }
}

/// Bad input to a run fails before any training, naming the cause.
@Suite struct RunInputTests {
  @Test func aBatchLargerThanTheDataIsRefused() throws {
    let dir = Fixtures.temporaryDirectory()
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("model"), withIntermediateDirectories: true)
    let data = dir.appendingPathComponent("nli.tsv")
    try "sentence1\tsentence2\tgold_label\nA\ta\tentailment\nA\tb\tcontradiction\n".write(to: data, atomically: true, encoding: .utf8)
    let recipe = dir.appendingPathComponent("r.recipe")
    try """
    model: {base: \(dir.path)/model}
    output: \(dir.path)/out
    stages:
      - name: small
        data: [{format: nli_tsv, path: \(data.path)}]
        loss: {kind: infonce}
        batch_size: 8
    """.write(to: recipe, atomically: true, encoding: .utf8)
    let run = TrainingRun(recipe: try Recipe.load(path: recipe.path), observer: { _ in })
    #expect { try run.run() } throws: { "\($0)".contains("batch size 8 is larger than its 1 examples") }
  }

  @Test func aBatchLargerThanASourcesDistinctTextsIsRefused() throws {
    let dir = Fixtures.temporaryDirectory()
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("model"), withIntermediateDirectories: true)
    let big = dir.appendingPathComponent("big.tsv"), small = dir.appendingPathComponent("small.tsv")
    try ("a\tb\n" + (0..<20).map { "x\($0)\ty\($0)" }.joined(separator: "\n") + "\n").write(to: big, atomically: true, encoding: .utf8)
    // 6 pairs but only 3 distinct texts
    try "a\tb\nk\tl\nl\tk\nk\tm\nm\tk\nl\tm\nm\tl\n".write(to: small, atomically: true, encoding: .utf8)
    let recipe = dir.appendingPathComponent("r.recipe")
    try """
    model: {base: \(dir.path)/model}
    output: \(dir.path)/out
    stages:
      - name: pre
        data:
          - {format: pairs_tsv, path: \(big.path), columns: [a, b]}
          - {format: pairs_tsv, path: \(small.path), columns: [a, b]}
        mixing: per_source
        loss: {kind: infonce, hard_negatives: 0}
        batch_size: 4
    """.write(to: recipe, atomically: true, encoding: .utf8)
    let run = TrainingRun(recipe: try Recipe.load(path: recipe.path), observer: { _ in })
    #expect { try run.run() } throws: { "\($0)".contains("batch size 4 is larger than the 3 distinct texts of \(small.path)") }
  }
}
