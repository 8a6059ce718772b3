import Foundation
import Recipes
import TestSupport
import TextEncoder
import Testing
import Training

/// Instruct stages: queries formatted with their source's instruction, passages bare, and the
/// prompts saved in the exported model for sentence-transformers.
@Suite struct InstructStageTests {
  @Test(.needsRealModel, .needsKorNLU) func instructionsBecomePromptsOfTheExportedModel() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try tinyModel(in: dir)
    let root = Fixtures.root.path
    let text = """
      model: {base: \(model.path), max_length: 24, query_prefix: "query: ", passage_prefix: "passage: "}
      output: \(dir.path)/run
      evaluation:
        - {name: dev, path: \(root)/data/kornlu/KorSTS/sts-dev.tsv, limit: 20, instruction: "Retrieve semantically similar text."}
      stages:
        - name: instruct
          kind: instruct
          data:
            - {format: nli_tsv, path: \(root)/data/kornlu/KorNLI/xnli.dev.ko.tsv, instruction: "Given a premise, retrieve a hypothesis that is entailed by it.", prompt_name: nli}
            - {format: pairs_tsv, path: \(root)/data/kornlu/KorSTS/sts-dev.tsv, instruction: "Retrieve semantically similar text."}
          loss: {kind: infonce}
          batch_size: 2
          steps: 2
      """
    let path = dir.appendingPathComponent("i.recipe").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    try TrainingRun(recipe: try Recipe.load(path: path), observer: { _ in }).run()
    let exported = try SentenceEncoder(directory: dir.appendingPathComponent("run/model").path)
    #expect(exported.prompts["nli"] == "Instruct: Given a premise, retrieve a hypothesis that is entailed by it.\nQuery: ")
    #expect(exported.prompts["instruct-2"] == "Instruct: Retrieve semantically similar text.\nQuery: ")
  }

  @Test func instructionSettingsAreChecked() throws {
    let dir = Fixtures.temporaryDirectory()
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("model"), withIntermediateDirectories: true)
    let data = dir.appendingPathComponent("p.tsv")
    try "a\tb\nx\ty\n".write(to: data, atomically: true, encoding: .utf8)
    func load(_ model: String, _ source: String, kind: String = "instruct") throws -> Recipe {
      let path = dir.appendingPathComponent("r.recipe").path
      try """
      model: {base: \(dir.path)/model\(model)}
      output: \(dir.path)/out
      stages:
        - kind: \(kind)
          data: [{format: pairs_tsv, path: \(data.path), columns: [a, b]\(source)}]
          loss: {kind: infonce}
          batch_size: 1
      """.write(toFile: path, atomically: true, encoding: .utf8)
      return try Recipe.load(path: path)
    }
    let r = try load(", instruction_template: \"<{task}> {text}\"", ", instruction: find it")
    #expect(r.model.instructionPrefix("find it") == "<find it> ")
    #expect(try load("", ", instruction: t").model.instructionPrefix("t") == "Instruct: t\nQuery: ")
    #expect { try load(", instruction_template: \"{task}: {text} please\"", ", instruction: t") } throws: { "\($0)".contains("must end with {text}") }
    #expect { try load(", instruction_template: \"{task}\"", ", instruction: t") } throws: { "\($0)".contains("model.instruction_template") }
    #expect { try load("", "") } throws: { "\($0)".contains("stages.0.data.0.instruction") && "\($0)".contains("needs an instruction") }
    #expect { try load("", ", instruction: t", kind: "finetune") } throws: { "\($0)".contains("applies to sources of instruct stages") }
  }
}

/// The three stage kinds resume exactly: a pretrain stage (pairs, per-source batches, GradCache
/// with dropout) then an instruct stage, stopped and resumed inside each, end with the weights
/// of the uninterrupted run.
@Suite struct StageKindsResumeTests {
  @Test(.needsRealModel, .needsKorNLU) func pretrainAndInstructStagesResumeBitIdentically() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try tinyModel(in: dir)
    let root = Fixtures.root.path
    func recipe(_ name: String) throws -> Recipe {
      let text = """
        model: {base: \(model.path), max_length: 24, query_prefix: "query: ", passage_prefix: "passage: "}
        seed: 4
        output: \(dir.path)/\(name)
        stages:
          - name: pretrain
            kind: pretrain
            data:
              - {format: nli_tsv, path: \(root)/data/kornlu/KorNLI/xnli.dev.ko.tsv}
              - {format: pairs_tsv, path: \(root)/data/kornlu/KorSTS/sts-dev.tsv, min_score: 4}
            loss: {kind: infonce}
            batch_size: 16
            mini_batch: 6
            steps: 4
            optimizer: {lr: 1.0e-3}
            checkpoint: {every: 100, keep: 10}
          - name: instruct
            kind: instruct
            data:
              - {format: pairs_tsv, path: \(root)/data/kornlu/KorSTS/sts-dev.tsv, min_score: 4, instruction: "Retrieve similar text."}
            loss: {kind: infonce, symmetric: true}
            batch_size: 4
            steps: 3
            optimizer: {lr: 1.0e-3}
            checkpoint: {every: 100, keep: 10}
        """
      let path = dir.appendingPathComponent("\(name).recipe").path
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      return try Recipe.load(path: path)
    }
    try TrainingRun(recipe: try recipe("straight"), observer: { _ in }).run()
    let r = try recipe("pieces")
    try TrainingRun(recipe: r, observer: { _ in }).run(maxSteps: 2)  // inside the pretrain stage
    let second = TrainingRun(recipe: r, observer: { _ in })
    try second.run(resume: .latest, maxSteps: 5)  // inside the instruct stage
    let third = TrainingRun(recipe: r, observer: { _ in })
    try third.run(resume: .latest)
    for path in ["model/model.safetensors", "checkpoints/step-0000004/model.safetensors", "checkpoints/step-0000007/optimizer.safetensors"] {
      let a = try Data(contentsOf: dir.appendingPathComponent("straight/" + path))
      let b = try Data(contentsOf: dir.appendingPathComponent("pieces/" + path))
      #expect(a == b, "\(path) differs between the straight and the resumed run")
    }
  }
}
