import Foundation
import Recipes
import TestSupport
import Testing

@testable import Training

/// The prompts an export carries are those the training used, and the default prompt is set
/// exactly when every text got the same prefix.
@Suite struct ExportedPromptsTests {
  func recipe(query: String, passage: String, instruct: Bool = false) throws -> Recipe {
    let dir = Fixtures.temporaryDirectory()
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("model"), withIntermediateDirectories: true)
    try "sentence1\tsentence2\tgold_label\n".write(to: dir.appendingPathComponent("a.tsv"), atomically: true, encoding: .utf8)
    let instructStage = """
        - name: inst
          kind: instruct
          data:
            - {format: nli_tsv, path: \(dir.path)/a.tsv, instruction: "Find the entailed sentence.", prompt_name: nli}
          loss: {kind: infonce}
          batch_size: 4
          steps: 1
      """
    let text = """
      model: {base: \(dir.path)/model, query_prefix: "\(query)", passage_prefix: "\(passage)"}
      output: \(dir.path)/out
      stages:
        - name: nli
          data: [{format: nli_tsv, path: \(dir.path)/a.tsv}]
          loss: {kind: infonce}
          batch_size: 4
          steps: 1
      \(instruct ? instructStage : "")
      """
    let path = dir.appendingPathComponent("r.recipe").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return try Recipe.load(path: path)
  }

  let base = ["query": "query: ", "passage": "passage: ", "other": "x: "]

  @Test func oneSharedPrefixBecomesTheDefaultPrompt() throws {
    let (prompts, name) = try recipe(query: "query: ", passage: "query: ").exportedPrompts(base: base)
    #expect(prompts == ["query": "query: ", "passage": "query: ", "document": "query: ", "other": "x: "] && name == "query")
  }

  @Test func differentPrefixesGiveNoDefault() throws {
    let (prompts, name) = try recipe(query: "query: ", passage: "passage: ").exportedPrompts(base: base)
    #expect(prompts["query"] == "query: " && prompts["passage"] == "passage: " && prompts["document"] == "passage: " && name == nil)
    // no prefix at all: the base's prompts of these roles are replaced by the empty ones training used
    let (none, noName) = try recipe(query: "", passage: "").exportedPrompts(base: base)
    #expect(none["query"] == "" && none["passage"] == "" && noName == nil)
  }

  @Test func instructStagesAddTheirPromptsAndRuleOutADefault() throws {
    let (prompts, name) = try recipe(query: "query: ", passage: "query: ", instruct: true).exportedPrompts(base: [:])
    #expect(prompts["nli"] == "Instruct: Find the entailed sentence.\nQuery: " && prompts["query"] == "query: " && name == nil)
  }
}
