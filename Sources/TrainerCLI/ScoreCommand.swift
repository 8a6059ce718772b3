import ArgumentParser
import Communication
import Foundation
import Mining
import TextEncoder

struct ScoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "score",
    abstract: "Score every example's positive and negatives (mined, else from the data) with a cross-encoder teacher, into the data set; with --embeddings, embed every text of the examples with a bi-encoder teacher.")

  @Argument(help: "A cross-encoder directory (XLMRobertaForSequenceClassification, RobertaForSequenceClassification or BertForSequenceClassification with one label); with --embeddings a sentence encoder.")
  var teacher: String
  @Argument(help: "A data set made by `trainer data build` (and `trainer mine`); its /teacher group is replaced when scoring completes.")
  var data: String
  @Option(help: "Pairs per forward pass.")
  var batch: Int = 32
  @Option(help: "Tokens per pair at most (default: the teacher's).")
  var maxLength: Int?
  @Flag(help: "Embed the examples' texts (queries, positives, negatives from the data and mined) with a bi-encoder teacher into /teacher_embeddings, for embedding distillation.")
  var embeddings = false
  @Option(help: "With --embeddings: the text put before every text (default: the teacher's default prompt, if it has one).")
  var prompt: String?
  @OptionGroup var compute: ComputeOptions
  @OptionGroup var matmul: PrecisionOption

  func validate() throws {
    try FlagChecks.atLeast(1, batch, "--batch")
    try FlagChecks.atLeast(4, maxLength, "--max-length", "a pair: <s> a </s></s> b </s>")
    if prompt != nil && !embeddings { throw ValidationError("--prompt goes with --embeddings (a cross-encoder's pairs take no prompt)") }
  }

  func run() throws {
    compute.apply()
    try runReportingErrors {
      let comm = try Job.start()
      let model = try SentenceEncoder(directory: teacher)
      model.encoder.store.precision = try matmul.resolve()
      if embeddings { return try embed(model, comm) }
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

  /// `--embeddings`: the teacher's embeddings of the examples' texts into the data set.
  func embed(_ model: SentenceEncoder, _ comm: any Communicator) throws {
    try TeacherEmbedder.check(model)
    var embedder = TeacherEmbedder(
      teacher: model, prompt: prompt ?? model.defaultPromptName.flatMap { model.prompts[$0] } ?? "", maxLength: maxLength)
    embedder.batchSize = batch
    embedder.communicator = comm
    var bar: ProgressBar?
    let s = try embedder.embed(dataPath: data) { done, total in
      guard comm.isRoot else { return }
      if bar == nil { bar = ProgressBar(total: total, label: "embedding") }
      bar!.update(done)
    }
    defer { Job.finish() }
    guard comm.isRoot else { return }
    print(String(format: "embedded %d texts (%d dimensions) in %.1fs -> %@ /teacher_embeddings", s.texts, s.dims, s.seconds, data))
  }
}
