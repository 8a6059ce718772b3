import Foundation
import Recipes
import TestSupport
import Testing

/// `distill: {kind: embedding, ...}` on InfoNCE, and `kind: embedding_distillation` alone.
extension RecipeTests {
  /// A recipe whose first stage reads an hdf5 data set with `loss`, and the teacher directory it may name.
  func embeddingRecipe(_ loss: String, format: String = "hdf5") throws -> (text: String, teacher: String) {
    let dir = Fixtures.temporaryDirectory()
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("teacher"), withIntermediateDirectories: true)
    try "{}".write(to: dir.appendingPathComponent("teacher/config.json"), atomically: true, encoding: .utf8)
    try "".write(to: dir.appendingPathComponent("d.h5"), atomically: true, encoding: .utf8)
    let text = valid.replacingOccurrences(of: "      - format: nli_tsv\n        path: DIR/*.ko.tsv\n", with: "      - format: \(format)\n        path: \(dir.path)/d.h5\n")
      .replacingOccurrences(of: "    loss:\n      kind: infonce\n      temperature: 0.05\n", with: "    loss: \(loss.replacingOccurrences(of: "TEACHER", with: dir.path + "/teacher"))\n")
    return (text, dir.path + "/teacher")
  }

  @Test func embeddingDistillationOnInfoNCEOrAlone() throws {
    let (onInfoNCE, teacher) = try embeddingRecipe("{kind: infonce, hard_negatives: 2, distill: {kind: embedding, teacher: TEACHER, weight: 0.5, kl: 0.2}}")
    let a = try Recipe.load(path: try write(onInfoNCE)).stages[0]
    #expect(a.loss == .infoNCE(temperature: 0.05, symmetric: false, hardNegatives: 2))
    #expect(a.distill == Recipe.Distill(kind: .embedding(.init(directory: teacher, kl: 0.2)), weight: 0.5, infoNCEWeight: 1))
    let (alone, teacher2) = try embeddingRecipe("{kind: embedding_distillation, teacher: TEACHER, prompt: \"query: \", temperature: 0.02}")
    let b = try Recipe.load(path: try write(alone)).stages[0]
    #expect(b.loss == .infoNCE(temperature: 0.02, symmetric: false, hardNegatives: 0))
    #expect(b.distill == Recipe.Distill(kind: .embedding(.init(directory: teacher2, prompt: "query: ")), weight: 1, infoNCEWeight: 0))
  }

  @Test func embeddingDistillationErrorsNameTheKey() throws {
    let missing = try embeddingRecipe("{kind: embedding_distillation, teacher: /nonexistent/teacher}").text
    try expectError(missing, "stages.0.loss.teacher", "/nonexistent/teacher", "not a model directory")
    let onInfoNCE = try embeddingRecipe("{kind: infonce, distill: {kind: embedding, teacher: /nonexistent/teacher}}").text
    try expectError(onInfoNCE, "stages.0.loss.distill.teacher", "/nonexistent/teacher")
    try expectError(try embeddingRecipe("{kind: infonce, distill: {kind: embedding}}").text, "stages.0.loss.distill", "missing key 'teacher'")
    try expectError(
      try embeddingRecipe("{kind: infonce, distill: {kind: embedding, teacher: TEACHER, temperature: 2}}").text,
      "stages.0.loss.distill.temperature", "InfoNCE temperature")
    try expectError(try embeddingRecipe("{kind: embedding_distillation, teacher: TEACHER, weight: 0}").text, "stages.0.loss", "not both 0")
    try expectError(
      try embeddingRecipe("{kind: embedding_distillation, teacher: TEACHER}", format: "jsonl").text, "stages.0.data.0.format",
      "hdf5 data sets", "jsonl")
    try expectError(
      try embeddingRecipe("{kind: infonce, matryoshka: {dims: [8]}, distill: {kind: embedding, teacher: TEACHER}}").text, "stages.0.loss",
      "matryoshka")
    try expectError(try embeddingRecipe("{kind: embedding_distillation, teacher: TEACHER, symmetric: true}").text, "stages.0.loss.symmetric", "unknown key")
  }
}
