import Evaluation
import Foundation
import Recipes
import TestSupport
import Testing
@testable import Training

/// One run per output directory, and what a run leaves there: NaN metrics written as null, a
/// lock, a fresh run refused in a run directory, checkpoints checked (checksums, state ranges)
/// on resume and a damaged one named, leftovers of interrupted runs removed. A tiny random
/// encoder with multilingual-e5-small's tokenizer keeps every run to a few seconds.
@Suite(.serialized, .needsRealModel, .needsKorNLU) struct RunDirectoryTests {
  /// Three InfoNCE steps of batch 2 on KorNLI dev, a checkpoint after each; `sts` is an STS set
  /// evaluated at the end of the stage (and the best metric's).
  static func recipe(_ dir: URL, output: String? = nil, sts: String? = nil, epochs: Bool = false) throws -> Recipe {
    let model = try tinyModel(in: dir)
    let root = Fixtures.root.path
    var text = """
      model: {base: \(model.path), max_length: 16}
      seed: 2
      output: "\(output ?? dir.appendingPathComponent("run").path)"

      """
    if let sts {
      text += """
        evaluation:
          - {name: flat, path: \(sts)}
        best: {set: flat, metric: spearman_cosine}

        """
    }
    text += """
      stages:
        - name: nli
          data: [{format: nli_tsv, path: \(root)/data/kornlu/KorNLI/xnli.dev.ko.tsv}]
          loss: {kind: infonce}
          batch_size: 2
          \(epochs ? "epochs: 1" : "steps: 3")
          optimizer: {lr: 1.0e-3}
          checkpoint: {every: 1, keep: 10}
      """
    let path = dir.appendingPathComponent("run.recipe").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return try Recipe.load(path: path)
  }

  static func train(_ r: Recipe, resume: TrainingRun.Resume = .none, maxSteps: Int? = nil, events: ((TrainingRun.Event) -> Void)? = nil) throws {
    try TrainingRun(recipe: r, observer: { events?($0) }).run(resume: resume, maxSteps: maxSteps)
  }

  static func checkpoint(_ r: Recipe, step: Int) -> URL {
    URL(fileURLWithPath: r.output).appendingPathComponent("checkpoints/\(Checkpoint.name(globalStep: step))")
  }

  // MARK: D2

  /// An STS set whose scores are all equal has no Spearman (NaN): the run ends, its state,
  /// metrics and card hold null / "–", and a resume reads the state back.
  @Test func aNaNEvaluationMetricIsWrittenAsNullAndReadBack() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let sts = dir.appendingPathComponent("flat.tsv")
    try "sentence1\tsentence2\tscore\n한 남자가 걷는다.\t남자가 걷고 있다.\t3\n아이가 논다.\t개가 짖는다.\t3\n해가 뜬다.\t비가 온다.\t3\n"
      .write(to: sts, atomically: true, encoding: .utf8)
    let r = try Self.recipe(dir, sts: sts.path)
    try Self.train(r)
    let last = Self.checkpoint(r, step: 3)
    let text = try String(contentsOf: last.appendingPathComponent("trainer_state.json"), encoding: .utf8)
    #expect(text.contains("\"value\" : null"))
    let state = try TrainerState.read(last.appendingPathComponent("trainer_state.json"))
    #expect(state.evaluations.first?.metrics["spearman_cosine"]?.isNaN == true)
    #expect(state.best == nil, "a NaN metric is never the best")
    let metrics = try String(contentsOf: URL(fileURLWithPath: r.output).appendingPathComponent("metrics.jsonl"), encoding: .utf8)
    #expect(metrics.contains("\"spearman_cosine\":null"))
    #expect(try String(contentsOf: last.appendingPathComponent("README.md"), encoding: .utf8).contains("| flat | nli | 3 | spearman_cosine | – |"))
    try Self.train(r, resume: .checkpoint(Self.checkpoint(r, step: 2)))
  }

  /// An infinite learning rate or a NaN loss in a step's line of metrics.jsonl is null.
  @Test func nonFiniteStepNumbersAreWrittenAsNull() throws {
    let m = TrainingRun.StepMetrics(
      stage: "s", step: 1, stageSteps: 2, globalStep: 1, epoch: 0, loss: .nan, gradNorm: 1, lr: .infinity, accuracy: nil,
      positiveSimilarity: nil, hardestNegativeSimilarity: nil, tokens: 3, tokensPerSecond: 1, seconds: 1, communicationSeconds: nil)
    let e = JSONEncoder()
    e.keyEncodingStrategy = .convertToSnakeCase
    e.outputFormatting = [.sortedKeys]
    let line = String(decoding: try e.encode(m), as: UTF8.self)
    #expect(line.contains("\"loss\":null") && line.contains("\"lr\":null"))
    var state = TrainerState(
      stage: 0, stageName: "s", stageStep: 1, stageSteps: 2, globalStep: 1, epoch: 0, batchInEpoch: 1, optimizerStep: 1,
      learningRate: .infinity, seed: 0, recipeHash: "x", evaluations: [], lastLoss: .nan)
    state.evaluations = [.init(name: "e", stage: "s", globalStep: 1, mainMetric: "m", metrics: [Metric("m", .nan)], seconds: 1)]
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("trainer_state.json")
    try state.jsonData().write(to: url)
    let back = try TrainerState.read(url)
    #expect(back.learningRate.isNaN && back.lastLoss?.isNaN == true && back.evaluations[0].metrics["m"]?.isNaN == true)
  }

  // MARK: D10

  /// A lock held by another process (here: an open file description of this one with the
  /// holder's lines) refuses the run, naming the holder; a stale lock is taken over with a
  /// warning; the lock file is gone after the run.
  @Test func aSecondRunOnTheSameOutputIsRefusedAndAStaleLockTakenOver() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try Self.recipe(dir)
    let out = URL(fileURLWithPath: r.output), lock = out.appendingPathComponent(".lock")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    var host = [CChar](repeating: 0, count: 256)
    gethostname(&host, 255)
    let fd = open(lock.path, O_RDWR | O_CREAT, 0o644)
    #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
    let lines = "pid 4242\nhost \(String(cString: host))\nsince 2025-01-02T03:04:05Z\n"
    _ = lines.withCString { write(fd, $0, strlen($0)) }
    #expect { try Self.train(r) } throws: {
      "\($0)".contains("in use by another trainer run (pid 4242 on \(String(cString: host)), since 2025-01-02T03:04:05Z)")
    }
    close(fd)  // the holder dies: its lock is stale
    var warnings: [String] = []
    try Self.train(r, maxSteps: 1) { if case .warning(let w) = $0 { warnings.append(w) } }
    #expect(warnings.contains { $0.contains("taking over the lock") && $0.contains("pid 4242") })
    #expect(!FileManager.default.fileExists(atPath: lock.path), "the lock is released at the end")
    #expect { try Self.train(r, resume: .checkpoint(out.appendingPathComponent("nothing"))) } throws: { _ in true }
    #expect(!FileManager.default.fileExists(atPath: lock.path), "the lock is released on an error")
  }

  // MARK: D11

  /// A fresh run into a directory holding a run is refused and leaves it as it was; an empty
  /// output is refused (it would be the current directory).
  @Test func aFreshRunIntoARunDirectoryAndAnEmptyOutputAreRefused() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try Self.recipe(dir)
    try Self.train(r, maxSteps: 2)
    let metrics = URL(fileURLWithPath: r.output).appendingPathComponent("metrics.jsonl")
    let before = try Data(contentsOf: metrics)
    #expect { try Self.train(r) } throws: { "\($0)".contains("already holds a run") && "\($0)".contains("--overwrite") }
    #expect(try Data(contentsOf: metrics) == before)
    try Self.train(r, resume: .latest)
    let empty = try Recipe.loadForTraining(path: r.file, overrides: ["output="])
    #expect { try Self.train(empty) } throws: { "\($0)".contains("output is empty") }
  }

  // MARK: D14

  /// Flipped bytes in a checkpoint's weights or optimizer moments stop `--resume`, naming the
  /// file and the checkpoint before it.
  @Test(arguments: ["model.safetensors", "optimizer.safetensors"])
  func aDamagedCheckpointFileIsFoundOnResume(file: String) throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try Self.recipe(dir)
    try Self.train(r, maxSteps: 2)
    let url = Self.checkpoint(r, step: 2).appendingPathComponent(file)
    let h = try FileHandle(forUpdating: url)
    let size = try h.seekToEnd()
    try h.seek(toOffset: size / 2)
    let bytes = try h.read(upToCount: 8)!
    try h.seek(toOffset: size / 2)
    try h.write(contentsOf: Data(bytes.map { ~$0 }))
    try h.close()
    #expect { try Self.train(r, resume: .latest) } throws: {
      "\($0)".contains("step-0000002 is damaged (\(file) does not match its checksum")
        && "\($0)".contains("trainer resume \(Self.checkpoint(r, step: 1).path)")
    }
  }

  /// trainer_state.json values out of range for the recipe are refused, naming the file and key.
  @Test(arguments: [
    ("stage", "-1"), ("stage", "99"), ("stage_step", "-1"), ("batch_in_epoch", "-1"), ("batch_in_epoch", "100000000"),
    ("stage_steps", "7"), ("epoch", "-3"), ("global_step", "-5"),
  ])
  func outOfRangeStateValuesAreRefused(key: String, value: String) throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try Self.recipe(dir, epochs: key == "batch_in_epoch")
    try Self.train(r, maxSteps: 1)
    let stateURL = Self.checkpoint(r, step: 1).appendingPathComponent("trainer_state.json")
    var object = try JSONSerialization.jsonObject(with: Data(contentsOf: stateURL)) as! [String: Any]
    object[key] = Int(value)!
    try JSONSerialization.data(withJSONObject: object).write(to: stateURL)
    #expect { try Self.train(r, resume: .checkpoint(Self.checkpoint(r, step: 1))) } throws: {
      "\($0)".contains("trainer_state.json: \(key): \(value)")
    }
  }

  // MARK: D15

  /// A newest checkpoint whose trainer_state.json is damaged is named, with why, and the one
  /// before it offered; the run does not fall back to it by itself.
  @Test func aDamagedStateIsReportedWithThePreviousCheckpoint() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try Self.recipe(dir)
    try Self.train(r, maxSteps: 2)
    let state = Self.checkpoint(r, step: 2).appendingPathComponent("trainer_state.json")
    try Data(try Data(contentsOf: state).prefix(40)).write(to: state)
    #expect { try Self.train(r, resume: .latest) } throws: {
      "\($0)".contains("checkpoint \(Self.checkpoint(r, step: 2).path) is damaged (trainer_state.json: not a trainer state")
        && "\($0)".contains("trainer resume \(Self.checkpoint(r, step: 1).path) --recipe \(r.file)")
    }
    try Data("{}".utf8).write(to: Self.checkpoint(r, step: 1).appendingPathComponent("trainer_state.json"))
    #expect { try Self.train(r, resume: .latest) } throws: { "\($0)".contains("there is no earlier checkpoint") }
  }

  // MARK: D16

  /// A half-written checkpoint and a half-written model/ of killed runs are removed at start.
  @Test func leftoversOfInterruptedRunsAreRemovedAtStart() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try Self.recipe(dir)
    try Self.train(r, maxSteps: 1)
    let out = URL(fileURLWithPath: r.output)
    let partial = out.appendingPathComponent("checkpoints/.step-0000009.partial"), tmp = out.appendingPathComponent(".model.tmp-99999")
    for d in [partial, tmp] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
    try Data(count: 1000).write(to: tmp.appendingPathComponent("model.safetensors"))
    try Self.train(r, resume: .latest, maxSteps: 2)
    #expect(!FileManager.default.fileExists(atPath: partial.path))
    #expect(!FileManager.default.fileExists(atPath: tmp.path))
  }
}
