import Autograd
import Foundation
import Recipes
import TestSupport
import Testing
import TextEncoder
@testable import Training

/// The loop's finite checks (`on_nonfinite`) and its step totals (D17) on a tiny encoder: a
/// non-finite loss stops the run before the update with the last good checkpoint named and no
/// newer one written, or with `skip_batch` skips the batch (counted in metrics.jsonl, resumed
/// exactly); a non-finite gradient names its tensor; huge epoch counts start at once or are
/// refused; `maxSteps` at a checkpoint step writes it once.
@Suite(.serialized, .needsRealModel, .needsKorNLU) struct NonFiniteStepTests {
  /// An InfoNCE stage on `data` (a pairs TSV), after a CoSENT stage of 2 steps when `first`.
  func recipe(_ dir: URL, name: String, data: String, stage: String, first: Bool = false) throws -> Recipe {
    let existing = dir.appendingPathComponent("tiny-model")
    let tiny = FileManager.default.fileExists(atPath: existing.path) ? existing.path : try tinyModel(in: dir).path
    let sts = Fixtures.root.path + "/data/kornlu/KorSTS/sts-train.tsv"
    let text = """
      model: {base: \(tiny), max_length: 12}
      seed: 3
      output: \(dir.appendingPathComponent(name).path)
      stages:
      \(first ? """
        - name: sts
          data: [{format: sts_tsv, path: \(sts)}]
          loss: {kind: cosent}
          batch_size: 2
          steps: 2
      """ : "")
        - name: nli
          data: [{format: pairs_tsv, path: \(data)}]
          batch_size: 2
      \(stage)
      """
    let path = dir.appendingPathComponent(name + ".recipe")
    try text.write(to: path, atomically: true, encoding: .utf8)
    return try Recipe.load(path: path.path)
  }

  /// A pairs TSV of `rows` rows; with `sharing`, every row has the same first text.
  func pairs(_ dir: URL, rows: Int, sharing: Bool = false) throws -> String {
    let path = dir.appendingPathComponent(sharing ? "shared.tsv" : "pairs.tsv").path
    let body = (0..<rows).map { "\(sharing ? "같은 문장" : "문장 \($0)")\t답 \($0)" }.joined(separator: "\n")
    try ("sentence1\tsentence2\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  func metricLines(_ run: URL) throws -> [[String: Any]] {
    try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
      .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
      .filter { $0["loss"] != nil }
  }

  static let nanLoss = "    loss: {kind: infonce}\n    steps: 3"

  /// The recipe with every InfoNCE stage's temperature set to 1e-45, past the recipe reader's
  /// range check: 1 / 1e-45 overflows, every logit is infinite and the loss is NaN (a diverged
  /// step, as a run cannot be told to take one).
  func poisoned(_ recipe: Recipe) -> Recipe {
    var r = recipe
    for i in r.stages.indices {
      if case .infoNCE(_, let symmetric, let hardNegatives) = r.stages[i].loss {
        r.stages[i].loss = .infoNCE(temperature: 1e-45, symmetric: symmetric, hardNegatives: hardNegatives)
      }
    }
    return r
  }

  @Test func aNonFiniteLossStopsWithTheLastGoodCheckpointIntact() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = poisoned(try recipe(dir, name: "stop", data: try pairs(dir, rows: 8), stage: Self.nanLoss, first: true))
    let run = TrainingRun(recipe: r, observer: { _ in })
    let good = run.checkpointsDirectory.appendingPathComponent(Checkpoint.name(globalStep: 2))
    #expect { try run.run() } throws: {
      "\($0)".contains("stage 'nli', step 1: the loss is NaN, not finite; training stopped before the update")
        && "\($0)".contains("The last good checkpoint is \(good.path)")
    }
    #expect(Checkpoint.list(in: run.checkpointsDirectory).map(\.url.lastPathComponent) == [good.lastPathComponent])
  }

  @Test func skipBatchSkipsTheUpdateCountsItAndResumesExactly() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = try pairs(dir, rows: 8)
    let stage = Self.nanLoss + "\n    on_nonfinite: skip_batch\n    checkpoint: {every: 2, keep: 5}"
    let straight = poisoned(try recipe(dir, name: "straight", data: data, stage: stage))
    var events: [String] = []
    try TrainingRun(recipe: straight, observer: { if case .warning(let w) = $0 { events.append(w) } }).run()
    #expect(events.count == 3 && events[0].contains("step 1: the loss is NaN") && events[0].contains("skip_batch"))
    let lines = try metricLines(URL(fileURLWithPath: straight.output))
    #expect(lines.map { $0["skipped_batches"] as? Int } == [1, 2, 3])
    #expect(lines.allSatisfy { $0["skipped"] as? Bool == true && $0["loss"] is NSNull })
    // no update: the weights are the base model's
    func values(_ directory: String) throws -> [Float] {
      let store = try SentenceEncoder(directory: directory).encoder.store
      return store.withSettledValues { Array(UnsafeBufferPointer(start: $0, count: store.count)) }
    }
    #expect(try values(straight.model.base) == values(straight.output + "/model"))
    let resumed = poisoned(try recipe(dir, name: "resumed", data: data, stage: stage))
    try TrainingRun(recipe: resumed, observer: { _ in }).run(maxSteps: 2)
    try TrainingRun(recipe: resumed, observer: { _ in }).run(resume: .latest)
    let state = { (r: Recipe) in
      try TrainerState.read(URL(fileURLWithPath: r.output).appendingPathComponent("checkpoints/step-0000003/trainer_state.json"))
    }
    #expect(try state(straight).skippedBatches == 3 && state(resumed).skippedBatches == 3)
    #expect(try state(straight).optimizerStep == 0)
    #expect(try metricLines(URL(fileURLWithPath: resumed.output)).map { $0["skipped_batches"] as? Int } == [1, 2, 3])
  }

  @Test func aNonFiniteGradientNamesItsTensor() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let store = try SentenceEncoder(directory: try tinyModel(in: dir).path).encoder.store
    store.zeroGrad()
    #expect(TrainingRun.nonFinite(loss: 1, gradientNorm: 2, gradients: store, stage: "s", step: 4, lastCheckpoint: nil) == nil)
    let name = store.views[3].name
    store.denseGradient(name)[5] = .infinity
    let e = TrainingRun.nonFinite(loss: 1, gradientNorm: .infinity, gradients: store, stage: "s", step: 4, lastCheckpoint: "/c/step-0000002")
    #expect("\(e!)" == "stage 's', step 4: the gradient of \(name) is inf at index 5; training stopped before the update. "
      + "The last good checkpoint is /c/step-0000002 (no checkpoint of this step was written)")
  }

  /// 10^8 epochs of examples that share no text: the total is known at once (4 batches an
  /// epoch) and the first step follows; of examples that share a text, the epochs are refused.
  @Test(.timeLimit(.minutes(1))) func hugeEpochCountsStartAtOnceOrAreRefused() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let stage = "    loss: {kind: infonce}\n    epochs: 100000000"
    let r = try recipe(dir, name: "huge", data: try pairs(dir, rows: 7), stage: stage)
    var steps: [Int] = []
    try TrainingRun(recipe: r, observer: { if case .stageStarted(_, _, _, let n, _, _) = $0 { steps.append(n) } }).run(maxSteps: 1)
    #expect(steps == [400_000_000])
    let shared = try recipe(dir, name: "shared", data: try pairs(dir, rows: 7, sharing: true), stage: stage)
    #expect { try TrainingRun(recipe: shared, observer: { _ in }).run(maxSteps: 1) } throws: {
      "\($0)".contains("stage 'nli': stages.0.epochs: 100000000 epochs of 7 examples that share texts")
    }
  }

  /// --max-steps at a checkpoint step: the checkpoint is written (and reported) once.
  @Test func maxStepsAtACheckpointStepWritesItOnce() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try recipe(dir, name: "max", data: try pairs(dir, rows: 8), stage: "    loss: {kind: infonce}\n    steps: 4\n    checkpoint: {every: 2}")
    var written: [String] = []
    try TrainingRun(recipe: r, observer: { if case .checkpoint(let u, _) = $0 { written.append(u.lastPathComponent) } }).run(maxSteps: 2)
    #expect(written == ["step-0000002"])
  }
}
