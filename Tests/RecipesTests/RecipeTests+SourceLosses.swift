import Foundation
import Recipes
import TestSupport
import Testing

/// Several losses in one stage: a data source's own `loss`, the stage's as the default of the
/// others, and the errors for a loss a source's format cannot feed.
extension RecipeTests {
  /// One stage over KorNLI-like triplets and STS pairs; `nli` and `sts` are each source's extra
  /// keys, `stage` the stage's.
  func mixedStage(nli: String = "", sts: String = "", stage: String = "    mixing: per_source\n") -> String {
    """
    model: {base: DIR/model}
    output: DIR/out
    stages:
      - name: mixed
        data:
          - {format: nli_tsv, path: DIR/a.ko.tsv, name: KorNLI\(nli)}
          - {format: sts_tsv, path: DIR/sts.tsv, name: KorSTS\(sts)}
        batch_size: 4

    """ + stage
  }

  @Test func eachSourceMayNameItsOwnLoss() throws {
    let text = mixedStage(
      nli: ", loss: {kind: infonce, temperature: 0.1, hard_negatives: 0}, weight: 3", sts: ", loss: {kind: cosent, scale: 10}, weight: 1")
    let s = try Recipe.load(path: try write(text)).stages[0]
    #expect(s.data[0].loss == Recipe.SourceLoss(loss: .infoNCE(temperature: 0.1, symmetric: false, hardNegatives: 0)))
    #expect(s.data[1].loss == Recipe.SourceLoss(loss: .cosent(scale: 10)))
    // without a loss of its own the stage's is the first source's
    #expect(s.loss == .infoNCE(temperature: 0.1, symmetric: false, hardNegatives: 0) && s.hasSourceLosses && s.logsPerSource)
    #expect(s.loss(ofSource: 1).loss == .cosent(scale: 10) && s.sourceLabels == ["KorNLI", "KorSTS"])
    #expect(s.trainingSource(1).loss == .cosent(scale: 10) && s.trainingSource(1).matryoshka == nil)
  }

  @Test func theStagesLossIsTheDefaultOfSourcesWithoutTheirOwn() throws {
    let text = mixedStage(
      sts: ", loss: {kind: cosent, matryoshka: {dims: [16, 8]}}",
      stage: "    mixing: per_source\n    loss: {kind: infonce, symmetric: true, false_negatives: {guide: self, margin: 0.1}}\n")
    let s = try Recipe.load(path: try write(text)).stages[0]
    #expect(s.data[0].loss == nil && s.loss(ofSource: 0) == s.stageLoss)
    #expect(s.loss(ofSource: 0).falseNegatives == Recipe.FalseNegatives(margin: .absolute(0.1)))
    #expect(s.loss(ofSource: 1) == Recipe.SourceLoss(loss: .cosent(scale: 20), matryoshka: Recipe.Matryoshka(dims: [16, 8], weights: [1, 1])))
    // the source's own loss does not inherit the stage's options
    #expect(s.trainingSource(1).falseNegatives == nil && s.trainingSource(0).matryoshka == nil)
    // one source with its own loss is the stage with that loss
    let one = try Recipe.load(path: try write(valid.replacingOccurrences(
      of: "        path: DIR/sts.tsv\n    loss:\n      kind: cosent\n",
      with: "        path: DIR/sts.tsv\n        loss: {kind: cosent, scale: 20}\n"))).stages[1]
    #expect(one.data[0].loss?.loss == .cosent(scale: 20) && one.loss == .cosent(scale: 20) && !one.logsPerSource)
  }

  @Test func aLossASourceCannotFeedIsAnErrorNamingTheSourceAndKey() throws {
    // a source's own loss
    try expectError(
      mixedStage(nli: ", loss: {kind: infonce}", sts: ", loss: {kind: infonce}"), "stages.0.data.1.loss",
      "source 'KorSTS' (data.1, sts_tsv)", "infonce needs (query, positive[, negative]) data, not sts_tsv pairs")
    try expectError(
      mixedStage(nli: ", loss: {kind: cosent}", sts: ", loss: {kind: cosent}"), "stages.0.data.0.loss", "source 'KorNLI'",
      "cosent needs graded pairs")
    // the stage's loss, on a source without its own
    try expectError(
      mixedStage(nli: ", loss: {kind: infonce}", stage: "    mixing: per_source\n    loss: {kind: infonce}\n"), "stages.0.loss",
      "source 'KorSTS' (data.1, sts_tsv)", "infonce needs", "a source may name its own")
    try expectError(
      mixedStage(nli: ", loss: {kind: infonce, distill: {kind: kl}}", sts: ", loss: {kind: cosent}"), "stages.0.data.0.loss",
      "source 'KorNLI'", "distill needs teacher scores")
    // a source's loss is read as a stage's: its keys are checked
    try expectError(mixedStage(nli: ", loss: {kind: infonce, scale: 3}", sts: ", loss: {kind: cosent}"), "stages.0.data.0.loss.scale", "unknown key")
    try expectError(mixedStage(nli: ", loss: {kind: triplet}", sts: ", loss: {kind: cosent}"), "stages.0.data.0.loss.kind", "unknown loss 'triplet'")
  }

  @Test func sourceLossesNeedPerSourceMixingAndALossForEverySource() throws {
    try expectError(
      mixedStage(nli: ", loss: {kind: infonce}", sts: ", loss: {kind: cosent}", stage: ""), "stages.0.data.0.loss",
      "needs mixing: per_source")
    try expectError(
      mixedStage(nli: ", loss: {kind: infonce}", sts: ", loss: {kind: cosent}", stage: "    mixing: mixed\n"), "stages.0.data.0.loss",
      "needs mixing: per_source")
    try expectError(mixedStage(sts: ", loss: {kind: cosent}"), "stages.0", "missing key 'loss'", "every data source its own")
    // a prepare step's data takes no loss
    let prepare = """
      model: {base: DIR/model}
      output: DIR/out
      prepare:
        - build: {output: DIR/d.h5, examples: [{format: nli_tsv, path: DIR/a.ko.tsv, loss: {kind: infonce}}]}
      stages:
        - {name: s, data: [{format: hdf5, path: DIR/d.h5}], loss: {kind: infonce}, batch_size: 2}
      """
    try expectError(prepare, "prepare.0.build.examples.0.loss", "unknown key")
  }

  @Test func miniBatchesGoWithAStageWhoseSourcesIncludeAnInfoNCELoss() throws {
    // the first source's CoSENT stands for the stage; the second source's InfoNCE takes GradCache
    let text = mixedStage(
      nli: ", loss: {kind: infonce}", sts: ", loss: {kind: cosent}", stage: "    mixing: per_source\n    mini_batch: 4\n")
      .replacingOccurrences(of: "name: KorNLI", with: "name: First")
    let swapped = text.components(separatedBy: "\n").enumerated().map { $0.element }
    let nliLine = swapped.firstIndex { $0.contains("nli_tsv") }!, stsLine = swapped.firstIndex { $0.contains("sts_tsv") }!
    var lines = swapped
    lines.swapAt(nliLine, stsLine)
    let s = try Recipe.load(path: try write(lines.joined(separator: "\n"))).stages[0]
    #expect(s.loss == .cosent(scale: 20) && s.miniBatch == .texts(4))
    // every loss CoSENT: refused as for a CoSENT stage
    try expectError(
      mixedStage(nli: ", loss: {kind: cosent}", sts: ", loss: {kind: cosent}", stage: "    mixing: per_source\n    mini_batch: 4\n")
        .replacingOccurrences(of: "format: nli_tsv", with: "format: sts_tsv"),
      "stages.0.mini_batch", "applies to the infonce loss")
  }

  @Test func sourcesSharingANameAreLabelledByTheirPlace() throws {
    let text = mixedStage(nli: ", loss: {kind: infonce}", sts: ", loss: {kind: cosent}").replacingOccurrences(of: "name: KorSTS", with: "name: KorNLI")
    #expect(try Recipe.load(path: try write(text)).stages[0].sourceLabels == ["KorNLI_1", "KorNLI_2"])
    let unnamed = text.replacingOccurrences(of: ", name: KorNLI", with: "")
    #expect(try Recipe.load(path: try write(unnamed)).stages[0].sourceLabels == ["source1", "source2"])
  }
}
