import ArgumentParser
import Communication
import Foundation
import Recipes
import Training

struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run", abstract: "Trains as a recipe says (recipes/*.recipe).")

  @Argument(help: "The recipe (YAML).")
  var recipe: String
  @Flag(help: "Continue from the newest checkpoint in the recipe's output directory.")
  var resume = false
  @Flag(help: "Start again in an output directory that holds a run: its files move to <output>.old-YYYYMMDD-HHMMSS (nothing is deleted).")
  var overwrite = false
  @OptionGroup var options: RunOptions

  func validate() throws {
    if resume && overwrite { throw ValidationError("--resume continues the run in the output directory; --overwrite starts a new one: give one") }
  }

  func run() throws {
    try options.train(recipe, resume: resume ? .latest : .none, overwrite: overwrite)
  }
}

struct ResumeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "resume", abstract: "Continues a run from one of its checkpoints.")

  @Argument(help: "A checkpoint directory (<output>/checkpoints/step-NNNNNNN).")
  var checkpoint: String
  @Option(help: "The recipe of the run (with the same --set overrides).")
  var recipe: String
  @OptionGroup var options: RunOptions

  func run() throws {
    try options.train(recipe, resume: .checkpoint(URL(fileURLWithPath: checkpoint)))
  }
}

/// Options of `run` and `resume`.
struct RunOptions: ParsableArguments {
  @Option(name: .customLong("set"), help: "Override a recipe key, e.g. --set stages.0.batch_size=64 (repeatable; resume with the same ones).")
  var overrides: [String] = []
  @Option(help: "Stop after this many steps of the whole run, writing a checkpoint.")
  var maxSteps: Int?
  @Option(help: ArgumentHelp(
    "Data-parallel ranks as threads of this process, sharing the --threads worker threads (default: 2 when there are 2 or more, else 1; under mpirun: 1 per process).",
    discussion: "Results depend on the number of ranks in the last bits: resume a run with the same number."))
  var ranks: Int?
  @Flag(help: "Resume without checking the checkpoint's files against the checksums in its trainer_state.json.")
  var noVerify = false
  @OptionGroup var compute: ComputeOptions

  func validate() throws {
    if let ranks, ranks < 1 { throw ValidationError("--ranks must be at least 1, got \(ranks)") }
    try FlagChecks.atLeast(1, maxSteps, "--max-steps")
  }

  /// Trains `recipe` on this job's ranks, each starting where `resume` says. SIGINT or SIGTERM
  /// ends the run after the current step with a checkpoint, and the process with 128 + the signal.
  func train(_ recipe: String, resume: TrainingRun.Resume, overwrite: Bool = false) throws {
    try runReportingErrors {
      let r = try Recipe.loadForTraining(path: recipe, overrides: overrides)
      let reporter = TrainingReporter()
      reporter.recipeArguments = ([recipe] + overrides.flatMap { ["--set", $0] }).joined(separator: " ")
      let maxSteps = maxSteps, verify = !noVerify
      StopSignals.install()
      try Job.run(ranks: ranks, threads: compute.count) { comm in
        let run = TrainingRun(recipe: r, communicator: comm, observer: reporter.report)
        run.overwrite = overwrite
        run.verifyChecksums = verify
        run.stopRequested = { StopSignals.signal != nil }
        try run.run(resume: resume, maxSteps: maxSteps)
      }
      if let signal = StopSignals.signal { throw ExitCode(128 + signal) }
    }
  }
}

/// Prints training events: a progress line redrawn on a terminal, plain lines otherwise.
final class TrainingReporter: @unchecked Sendable {
  /// print, flushed at once (stdout to a file or pipe is block-buffered).
  func print(_ line: String) {
    Swift.print(line)
    fflush(stdout)
  }

  let terminal = isatty(STDERR_FILENO) != 0
  /// The recipe and its --set options as given, for the command that continues a stopped run.
  var recipeArguments = ""
  var stageStart = Date()
  var stageFirstStep = 0

  /// A step's progress line: the step and total as 64-bit integers (a total of 2^31 or more
  /// prints as it is), the batches skipped so far when any were.
  static func stepLine(_ m: TrainingRun.StepMetrics, eta: Double) -> String {
    var line = "\(m.stage) \(m.step)/\(m.stageSteps)  "
      + String(format: "loss %.4f  lr %.2e  |g| %.3f  %.0f tok/s  ETA %.0fs", m.loss, m.lr, m.gradNorm, m.tokensPerSecond, eta)
    if let a = m.accuracy { line += String(format: "  acc %.2f", a) }
    if m.skipped == true { line += "  (skipped: not finite)" }
    if let n = m.skippedBatches { line += "  skipped batches \(n)" }
    return line
  }

  func report(_ event: TrainingRun.Event) {
    switch event {
    case .warning(let w):
      FileHandle.standardError.write(Data("warning: \(w)\n".utf8))
    case .preparing(let what):
      print("prepare: \(what)")
    case .stageStarted(let index, let name, let examples, let steps, let resumedAt, let miniBatch):
      stageStart = Date()
      stageFirstStep = resumedAt
      print("stage \(index + 1) '\(name)': \(examples) examples, \(steps) steps" + (resumedAt > 0 ? ", resuming at step \(resumedAt)" : "")
            + (miniBatch.map { ", GradCache mini-batches of \($0) texts" } ?? ""))
    case .step(let m):
      let done = m.step - stageFirstStep
      let elapsed = Date().timeIntervalSince(stageStart)
      let eta = done > 0 ? elapsed / Double(done) * Double(m.stageSteps - m.step) : 0
      let line = Self.stepLine(m, eta: eta)
      if terminal {
        FileHandle.standardError.write(Data(("\r" + line + "   ").utf8))
        if m.step == m.stageSteps { FileHandle.standardError.write(Data("\n".utf8)) }
      } else {
        print(line)
      }
    case .evaluation(let e, let best):
      if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
      print(String(format: "eval %@ after %@ (step %ld): %@ %.4f (%.1fs)%@", e.name, e.stage, e.globalStep, e.mainMetric,
                   e.main ?? .nan, e.seconds, best ? ", best so far" : ""))
    case .stoppedEarly(let stage, let step, let evaluations):
      print("early stopping: stage '\(stage)' ends at step \(step) after \(evaluations) evaluations without improvement")
    case .loadedBest(let url, let best):
      print(String(format: "loaded the best checkpoint %@ (%@ %@ %.4f) for the final evaluation and model", url.path, best.set,
                   best.metric, best.value))
    case .merged(let with, let weight):
      print(String(format: "merged the trained weights (%.4g) with %@ (%.4g) for the final evaluation and model", weight, with, 1 - weight))
    case .checkpoint(let url):
      if !terminal { print("checkpoint \(url.path)") }
    case .movedAside(let old):
      print("the earlier run in this output directory was moved to \(old.path)")
    case .stopped(let step, let checkpoint):
      if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
      print("stopped after step \(step)" + (checkpoint.map { ", checkpoint \($0.path)" } ?? "")
            + "; continue with: trainer run \(recipeArguments) --resume")
    case .finished(let model, let evaluations):
      print("model written to \(model.path)")
      for e in evaluations where e.stage == "final" { print(String(format: "%@: %@ %.4f", e.name, e.mainMetric, e.main ?? .nan)) }
    }
  }
}
