import Foundation
import Recipes
import TestSupport
import Testing

/// Recipe parsing: the shipped recipes, overrides, and errors that name file, line and key.
@Suite struct RecipeTests {
  /// Writes a recipe into a temporary directory that also holds a fake model directory and data.
  func write(_ text: String) throws -> String {
    let dir = Fixtures.temporaryDirectory()
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("model"), withIntermediateDirectories: true)
    for name in ["a.ko.tsv", "b.ko.tsv", "sts.tsv"] {
      try "sentence1\tsentence2\tgold_label\n".write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    let path = dir.appendingPathComponent("r.recipe").path
    try text.replacingOccurrences(of: "DIR", with: dir.path).write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  let valid = """
    model:
      base: DIR/model
      max_length: 64
      query_prefix: "query: "
    seed: 3
    output: DIR/out
    evaluation:
      - name: dev
        path: DIR/sts.tsv
    stages:
      - name: nli
        data:
          - format: nli_tsv
            path: DIR/*.ko.tsv
        loss:
          kind: infonce
          temperature: 0.05
        batch_size: 32
        epochs: 1
        optimizer:
          lr: 2.0e-5
          betas: [0.9, 0.98]
        schedule:
          warmup_ratio: 0.1
      - name: sts
        data:
          - format: sts_tsv
            path: DIR/sts.tsv
        loss:
          kind: cosent
        batch_size: 16
        steps: 10
        dropout: false
    """

  func expectError(_ text: String, overrides: [String] = [], _ fragments: String...) throws {
    let path = try write(text)
    #expect {
      try Recipe.load(path: path, overrides: overrides)
    } throws: { error in
      let message = "\(error)"
      return fragments.allSatisfy { message.contains($0) }
    }
  }

  @Test func readsEveryPartOfAValidRecipe() throws {
    let r = try Recipe.load(path: try write(valid))
    #expect(r.seed == 3 && r.model.maxLength == 64 && r.model.queryPrefix == "query: " && r.model.passagePrefix == "")
    #expect(r.stages.count == 2 && r.evaluation.map(\.name) == ["dev"])
    let s = r.stages[0]
    #expect(s.data[0].paths.map { URL(fileURLWithPath: $0).lastPathComponent } == ["a.ko.tsv", "b.ko.tsv"])
    #expect(s.loss == .infoNCE(temperature: 0.05, symmetric: false, hardNegatives: 1))
    #expect(s.batchSize == 32 && s.epochs == 1 && s.steps == nil && s.optimizer.settings.beta2 == 0.98)
    #expect(s.schedule.warmupRatio == 0.1 && s.schedule.decay == .linear && s.dropout)
    #expect(r.stages[1].loss == .cosent(scale: 20) && r.stages[1].steps == 10 && r.stages[1].epochs == nil && !r.stages[1].dropout)
  }

  @Test func overridesReplaceAnyKey() throws {
    let path = try write(valid)
    let r = try Recipe.load(path: path, overrides: ["stages.0.batch_size=64", "output=elsewhere", "stages.1.loss.scale=10", "seed=9"])
    #expect(r.stages[0].batchSize == 64 && r.output == "elsewhere" && r.stages[1].loss == .cosent(scale: 10) && r.seed == 9)
    // the text hashed into checkpoints: the file as read, then the --set strings as given
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(r.canonicalText == text + "\n# overrides\nstages.0.batch_size=64\noutput=elsewhere\nstages.1.loss.scale=10\nseed=9")
    #expect(try Recipe.load(path: path).canonicalText == text + "\n# overrides\n")
    try expectError(valid, overrides: ["stages.5.batch_size=1"], "stages.5.batch_size", "not an index")
    try expectError(valid, overrides: ["stages.0.batch_size=many"], "--set", "stages.0.batch_size", "expected an integer")
    try expectError(valid, overrides: ["stages.0.batchsize=3"], "stages.0.batchsize", "unknown key")
  }

  /// `on_nonfinite`: stop by default, skip_batch on request, anything else named by line and key.
  @Test func onNonFiniteIsAStageKey() throws {
    #expect(try Recipe.load(path: try write(valid)).stages[0].onNonFinite == .stop)
    let skip = try Recipe.load(path: try write(valid.replacingOccurrences(of: "    batch_size: 32", with: "    batch_size: 32\n    on_nonfinite: skip_batch")))
    #expect(skip.stages[0].onNonFinite == .skipBatch && skip.stages[1].onNonFinite == .stop)
    try expectError(valid.replacingOccurrences(of: "    batch_size: 32", with: "    batch_size: 32\n    on_nonfinite: ignore"),
                    "r.recipe:19:", "stages.0.on_nonfinite", "expected one of stop, skip_batch, got 'ignore'")
  }

  @Test func errorsNameTheLineAndKey() throws {
    try expectError(valid.replacingOccurrences(of: "    batch_size: 32", with: "    batch_size: 32\n    batch: 3"),
                    "r.recipe:19:", "stages.0.batch", "unknown key")
    try expectError(valid.replacingOccurrences(of: "batch_size: 32", with: "batch_size: big"),
                    "r.recipe:18:", "stages.0.batch_size", "expected an integer, got 'big'")
    try expectError(valid.replacingOccurrences(of: "kind: cosent", with: "kind: triplet"), "r.recipe:30:", "unknown loss 'triplet'")
    try expectError(valid.replacingOccurrences(of: "DIR/sts.tsv\n    loss", with: "DIR/missing.tsv\n    loss"),
                    "r.recipe:28:", "stages.1.data.0.path", "file", "missing.tsv", "not found")
    try expectError(valid.replacingOccurrences(of: "DIR/*.ko.tsv", with: "DIR/*.en.tsv"), "no file matches")
    try expectError(valid.replacingOccurrences(of: "base: DIR/model", with: "base: DIR/nomodel"), "r.recipe:2:", "model.base", "not found")
    #expect(try Recipe.load(path: try write(valid.replacingOccurrences(of: "  max_length: 64\n", with: ""))).model.maxLength == 512)
    // a negative seed is refused (it used to trap in the mine step's conversion to UInt64)
    try expectError(valid, overrides: ["seed=-1"], "seed must not be negative")
    let mining = valid.replacingOccurrences(
      of: "stages:\n  - name: nli", with: "prepare:\n  - mine: {data: DIR/d.h5, rank_window: [1, 5], seed: -1}\nstages:\n  - name: nli")
    try expectError(mining, "r.recipe:", "prepare.0.mine.seed", "seed must not be negative")
  }

  @Test func evaluationSetsOfBothKindsAndTheBestMetric() throws {
    let withIR = valid.replacingOccurrences(
      of: "    path: DIR/sts.tsv\nstages:",
      with: "    path: DIR/sts.tsv\n  - name: ir\n    format: retrieval\n    corpus: DIR/a.ko.tsv\n    queries: DIR/b.ko.tsv\n"
        + "    qrels: DIR/sts.tsv\n    similarities: [cosine, dot]\nbest:\n  set: ir\n  metric: dot_mrr@10\n  patience: 3\nstages:")
    let r = try Recipe.load(path: try write(withIR))
    #expect(r.evaluation.map(\.name) == ["dev", "ir"] && r.evaluation[1].similarities == [.cosine, .dot])
    guard case .retrieval(let corpus, _, _) = r.evaluation[1].source else { Issue.record("not a retrieval set"); return }
    #expect(corpus.hasSuffix("a.ko.tsv") && r.evaluation[1].mainMetric == "cosine_ndcg@10")
    let best = try #require(r.best)
    #expect(best.set == "ir" && best.metric == "dot_mrr@10" && best.greaterIsBetter && best.patience == 3 && best.minDelta == 0 && !best.loadAtEnd)
    #expect(r.best!.improves(0.5, on: nil) && r.best!.improves(0.5, on: 0.4) && !r.best!.improves(0.4, on: 0.4))
    try expectError(withIR.replacingOccurrences(of: "set: ir", with: "set: nope"), "best.set", "no evaluation set named 'nope'")
    // the metric names are the evaluators': the run checks best.metric against them when it starts
    let unknown = try Recipe.load(path: try write(withIR.replacingOccurrences(of: "dot_mrr@10", with: "mrr"))).best!
    #expect(throws: Never.self) { try best.checkMetric(reported: ["cosine_ndcg@10", "dot_mrr@10"]) }
    #expect { try unknown.checkMetric(reported: ["cosine_ndcg@10", "dot_mrr@10"]) } throws: { error in
      "\(error)".hasSuffix("r.recipe:18: best.metric: 'ir' has no metric 'mrr' (it reports: cosine_ndcg@10, dot_mrr@10)")
    }
    try expectError(withIR.replacingOccurrences(of: "    qrels: DIR/sts.tsv\n", with: ""), "evaluation.1.qrels", "needs 'qrels'")
    try expectError(withIR.replacingOccurrences(of: "format: retrieval", with: "format: sts_tsv"), "evaluation.1", "needs a path")
    try expectError(withIR.replacingOccurrences(of: "[cosine, dot]", with: "[manhattan]"), "evaluation.1.similarities.0", "expected one of cosine, dot")
    try expectError(withIR.replacingOccurrences(of: "name: ir", with: "name: dev"), "evaluation.1", "'dev' is used twice")
    try expectError(valid + "\nbest: {set: dev, mode: highest}\n", "best.mode", "expected max or min")
    try expectError(
      valid.replacingOccurrences(of: "    path: DIR/sts.tsv\nstages:", with: "    path: DIR/sts.tsv\n    final: true\nstages:") + "\nbest: {set: dev}\n",
      "best.set", "only at the end")
  }

  @Test func gradCacheAndPretrainingSettings() throws {
    let pre = valid.replacingOccurrences(
      of: "      - format: nli_tsv\n        path: DIR/*.ko.tsv",
      with: "      - format: pairs_tsv\n        path: DIR/a.ko.tsv\n        columns: [sentence1, gold_label]\n        weight: 2\n"
        + "      - format: nli_tsv\n        path: DIR/b.ko.tsv\n        weight: 1"
    ).replacingOccurrences(of: "    batch_size: 32\n", with: "    batch_size: 32\n    mini_batch: 8\n    mixing: per_source\n")
    let r = try Recipe.load(path: try write(pre))
    #expect(r.stages[0].miniBatch == .texts(8) && r.stages[0].mixing == .perSource && r.stages[1].mixing == .mixed)
    #expect(r.stages[0].data.map(\.format) == [.pairsTSV, .nliTSV] && r.stages[0].data[0].columns == ["sentence1", "gold_label"])
    #expect(r.stages[0].data.map(\.weight) == [2, 1])
    let auto = pre.replacingOccurrences(of: "mini_batch: 8", with: "mini_batch: auto\n    memory_budget_mb: 4096")
    #expect(try Recipe.load(path: try write(auto)).stages[0].miniBatch == .auto(megabytes: 4096))
    try expectError(pre.replacingOccurrences(of: "mini_batch: 8", with: "mini_batch: 64"), "stages.0.mini_batch", "larger than the batch")
    try expectError(pre.replacingOccurrences(of: "mini_batch: 8", with: "mini_batch: auto"), "needs memory_budget_mb")
    try expectError(pre.replacingOccurrences(of: "\n        weight: 1", with: ""), "stages.0.data", "a weight, or none")
    try expectError(pre.replacingOccurrences(of: "mixing: per_source", with: "mixing: mixed"), "weights need mixing: per_source")
    try expectError(pre.replacingOccurrences(of: "[sentence1, gold_label]", with: "[x]"), "stages.0.data.0.columns", "two different column names")
    try expectError(valid.replacingOccurrences(of: "    steps: 10\n", with: "    steps: 10\n    mini_batch: 4\n"), "stages.1.mini_batch", "applies to the infonce loss")
    // a pretrain stage: in-batch negatives only, batches from one source unless told otherwise
    let pretrain = try Recipe.load(path: try write(valid.replacingOccurrences(of: "  - name: nli\n", with: "  - name: nli\n    kind: pretrain\n")))
    #expect(pretrain.stages[0].loss == .infoNCE(temperature: 0.05, symmetric: false, hardNegatives: 0) && pretrain.stages[0].mixing == .perSource)
    try expectError(valid.replacingOccurrences(of: "  - name: nli\n", with: "  - name: nli\n    kind: pretrain\n")
      .replacingOccurrences(of: "temperature: 0.05", with: "temperature: 0.05\n      hard_negatives: 1"), "in-batch negatives only")
  }

  @Test func malformedYAMLAndMissingSectionsAreClear() throws {
    try expectError("model: [unclosed\n", "not valid YAML")
    try expectError("seed: 1\n", "missing key 'model'")
    try expectError(valid.replacingOccurrences(of: "kind: cosent", with: "kind: infonce"), "infonce needs")
  }

  @Test(.needsRealModel, .needsKorNLU) func theShippedRecipesParse() throws {
    let root = Fixtures.root.path
    let cwd = FileManager.default.currentDirectoryPath
    _ = FileManager.default.changeCurrentDirectoryPath(root)
    defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
    let k = try Recipe.load(path: "recipes/kornli.recipe")
    #expect(k.stages.map(\.name) == ["kornli", "korsts"])
    #expect(k.stages[0].data[0].paths == ["data/kornlu/KorNLI/xnli.dev.ko.tsv", "data/kornlu/KorNLI/xnli.test.ko.tsv"])
    #expect(k.stages[0].loss == .infoNCE(temperature: 0.05, symmetric: false, hardNegatives: 1))
    #expect(k.stages.allSatisfy { $0.batchSize == 32 && $0.epochs == 1 && $0.maxGradNorm == 1 })
    #expect(k.stages.map(\.optimizer.lr) == [2e-5, 4e-5])
    #expect(k.stages.allSatisfy { $0.matryoshka == Recipe.Matryoshka(dims: [384, 256, 128, 64], weights: [1, 1, 1, 1]) })
    #expect(k.evaluation.map(\.name) == [
      "korsts-dev", "klue-nli-p2h", "korsts-dev-paraphrase", "korsts-test", "korsts-test-paraphrase", "korsts-dev-128", "korsts-test-128",
    ])
    #expect(k.evaluation.map(\.final) == [false, false, false, true, true, false, true])
    #expect(k.evaluation.map(\.truncateDim) == [nil, nil, nil, nil, nil, 128, 128])
    #expect(k.evaluation[1].source == .nliRetrieval(path: "data/klue/klue-nli-v1.1_dev.json", direction: .premiseToHypothesis))
    #expect(k.evaluation[2].source == .stsRetrieval(path: "data/kornlu/KorSTS/sts-dev.tsv", minScore: 4))
    _ = try Recipe.load(path: "recipes/tiny.recipe")
    let me5 = try Recipe.load(path: "recipes/me5-small-korean.recipe")
    #expect(me5.stages.map(\.kind) == [.pretrain, .finetune, .finetune, .instruct])
    #expect(me5.stages[0].miniBatch == .texts(32) && me5.stages[0].batchSize == 1024 && me5.stages[0].data[1].minScore == 4)
    let teacher = try Recipe.load(path: "recipes/kornli-teacher.recipe")
    #expect(teacher.model.crossEncoder && teacher.stages.allSatisfy { $0.loss == .binary(maxScore: 5) } && teacher.best?.metric == "spearman")
    // the distillation recipe's data set is made by its prepare steps
    let distill = try Recipe.load(path: "recipes/kornli-distill.recipe")
    #expect(distill.prepare.count == 4 && distill.prepare[2] == .mine(
      data: "data/kornli-distill.h5", k: 3, window: 10...100, margin: nil, relativeMargin: 0.02, seed: 0))
    #expect(distill.stages[0].data[0].format == .hdf5 && distill.stages[0].data[0].negatives == .mined)
    #expect(distill.stages[0].distill == Recipe.Distill(kind: .kl(temperature: 1), weight: 1, infoNCEWeight: 1))
    #expect(distill.stages[0].loss == .infoNCE(temperature: 0.05, symmetric: false, hardNegatives: 3))
  }
}
