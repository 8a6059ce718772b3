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
    let r = try Recipe.load(
      path: try write(valid), overrides: ["stages.0.batch_size=64", "output=elsewhere", "stages.1.loss.scale=10", "seed=9"])
    #expect(r.stages[0].batchSize == 64 && r.output == "elsewhere" && r.stages[1].loss == .cosent(scale: 10) && r.seed == 9)
    try expectError(valid, overrides: ["stages.5.batch_size=1"], "stages.5.batch_size", "not an index")
    try expectError(valid, overrides: ["stages.0.batch_size=many"], "--set", "stages.0.batch_size", "expected an integer")
    try expectError(valid, overrides: ["stages.0.batchsize=3"], "stages.0.batchsize", "unknown key")
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
  }

  @Test func malformedYAMLAndMissingSectionsAreClear() throws {
    try expectError("model: [unclosed\n", "not valid YAML")
    try expectError("seed: 1\n", "missing key 'model'")
    try expectError(valid.replacingOccurrences(of: "kind: cosent", with: "kind: infonce"), "infonce needs")
  }

  @Test func theShippedRecipesParse() throws {
    let root = Fixtures.root.path
    guard FileManager.default.fileExists(atPath: root + "/models/multilingual-e5-small"),
      FileManager.default.fileExists(atPath: root + "/data/kornlu/KorNLI")
    else {
      #expect(!Fixtures.requireRealModel, "models/ or data/kornlu missing; run tools/setup.sh")
      return
    }
    let cwd = FileManager.default.currentDirectoryPath
    FileManager.default.changeCurrentDirectoryPath(root)
    defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
    let k = try Recipe.load(path: "recipes/kornli.recipe")
    #expect(k.stages.map(\.name) == ["kornli", "korsts"])
    #expect(k.stages[0].data[0].paths == ["data/kornlu/KorNLI/xnli.dev.ko.tsv", "data/kornlu/KorNLI/xnli.test.ko.tsv"])
    #expect(k.stages[0].loss == .infoNCE(temperature: 0.05, symmetric: false, hardNegatives: 1))
    #expect(k.stages.allSatisfy { $0.batchSize == 32 && $0.epochs == 1 && $0.optimizer.lr == 2e-5 && $0.maxGradNorm == 1 })
    #expect(k.evaluation.map(\.final) == [false, true])
    _ = try Recipe.load(path: "recipes/tiny.recipe")
  }
}
