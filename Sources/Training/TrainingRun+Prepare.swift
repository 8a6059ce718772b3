import Communication
import DataSets
import Foundation
import HDF5Files
import Mining
import Recipes
import TextEncoder
import Tokenization

extension TrainingRun {
  /// The model directory a recipe's run ends with.
  static func modelDirectory(of recipe: Recipe) -> String { recipe.output + "/model" }

  /// Runs the recipe's prepare steps in order, each unless its product is there already. On
  /// several ranks, rank 0 decides what is there; the teacher trains, mining embeds and the
  /// teacher scores on every rank, and rank 0 alone builds and writes files. A teacher's run
  /// stops when this run is asked to (`stopRequested`); false then: this run stops too.
  func prepare() throws -> Bool {
    let comm = communicator
    /// Rank 0's answer, on every rank.
    func there(_ exists: @autoclosure () -> Bool) throws -> Bool {
      comm.size == 1 ? exists() : try comm.broadcast([comm.isRoot && exists() ? 1 : 0], root: 0)[0] == 1
    }
    for step in recipe.prepare {
      switch step {
      case .teacher(let path):
        let teacher = try Recipe.loadForTraining(path: path)
        let model = Self.modelDirectory(of: teacher)
        if try there(FileManager.default.fileExists(atPath: model + "/config.json")) {
          emit(.preparing("teacher \(model) is there (from \(path))"))
          continue
        }
        emit(.preparing("training the teacher: \(path)"))
        let teacherRun = TrainingRun(recipe: teacher, communicator: comm, observer: observer)
        teacherRun.stopRequested = stopRequested
        teacherRun.verifyChecksums = verifyChecksums
        try teacherRun.run(resume: .latestIfAny)
        if try stopNow() { return false }

      case .build(let output, let examples, let corpus):
        if try there(FileManager.default.fileExists(atPath: output)) {
          emit(.preparing("data set \(output) is there"))
          continue
        }
        guard comm.isRoot else {
          try comm.waitForAll()
          continue
        }
        defer { try? comm.waitForAll() }
        let tokenizer = try Tokenizer.load(directory: URL(fileURLWithPath: recipe.model.base))
        var report = LoadReport()
        let triplets = try TrainingData.triplets(examples, report: &report)
        let corpusTexts = try TrainingData.loadSources(corpus, report: &report).flatMap { $0.flatMap(\.texts) }
        if let summary = report.summary { emit(.warning("data set \(output): \(summary)")) }
        let s = try DataSetBuilder.build(
          examples: triplets, corpusTexts: corpusTexts, tokenizer: tokenizer,
          sources: (examples + corpus).flatMap(\.paths), output: output)
        emit(.preparing("built \(output): \(s.examples) examples, \(s.texts) texts, \(s.tokens) tokens"))

      case .mine(let data, let k, let window, let margin, let relativeMargin, let seed):
        let selection = NegativeSelection(
          count: k, window: window, margin: margin.map(Float.init), relativeMargin: relativeMargin.map(Float.init), seed: seed)
        let settings = Self.miningSettings(model: recipe.model.base, selection: selection, recipe: recipe)
        let mined = { () -> Bool in
          guard let file = try? HDF5File.open(path: data) else { return false }
          return settings.allSatisfy { (try? file.attribute($0.key, of: "mined")) == $0.value }
        }
        if try there(mined()) {
          emit(.preparing("\(data) holds negatives mined with these settings"))
          continue
        }
        emit(.preparing("mining \(data) with \(recipe.model.base)"))
        let base = try SentenceEncoder(directory: recipe.model.base)
        base.encoder.store.precision = try recipePrecision()
        var miner = Miner(
          model: base, selection: selection, queryPrefix: recipe.model.queryPrefix,
          passagePrefix: recipe.model.passagePrefix, maxLength: recipe.model.maxLength)
        miner.communicator = comm
        if let summary = try miner.mine(dataPath: data) {
          for line in summary.lines { emit(.preparing("  \(line)")) }
        }

      case .score(let data, let teacherSpec):
        let teacherDir = teacherSpec.hasSuffix(".recipe") ? Self.modelDirectory(of: try Recipe.loadForTraining(path: teacherSpec)) : teacherSpec
        if try there((try? HDF5File.open(path: data)).flatMap { try? $0.attribute("teacher", of: "teacher") } == teacherDir) {
          emit(.preparing("\(data) holds the scores of \(teacherDir)"))
          continue
        }
        emit(.preparing("scoring \(data) with \(teacherDir)"))
        let teacher = try SentenceEncoder(directory: teacherDir)
        teacher.encoder.store.precision = try recipePrecision()
        var scorer = TeacherScorer(teacher: teacher, maxLength: nil)
        scorer.communicator = comm
        let s = try scorer.score(dataPath: data)
        emit(.preparing(String(format: "scored %d pairs in %.1fs", s.pairs, s.seconds)))
      }
    }
    try prepareTeacherEmbeddings()
    return true
  }

  /// The /mined attributes that identify a mining run (a file mined otherwise is mined again).
  static func miningSettings(model: String, selection: NegativeSelection, recipe: Recipe) -> [String: String] {
    [
      "model": model, "rank_window": "\(selection.window.lowerBound)-\(selection.window.upperBound)",
      "margin": selection.margin.map { "\($0)" } ?? "none", "relative_margin": selection.relativeMargin.map { "\($0)" } ?? "none",
      "seed": "\(selection.seed)", "query_prefix": recipe.model.queryPrefix, "passage_prefix": recipe.model.passagePrefix,
      "max_length": "\(recipe.model.maxLength)",
    ]
  }
}
