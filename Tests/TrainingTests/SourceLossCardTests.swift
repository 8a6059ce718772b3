import Foundation
import Recipes
import TestSupport
import Testing
@testable import Training

/// The model card of a stage whose sources have their own losses: every loss named (tags,
/// citations), described per source, and each source's settings among the hyperparameters.
@Suite struct SourceLossCardTests {
  func stage(_ stageLoss: String, nli: String = "") throws -> Recipe.Stage {
    let dir = Fixtures.temporaryDirectory()
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("model"), withIntermediateDirectories: true)
    for name in ["nli.tsv", "sts.tsv"] { try "sentence1\tsentence2\n".write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    let text = """
      model: {base: \(dir.path)/model}
      output: \(dir.path)/out
      stages:
        - name: mixed
          data:
            - {format: nli_tsv, path: \(dir.path)/nli.tsv, name: KorNLI\(nli)}
            - {format: sts_tsv, path: \(dir.path)/sts.tsv, name: KorSTS, loss: {kind: cosent, scale: 10}}
          mixing: per_source
          batch_size: 4
      \(stageLoss)
      """
    let path = dir.appendingPathComponent("r.recipe").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return try Recipe.load(path: path).stages[0]
  }

  @Test func everySourcesLossIsOnTheCard() throws {
    let st = try stage("    loss: {kind: infonce, temperature: 0.1}")
    #expect(ModelCard.lossNames(st) == ["InfoNCE", "CoSENT"])
    let description = ModelCard.lossDescription(st)
    #expect(description.hasPrefix("each batch from one source, with that source's loss: KorNLI: InfoNCE"))
    #expect(description.contains("; KorSTS: CoSENT (scale 10)"))
    let rows = ModelCard.hyperparameters(st).map { "\($0.key)=\($0.value)" }
    #expect(rows.contains("loss.temperature=0.1") && rows.contains("data.1.loss.scale=10") && !rows.contains("loss.scale=20"))
  }

  @Test func withoutAStageLossOnlyTheSourcesLossesAreListed() throws {
    let st = try stage("", nli: ", loss: {kind: infonce}")
    let keys = ModelCard.hyperparameters(st).map(\.key)
    #expect(keys.contains("data.0.loss.temperature") && keys.contains("data.1.loss.scale") && !keys.contains { $0.hasPrefix("loss.") })
  }
}
