import Communication
import Foundation
import Recipes
import TestSupport
import Testing
import Training

/// Exact resume on the real model: N steps straight equal N/2 + resume (and across a stage
/// boundary) bit for bit, on one rank and on two, in fp32 and (where the CPU has it) in bf16, and a process killed while writing a checkpoint leaves the previous
/// one loadable. Needs models/multilingual-e5-small and data/kornlu (CI sets both up).
@Suite(.serialized, .needsRealModel, .needsKorNLU) struct ResumeTests {
  /// Two stages of 3 steps (InfoNCE with dropout, then CoSENT), batch 2, short texts.
  func recipe(output: URL, checkpointEvery: Int = 100, precision: String = "fp32") throws -> Recipe {
    let root = Fixtures.root.path
    let text = """
      precision: \(precision)
      model:
        base: \(Fixtures.e5Model)
        max_length: 16
        query_prefix: "query: "
        passage_prefix: "query: "
      seed: 5
      output: \(output.path)
      stages:
        - name: nli
          data:
            - format: nli_tsv
              path: \(root)/data/kornlu/KorNLI/xnli.dev.ko.tsv
          loss: {kind: infonce, temperature: 0.05}
          batch_size: 2
          steps: 3
          optimizer: {lr: 1.0e-4}
          schedule: {warmup_steps: 1}
          max_grad_norm: 1.0
          checkpoint: {every: \(checkpointEvery), keep: 10}
        - name: sts
          data:
            - format: sts_tsv
              path: \(root)/data/kornlu/KorSTS/sts-train.tsv
          loss: {kind: cosent}
          batch_size: 2
          steps: 3
          optimizer: {lr: 1.0e-4}
          checkpoint: {every: \(checkpointEvery), keep: 10}
      """
    let path = output.deletingLastPathComponent().appendingPathComponent(output.lastPathComponent + ".recipe")
    try text.write(to: path, atomically: true, encoding: .utf8)
    return try Recipe.load(path: path.path)
  }

  func weights(_ run: URL, step: Int) throws -> Data {
    try Data(contentsOf: run.appendingPathComponent("checkpoints/\(Checkpoint.name(globalStep: step))/model.safetensors"))
  }

  /// Trains `recipe` on `ranks` ranks (threads of this process, as `trainer run` does by
  /// default), from its newest checkpoint when `resume`.
  func train(_ recipe: Recipe, ranks: Int, resume: Bool = false, maxSteps: Int? = nil) throws {
    @Sendable func body(_ comm: any Communicator) throws {
      try TrainingRun(recipe: recipe, communicator: comm, observer: { _ in }).run(resume: resume ? .latest : .none, maxSteps: maxSteps)
    }
    if ranks == 1 {
      try body(SingleProcess())
    } else {
      _ = try ThreadGroup.run(size: ranks) { try body($0) }
    }
  }

  /// On one rank, and on two (each embeds its share of every batch; the ranks' gradients are
  /// summed before the step).
  @Test(arguments: [1, 2])
  func stoppingAndResumingGivesBitIdenticalWeights(ranks: Int) throws {
    try stopAndResume(ranks: ranks, precision: "fp32")
  }

  /// The same in bf16 (on one rank and two): the bf16 copies of the weights are made anew from the
  /// resumed fp32 weights, so nothing of them needs saving.
  @Test(.needsNativeBF16, arguments: [1, 2])
  func stoppingAndResumingInBF16GivesBitIdenticalWeights(ranks: Int) throws {
    try stopAndResume(ranks: ranks, precision: "bf16")
  }

  func stopAndResume(ranks: Int, precision: String) throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let straight = dir.appendingPathComponent("straight"), pieces = dir.appendingPathComponent("pieces")
    try train(try recipe(output: straight, precision: precision), ranks: ranks)

    let r = try recipe(output: pieces, precision: precision)
    try train(r, ranks: ranks, maxSteps: 2)  // stops inside stage 1
    try train(r, ranks: ranks, resume: true, maxSteps: 4)  // crosses into stage 2
    try train(r, ranks: ranks, resume: true)
    let state = try TrainerState.read(pieces.appendingPathComponent("checkpoints/step-0000006/trainer_state.json"))
    #expect(state.worldSize == ranks)
    #expect(state.precision == precision)

    let a = try weights(straight, step: 6), b = try weights(pieces, step: 6)
    #expect(a.count > 400_000_000)
    #expect(a == b, "weights after 6 steps differ between the straight and the resumed run")
    #expect(try weights(straight, step: 3) == weights(pieces, step: 3))
    // the optimizer state at the end of stage 1 too
    let o1 = try Data(contentsOf: straight.appendingPathComponent("checkpoints/step-0000003/optimizer.safetensors"))
    let o2 = try Data(contentsOf: pieces.appendingPathComponent("checkpoints/step-0000003/optimizer.safetensors"))
    #expect(o1 == o2)
    // metrics.jsonl holds each step once
    let steps = try String(contentsOf: pieces.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
      .split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
      .compactMap { $0["loss"] != nil ? $0["global_step"] as? Int : nil }
    #expect(steps == [1, 2, 3, 4, 5, 6])
  }

  @Test func aNonFiniteLossStopsTheRunWithAClearMessage() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    // 1 / 1e-45 overflows: the logits are infinite and the loss is not a number (set past the
    // recipe reader, which refuses such a temperature)
    var r = try recipe(output: dir.appendingPathComponent("nan"))
    r.stages[0].loss = .infoNCE(temperature: 1e-45, symmetric: false, hardNegatives: 0)
    #expect { try TrainingRun(recipe: r, observer: { _ in }).run() } throws: {
      "\($0)".contains("stage 'nli', step 1: the loss is NaN, not finite")
    }
  }

  @Test(.needsReleaseBuild) func aKillDuringACheckpointWriteKeepsThePreviousOne() throws {
    let binary = Fixtures.trainerBinary
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("killed")
    let r = try recipe(output: out, checkpointEvery: 1)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["run", r.file]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let partial = out.appendingPathComponent("checkpoints/.step-0000002.partial")
    let deadline = Date().addingTimeInterval(300)
    while !FileManager.default.fileExists(atPath: partial.path) && process.isRunning && Date() < deadline { usleep(2000) }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal, "the run ended before its second checkpoint was being written")

    let complete = Checkpoint.list(in: out.appendingPathComponent("checkpoints"))
    #expect(complete.first?.state.globalStep == 1)
    #expect(complete.allSatisfy { $0.state.globalStep <= 2 })
    // the surviving checkpoint resumes and the run completes
    let run = TrainingRun(recipe: r, observer: { _ in })
    try run.run(resume: .checkpoint(complete.first!.url))
    #expect(run.latestCheckpoint()?.lastPathComponent == Checkpoint.name(globalStep: 6))
    #expect(!FileManager.default.fileExists(atPath: partial.path))
  }
}
