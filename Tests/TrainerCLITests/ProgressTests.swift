import Foundation
import Testing
@testable import Training

@testable import TrainerCLI

/// The progress line (widths, dropped fields, h:mm:ss), the ETA with evaluations to come, which
/// steps get a plain line, and the summary at the end of a run.
@Suite struct ProgressTests {
  static let kornli = ProgressLine(
    label: "kornli", done: 1050, total: 2500, elapsed: 602, eta: 845, fields: ["loss 0.8123", "lr 2.0e-05", "1234 tok/s"])

  @Test func durationsAreHoursMinutesSeconds() {
    #expect(ProgressLine.duration(0) == "0:00:00")
    #expect(ProgressLine.duration(59.4) == "0:00:59")
    #expect(ProgressLine.duration(3599.6) == "1:00:00")
    #expect(ProgressLine.duration(5423) == "1:30:23")
    #expect(ProgressLine.duration(45296) == "12:34:56")
    #expect(ProgressLine.duration(360_000) == "100:00:00")
    #expect(ProgressLine.duration(1e12) == ">99999h")
    #expect(ProgressLine.duration(-1) == "-:--:--" && ProgressLine.duration(.nan) == "-:--:--" && ProgressLine.duration(.infinity) == "-:--:--")
  }

  @Test func theLineFitsWidths160_80_40() {
    #expect(Self.kornli.render(width: 160)
      == "kornli [############..................] 42% 1050/2500 0:10:02<0:14:05 loss 0.8123 lr 2.0e-05 1234 tok/s")
    #expect(Self.kornli.render(width: 80) == "kornli [##....] 42% 1050/2500 0:10:02<0:14:05 loss 0.8123 lr 2.0e-05 1234 tok/s")
    #expect(Self.kornli.render(width: 80).count == 79)
    #expect(Self.kornli.render(width: 40) == "kornli 42% 1050/2500 ETA 0:14:05")
  }

  /// Narrower, the fields go from the last, then the elapsed time, then the bar.
  @Test func fieldsAreDroppedInAFixedOrder() {
    #expect(Self.kornli.render(width: 75) == "kornli [#####.......] 42% 1050/2500 0:10:02<0:14:05 loss 0.8123 lr 2.0e-05")
    #expect(Self.kornli.render(width: 64) == "kornli [#####.......] 42% 1050/2500 0:10:02<0:14:05 loss 0.8123")
    #expect(Self.kornli.render(width: 52) == "kornli [#####.......] 42% 1050/2500 0:10:02<0:14:05")
    #expect(Self.kornli.render(width: 48) == "kornli [###.....] 42% 1050/2500 0:10:02<0:14:05")
    #expect(Self.kornli.render(width: 44) == "kornli [###.....] 42% 1050/2500 ETA 0:14:05")
    var resumed = Self.kornli
    resumed.etaIsLowerBound = true
    resumed.eta = nil
    #expect(resumed.render(width: 160).hasSuffix("0:10:02<-:--:--+ loss 0.8123 lr 2.0e-05 1234 tok/s"))
  }

  @Test func noWidthOverflows() {
    var long = Self.kornli
    long.label = "a-stage-with-a-very-long-name"
    for width in 0...200 {
      #expect(long.render(width: width).count <= max(width - 1, 0), "width \(width)")
      #expect(Self.kornli.render(width: width).count <= max(width - 1, 0), "width \(width)")
    }
    #expect(long.render(width: 30) == "a-s 42% 1050/2500 ETA 0:14:05")
    let empty = ProgressLine(label: "x", done: 0, total: 0, elapsed: 0, eta: nil)
    #expect(empty.render(width: 80) == "x [" + String(repeating: ".", count: 30) + "] 0% 0/0 0:00:00<-:--:--")
  }

  @Test func columnsFallBackTo80() {
    #expect(Terminal.columns("120") == 120 && Terminal.columns(" 40 ") == 40)
    #expect(Terminal.columns(nil) == 80 && Terminal.columns("0") == 80 && Terminal.columns("wide") == 80)
    #expect(Terminal.columns("99999999999999999999999") == 80 && Terminal.columns("-5") == 80)
  }

  @Test func evaluationsToComeAreCounted() {
    #expect(StageEstimate.evaluationsLeft(from: 0, total: 10, every: nil) == 1)
    #expect(StageEstimate.evaluationsLeft(from: 10, total: 10, every: nil) == 1)  // the stage's last evaluation follows its last step
    #expect(StageEstimate.evaluationsLeft(from: 0, total: 10, every: 4) == 3)  // 4, 8, 10
    #expect(StageEstimate.evaluationsLeft(from: 4, total: 10, every: 4) == 3)  // step 4's own evaluation is still to come
    #expect(StageEstimate.evaluationsLeft(from: 5, total: 10, every: 4) == 2)
    #expect(StageEstimate.evaluationsLeft(from: 9, total: 10, every: 4) == 1)
    #expect(StageEstimate.evaluationsLeft(from: 0, total: 10, every: 5) == 2)  // 5, 10
    #expect(StageEstimate.evaluationsLeft(from: 10, total: 10, every: 5) == 1)
    #expect(StageEstimate.evaluationsLeft(from: 11, total: 10, every: 5) == 0)
  }

  @Test func theETAIncludesEvaluations() {
    var e = StageEstimate(stageSets: ["dev"], finalSets: ["test"])
    #expect(e.eta(step: 0, total: 10, stepsDone: 0, stepSeconds: 0, every: nil, lastStage: false).seconds == nil)
    // no evaluation seen yet: the steps only, marked as a lower bound
    let first = e.eta(step: 5, total: 10, stepsDone: 5, stepSeconds: 10, every: nil, lastStage: false)
    #expect(first.seconds == 10 && first.lowerBound)
    e.evaluationSeconds["dev"] = 3
    let known = e.eta(step: 5, total: 10, stepsDone: 5, stepSeconds: 10, every: nil, lastStage: false)
    #expect(known.seconds == 13 && !known.lowerBound)
    // the last stage adds the final sets, a set not evaluated yet at the mean of those that were
    let last = e.eta(step: 2, total: 10, stepsDone: 2, stepSeconds: 4, every: 4, lastStage: true)
    #expect(last.seconds == 16 + 3 * 3 + 3 && !last.lowerBound)
    // after the stage's last step its evaluation is still to come
    #expect(e.eta(step: 10, total: 10, stepsDone: 10, stepSeconds: 20, every: nil, lastStage: false).seconds == 3)
  }

  @Test func plainLinesEveryTenStepsOrThirtySeconds() {
    var s = LogSchedule(every: nil)
    let logged = (1...25).filter { s.shouldLog(step: $0, stageSteps: 25, firstOfSession: $0 == 1, skipped: false, now: Double($0)) }
    #expect(logged == [1, 10, 20, 25])
    var slow = LogSchedule(every: nil)
    #expect((1...4).allSatisfy { slow.shouldLog(step: $0, stageSteps: 25, firstOfSession: false, skipped: false, now: 31 * Double($0)) })
    var every = LogSchedule(every: 3)
    let explicit = (1...8).filter {
      every.shouldLog(step: $0, stageSteps: 8, firstOfSession: $0 == 1, skipped: $0 == 5, now: 100 * Double($0))
    }
    #expect(explicit == [1, 3, 5, 6, 8])
  }

  @Test func theSummaryNamesTheBestCheckpointAndTheReport() {
    let test = TrainerState.Evaluation(
      name: "korsts-test", stage: "final", globalStep: 40, mainMetric: "spearman_cosine", metrics: [.init("spearman_cosine", 0.81444)],
      seconds: 2)
    let dev = TrainerState.Evaluation(
      name: "korsts-dev", stage: "korsts", globalStep: 40, mainMetric: "spearman_cosine", metrics: [.init("spearman_cosine", 0.85)],
      seconds: 2)
    let best = TrainerState.Best(set: "korsts-dev", metric: "spearman_cosine", value: 0.85031, globalStep: 40, checkpoint: "step-0000040")
    let lines = TrainingReporter.summary(
      seconds: 504.4, steps: 40, stepsThisSession: 30, best: best, evaluations: [dev, test], model: URL(fileURLWithPath: "/runs/k/model"))
    #expect(lines == [
      "finished in 0:08:24: 40 steps (30 in this session)",
      "best checkpoint: /runs/k/checkpoints/step-0000040 (korsts-dev spearman_cosine 0.8503 at step 40)",
      "final korsts-test: spearman_cosine 0.8144",
      "model: /runs/k/model",
      "report: trainer report /runs/k",
    ])
    #expect(TrainingReporter.summary(seconds: 1, steps: 2, stepsThisSession: 2, best: nil, evaluations: [], model: URL(fileURLWithPath: "/r/model"))
      == ["finished in 0:00:01: 2 steps", "model: /r/model", "report: trainer report /r"])
    #expect(TrainingReporter.shown(URL(fileURLWithPath: "/w/runs/k"), workingDirectory: "/w") == "runs/k")
    #expect(TrainingReporter.shown(URL(fileURLWithPath: "/wx/k"), workingDirectory: "/w") == "/wx/k")
  }
}
