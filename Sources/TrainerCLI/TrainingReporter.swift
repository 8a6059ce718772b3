import Foundation
import Recipes
import Training

/// Prints a run's events. When standard output and standard error are both a terminal, a bar per
/// stage (`ProgressLine`) is redrawn on standard error and every other line (evaluations,
/// checkpoints, warnings) is printed above it; otherwise (a file, or a pipe such as `| tee`) plain
/// step lines as `LogSchedule` says, and every event line. The run ends with a summary.
final class TrainingReporter: @unchecked Sendable {
  /// The bar is drawn (both outputs are a terminal); else plain lines.
  let interactive: Bool
  /// The recipe and its --set options as given, for the command that continues a stopped run.
  var recipeArguments = ""
  /// The stage's evaluation intervals and its sets, for the ETA.
  let evalEvery: [Int?]
  var estimate: StageEstimate
  var schedule: LogSchedule
  let runStart = Date()
  var stageStart = Date()
  var stageIndex = 0
  var stageFirstStep = 0
  /// Evaluation seconds spent since the stage started (not step time).
  var stageEvaluationSeconds = 0.0
  var stepsThisSession = 0
  var lastGlobalStep = 0
  /// The bar on screen, redrawn after a line printed above it.
  var bar: ProgressLine?
  /// Stages whose batches come from one of several sources: each source's latest loss, in the
  /// order the sources first came (emptied when a stage starts).
  var sourceLosses: [(source: String, loss: Float)] = []

  init(recipe: Recipe, logEvery: Int?, interactive: Bool = Terminal.stdoutIsTerminal && Terminal.stderrIsTerminal) {
    self.interactive = interactive
    evalEvery = recipe.stages.map(\.evalEvery)
    estimate = StageEstimate(
      stageSets: recipe.evaluation.filter { !$0.final }.map(\.name), finalSets: recipe.evaluation.filter(\.final).map(\.name))
    schedule = LogSchedule(every: logEvery)
  }

  /// A line on standard output, flushed at once (stdout to a file or pipe is block-buffered),
  /// above the bar on a terminal.
  func print(_ line: String) {
    if bar != nil { Terminal.writeError(Terminal.clearLine) }
    Swift.print(line)
    fflush(stdout)
    redraw()
  }

  /// A warning on standard error, above the bar on a terminal.
  func warn(_ line: String) {
    Terminal.writeError((bar != nil ? Terminal.clearLine : "") + "warning: \(line)\n")
    redraw()
  }

  func redraw() {
    if let bar { Terminal.writeError("\r" + bar.render(width: Terminal.width)) }
  }

  /// A step's plain progress line: the step and total as 64-bit integers (a total of 2^31 or more
  /// prints as it is), the batches skipped so far when any were.
  static func stepLine(
    _ m: TrainingRun.StepMetrics, elapsed: Double, eta: Double?, etaIsLowerBound: Bool = false, sourceLosses: [(source: String, loss: Float)] = []
  ) -> String {
    var line = "\(m.stage) \(m.step)/\(m.stageSteps)  " + String(format: "loss %.4f  ", m.loss)
      + (sourceLosses.isEmpty ? "" : "(\(sourceField(sourceLosses)))  ")
      + String(format: "lr %.2e  |g| %.3f  %.0f tok/s  ", m.lr, m.gradNorm, m.tokensPerSecond)
      + "elapsed \(ProgressLine.duration(elapsed))  ETA \(eta.map { ProgressLine.duration($0) } ?? "-:--:--")\(etaIsLowerBound ? "+" : "")"
    if let a = m.accuracy { line += String(format: "  acc %.2f", a) }
    if m.skipped == true { line += "  (skipped: not finite)" }
    if let n = m.skippedBatches { line += "  skipped batches \(n)" }
    return line
  }

  /// The bar of a step: loss, lr and tokens/s as its extra fields (dropped in the reverse order).
  static func stepBar(
    _ m: TrainingRun.StepMetrics, elapsed: Double, eta: Double?, etaIsLowerBound: Bool, sourceLosses: [(source: String, loss: Float)] = []
  ) -> ProgressLine {
    var fields = [String(format: "loss %.4f", m.loss), String(format: "lr %.1e", m.lr), String(format: "%.0f tok/s", m.tokensPerSecond)]
    if !sourceLosses.isEmpty { fields.insert(sourceField(sourceLosses), at: 1) }
    if let n = m.skippedBatches { fields.insert("skipped \(n)", at: 1) }
    return ProgressLine(
      label: m.stage, done: m.step, total: m.stageSteps, elapsed: elapsed, eta: eta, etaIsLowerBound: etaIsLowerBound, fields: fields)
  }

  /// Each source's latest loss: `KorNLI 2.0835 KorSTS 3.1205`.
  static func sourceField(_ losses: [(source: String, loss: Float)]) -> String {
    losses.map { "\($0.source) " + String(format: "%.4f", $0.loss) }.joined(separator: " ")
  }

  func report(_ event: TrainingRun.Event) {
    switch event {
    case .warning(let w):
      warn(w)
    case .precision(let stage, let what):
      print("precision (stage '\(stage)'): \(what)")
    case .preparing(let what):
      print("prepare: \(what)")
    case .stageStarted(let index, let name, let examples, let steps, let resumedAt, let miniBatch):
      stageStart = Date()
      stageIndex = index
      stageFirstStep = resumedAt
      stageEvaluationSeconds = 0
      sourceLosses = []
      print("stage \(index + 1) '\(name)': \(examples) examples, \(steps) steps" + (resumedAt > 0 ? ", resuming at step \(resumedAt)" : "")
            + (miniBatch.map { ", GradCache mini-batches of \($0) texts" } ?? ""))
    case .step(let m):
      step(m)
    case .evaluation(let e, let best):
      estimate.evaluationSeconds[e.name] = e.seconds
      stageEvaluationSeconds += e.seconds
      print(String(format: "eval %@ after %@ (step %ld): %@ %.4f (%.1fs)%@", e.name, e.stage, e.globalStep, e.mainMetric,
                   e.main ?? .nan, e.seconds, best ? ", best so far" : ""))
    case .stoppedEarly(let stage, let step, let evaluations):
      print("early stopping: stage '\(stage)' ends at step \(step) after \(evaluations) evaluations without improvement")
    case .loadedBest(let url, let best):
      print(String(format: "loaded the best checkpoint %@ (%@ %@ %.4f) for the final evaluation and model", Self.shown(url), best.set,
                   best.metric, best.value))
    case .merged(let with, let weight):
      print(String(format: "merged the trained weights (%.4g) with %@ (%.4g) for the final evaluation and model", weight, with, 1 - weight))
    case .checkpoint(let url, let seconds):
      print(String(format: "checkpoint %@ (%.1fs)", Self.shown(url), seconds))
    case .movedAside(let old):
      print("the earlier run in this output directory was moved to \(Self.shown(old))")
    case .stopped(let step, let checkpoint):
      endBar()
      print("stopped after step \(step)" + (checkpoint.map { ", checkpoint \(Self.shown($0))" } ?? "")
            + "; continue with: trainer run \(recipeArguments) --resume")
    case .finished(let model, let evaluations, let best):
      endBar()
      let lines = Self.summary(
        seconds: Date().timeIntervalSince(runStart), steps: lastGlobalStep, stepsThisSession: stepsThisSession, best: best,
        evaluations: evaluations, model: model)
      for line in lines { print(line) }
    }
  }

  func step(_ m: TrainingRun.StepMetrics) {
    stepsThisSession += 1
    lastGlobalStep = m.globalStep
    if let source = m.source, m.loss.isFinite {
      if let i = sourceLosses.firstIndex(where: { $0.source == source }) { sourceLosses[i].loss = m.loss } else { sourceLosses.append((source, m.loss)) }
    }
    let now = Date()
    let elapsed = now.timeIntervalSince(stageStart)
    let (eta, lowerBound) = estimate.eta(
      step: m.step, total: m.stageSteps, stepsDone: m.step - stageFirstStep, stepSeconds: elapsed - stageEvaluationSeconds,
      every: stageIndex < evalEvery.count ? evalEvery[stageIndex] : nil, lastStage: stageIndex == evalEvery.count - 1)
    if interactive {
      bar = Self.stepBar(m, elapsed: elapsed, eta: eta, etaIsLowerBound: lowerBound, sourceLosses: sourceLosses)
      redraw()
      if m.step >= m.stageSteps { endBar() }
    } else if schedule.shouldLog(
      step: m.step, stageSteps: m.stageSteps, firstOfSession: m.step == stageFirstStep + 1, skipped: m.skipped == true,
      now: now.timeIntervalSince(runStart))
    {
      print(Self.stepLine(m, elapsed: elapsed, eta: eta, etaIsLowerBound: lowerBound, sourceLosses: sourceLosses))
    }
  }

  /// Leaves the bar on screen as it is and moves below it.
  func endBar() {
    if bar != nil { Terminal.writeError("\n") }
    bar = nil
  }

  /// The end of a run: its wall time and steps, the best checkpoint and its metric, the final
  /// evaluations' main metrics, where the model is and the command that draws the report.
  static func summary(
    seconds: Double, steps: Int, stepsThisSession: Int, best: TrainerState.Best?, evaluations: [TrainerState.Evaluation], model: URL
  ) -> [String] {
    let output = model.deletingLastPathComponent()
    var lines = ["finished in \(ProgressLine.duration(seconds)): \(steps) steps"
      + (stepsThisSession == steps ? "" : " (\(stepsThisSession) in this session)")]
    if let best {
      let checkpoint = output.appendingPathComponent("checkpoints").appendingPathComponent(best.checkpoint)
      lines.append(String(format: "best checkpoint: %@ (%@ %@ %.4f at step %ld)", shown(checkpoint), best.set, best.metric, best.value,
                          best.globalStep))
    }
    for e in evaluations where e.stage == "final" {
      lines.append(String(format: "final %@: %@ %.4f", e.name, e.mainMetric, e.main ?? .nan))
    }
    lines.append("model: \(shown(model))")
    lines.append("report: trainer report \(shown(output))")
    return lines
  }

  /// A path as given relative to the working directory when it lies below it, else absolute.
  static func shown(_ url: URL, workingDirectory: String = FileManager.default.currentDirectoryPath) -> String {
    let path = url.standardizedFileURL.path
    let base = workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/"
    return path.hasPrefix(base) && path.count > base.count ? String(path.dropFirst(base.count)) : path
  }
}
