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
  @Option(name: [.short, .long], help: "The output directory (the same as --set output=DIR).")
  var output: String?
  @OptionGroup var options: RunOptions

  func validate() throws {
    if resume && overwrite { throw ValidationError("--resume continues the run in the output directory; --overwrite starts a new one: give one") }
  }

  func run() throws {
    var options = options
    if let output { options.overrides.append("output=\(output)") }
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
  @Option(help: ArgumentHelp(
    "When the output is not a terminal: a progress line every N steps (default: every 10 steps or 30 seconds).",
    discussion: "Evaluations, checkpoints and warnings are always printed; a stage's first and last step too."))
  var logEvery: Int?
  @OptionGroup var compute: ComputeOptions

  func validate() throws {
    if let ranks, ranks < 1 { throw ValidationError("--ranks must be at least 1, got \(ranks)") }
    try FlagChecks.atLeast(1, maxSteps, "--max-steps")
    try FlagChecks.atLeast(1, logEvery, "--log-every")
  }

  /// Trains `recipe` on this job's ranks, each starting where `resume` says. SIGINT or SIGTERM
  /// ends the run after the current step with a checkpoint, and the process with 128 + the signal.
  func train(_ recipe: String, resume: TrainingRun.Resume, overwrite: Bool = false) throws {
    try runReportingErrors {
      let r = try Recipe.loadForTraining(path: recipe, overrides: overrides)
      let reporter = TrainingReporter(recipe: r, logEvery: logEvery)
      defer { reporter.endBar() }  // an error is printed below the bar
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
