import Communication
import Foundation
import Recipes
import Synchronization
import TestSupport
import Testing
@testable import Training

/// A run asked to stop (SIGINT / SIGTERM in the CLI) ends after the current step with a
/// checkpoint, on every rank at the same step, and resumes from it; `overwrite` moves an
/// earlier run aside; `verifyChecksums` off resumes from changed files.
@Suite(.serialized, .needsRealModel, .needsKorNLU) struct RunStopTests {
  /// Asks to stop from the `after`-th question on (each question comes before a step).
  final class StopAfter: Sendable {
    let asked = Mutex(0)
    let after: Int
    init(after: Int) { self.after = after }
    func callAsFunction() -> Bool { asked.withLock { $0 += 1; return $0 > after } }
  }

  /// The steps at which the run reported it stopped, and the checkpoints it reported.
  final class Stops: Sendable {
    let steps = Mutex<[Int]>([])
    let checkpoints = Mutex<[String]>([])
  }

  @Test(arguments: [1, 2])
  func aStopRequestEndsTheRunAfterTheStepWithACheckpoint(ranks: Int) throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try RunDirectoryTests.recipe(dir)
    let stop = StopAfter(after: 2)
    let stopped = Stops()
    @Sendable func body(_ comm: any Communicator) throws {
      let run = TrainingRun(recipe: r, communicator: comm) {
        if case .stopped(let step, _) = $0 { stopped.steps.withLock { $0.append(step) } }
        if case .checkpoint(let url, _) = $0 { stopped.checkpoints.withLock { $0.append(url.lastPathComponent) } }
      }
      // rank 0 decides: another rank that would stop at once must follow it
      if comm.rank == 0 { run.stopRequested = { stop() } } else { run.stopRequested = { true } }
      try run.run()
    }
    if ranks == 1 { try body(SingleProcess()) } else { _ = try ThreadGroup.run(size: ranks) { try body($0) } }
    #expect(stopped.steps.withLock { $0 } == [2])
    // step 2 is a checkpoint step (every: 1): its checkpoint is written once, not again to stop
    #expect(stopped.checkpoints.withLock { $0 } == ["step-0000001", "step-0000002"])
    let out = URL(fileURLWithPath: r.output)
    #expect(Checkpoint.list(in: out.appendingPathComponent("checkpoints")).last?.state.globalStep == 2)
    #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("model").path))
    #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(".lock").path))
    try RunDirectoryTests.train(r, resume: .latest)
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("model/model.safetensors").path))
  }

  @Test func overwriteMovesTheEarlierRunAsideAndDeletesNothing() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try RunDirectoryTests.recipe(dir)
    try RunDirectoryTests.train(r, maxSteps: 2)
    var aside: URL?
    let run = TrainingRun(recipe: r) { if case .movedAside(let url) = $0 { aside = url } }
    run.overwrite = true
    try run.run(maxSteps: 1)
    let old = try #require(aside)
    #expect(old.lastPathComponent.hasPrefix("run.old-"))
    #expect(FileManager.default.fileExists(atPath: old.appendingPathComponent("checkpoints/step-0000002/model.safetensors").path))
    #expect(FileManager.default.fileExists(atPath: old.appendingPathComponent("metrics.jsonl").path))
    let names = try FileManager.default.contentsOfDirectory(atPath: r.output + "/checkpoints")
    #expect(names == ["step-0000001"])
  }

  @Test func withoutVerificationAChangedFileIsResumedFrom() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try RunDirectoryTests.recipe(dir)
    try RunDirectoryTests.train(r, maxSteps: 1)
    let readme = RunDirectoryTests.checkpoint(r, step: 1).appendingPathComponent("README.md")
    try Data("changed".utf8).write(to: readme)
    #expect { try RunDirectoryTests.train(r, resume: .latest) } throws: { "\($0)".contains("README.md does not match its checksum") }
    let run = TrainingRun(recipe: r) { _ in }
    run.verifyChecksums = false
    try run.run(resume: .latest)
  }

  /// XXH64's published values (xxhsum -H1).
  @Test func xxh64MatchesTheReference() {
    #expect(XXH64.label(XXH64.hash(Data())) == "xxh64:ef46db3751d8e999")
    #expect(XXH64.label(XXH64.hash(Data("abc".utf8))) == "xxh64:44bc2cf5ad770999")
    #expect(XXH64.label(XXH64.hash(Data("Nobody inspects the spammish repetition".utf8))) == "xxh64:fbcea83c8a378bf1")
  }
}

/// A stop request while a prepare step trains a teacher.
extension RunStopTests {
  /// The teacher stops after its step with a checkpoint and the run stops with it, training
  /// nothing; run again, the teacher resumes from its checkpoint and the run trains.
  @Test func aStopRequestDuringTheTeacherStopsTheTeacherAndTheRun() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let teacherDir = dir.appendingPathComponent("teacher")
    try FileManager.default.createDirectory(at: teacherDir, withIntermediateDirectories: true)
    let teacher = try RunDirectoryTests.recipe(teacherDir)
    let student = try RunDirectoryTests.recipe(dir)
    var text = try String(contentsOfFile: student.file, encoding: .utf8)
    text = text.replacingOccurrences(of: "stages:", with: "prepare:\n  - teacher: \(teacher.file)\nstages:")
    try text.write(toFile: student.file, atomically: true, encoding: .utf8)
    let r = try Recipe.load(path: student.file)

    let stopped = Stops()
    let run = TrainingRun(recipe: r) {
      if case .stopped(let step, _) = $0 { stopped.steps.withLock { $0.append(step) } }
      if case .checkpoint(let url, _) = $0 { stopped.checkpoints.withLock { $0.append(url.deletingLastPathComponent().deletingLastPathComponent().lastPathComponent + "/" + url.lastPathComponent) } }
    }
    let stop = StopAfter(after: 1)
    run.stopRequested = { stop() }
    #expect(try run.run().isEmpty)
    #expect(stopped.steps.withLock { $0 } == [1])
    #expect(stopped.checkpoints.withLock { $0 } == ["run/step-0000001"])
    let teacherRun = URL(fileURLWithPath: teacher.output), studentRun = URL(fileURLWithPath: r.output)
    #expect(FileManager.default.fileExists(atPath: teacherRun.appendingPathComponent("checkpoints/step-0000001").path))
    #expect(!FileManager.default.fileExists(atPath: teacherRun.appendingPathComponent("model").path))
    #expect(Checkpoint.list(in: studentRun.appendingPathComponent("checkpoints")).isEmpty)

    let again = TrainingRun(recipe: r) { _ in }
    try again.run(resume: .latestIfAny)
    #expect(Checkpoint.list(in: teacherRun.appendingPathComponent("checkpoints")).last?.state.globalStep == 3)
    #expect(FileManager.default.fileExists(atPath: teacherRun.appendingPathComponent("model").path))
    #expect(FileManager.default.fileExists(atPath: studentRun.appendingPathComponent("model").path))
  }
}
