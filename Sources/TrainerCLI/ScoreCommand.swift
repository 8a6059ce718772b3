import ArgumentParser
import Foundation
import Mining
import TextEncoder

struct ScoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "score",
    abstract: "Score every example's positive and negatives (mined, else from the data) with a cross-encoder teacher, into the data set.")

  @Argument(help: "A cross-encoder directory (XLMRobertaForSequenceClassification, RobertaForSequenceClassification or BertForSequenceClassification with one label).")
  var teacher: String
  @Argument(help: "A data set made by `trainer data build` (and `trainer mine`); its /teacher group is replaced when scoring completes.")
  var data: String
  @Option(help: "Pairs per forward pass.")
  var batch: Int = 32
  @Option(help: "Tokens per pair at most (default: the teacher's).")
  var maxLength: Int?
  @OptionGroup var compute: ComputeOptions

  func validate() throws {
    try FlagChecks.atLeast(1, batch, "--batch")
    try FlagChecks.atLeast(4, maxLength, "--max-length", "a pair: <s> a </s></s> b </s>")
  }

  func run() throws {
    compute.apply()
    try runReportingErrors {
      let comm = try Job.start()
      let model = try SentenceEncoder(directory: teacher)
      try TeacherScorer.check(model)
      var scorer = TeacherScorer(teacher: model, maxLength: maxLength)
      scorer.batchSize = batch
      scorer.communicator = comm
      var bar: ProgressBar?
      let s = try scorer.score(dataPath: data) { done, total in
        guard comm.isRoot else { return }
        if bar == nil { bar = ProgressBar(total: total, label: "scoring") }
        bar!.update(done)
      }
      defer { Job.finish() }
      guard comm.isRoot else { return }
      print(String(format: "scored %d pairs of %d examples (positive + %@ negatives) in %.1fs -> %@ /teacher/scores",
                   s.pairs, s.examples, s.candidates.rawValue, s.seconds, data))
    }
  }
}
