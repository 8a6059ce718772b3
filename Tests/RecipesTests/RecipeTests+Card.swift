import Foundation
import Recipes
import Testing

/// The keys for what surrounds a run: the evaluation before training, and the names, licences
/// and languages of data sources that the model card reports.
extension RecipeTests {
  @Test func evaluationBeforeTrainingIsOnUnlessTheRecipeSaysNo() throws {
    let path = try write(valid)
    #expect(try Recipe.load(path: path).evaluateBeforeTraining)
    #expect(!(try Recipe.load(path: path, overrides: ["evaluate_before_training=false"]).evaluateBeforeTraining))
    try expectError(valid, overrides: ["evaluate_before_training=sometimes"], "evaluate_before_training")
  }

  @Test func dataSourcesCarryNameLicenceAndLanguages() throws {
    let r = try Recipe.load(
      path: try write(valid), overrides: ["stages.0.data.0.name=kor_nli", "stages.0.data.0.license=cc-by-sa-4.0", "stages.0.data.0.language=ko"])
    #expect(r.stages[0].data[0].name == "kor_nli" && r.stages[0].data[0].license == "cc-by-sa-4.0" && r.stages[0].data[0].languages == ["ko"])
    #expect(r.stages[1].data[0].name == nil && r.stages[1].data[0].license == nil && r.stages[1].data[0].languages.isEmpty)
    let list = valid.replacingOccurrences(of: "      - format: sts_tsv\n", with: "      - format: sts_tsv\n        language: [ko, en]\n")
    #expect(list != valid)
    #expect(try Recipe.load(path: try write(list)).stages[1].data[0].languages == ["ko", "en"])
    try expectError(valid, overrides: ["stages.0.data.0.licence=mit"], "licence")
  }
}
