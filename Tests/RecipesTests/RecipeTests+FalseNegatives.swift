import Foundation
import Recipes
import TestSupport
import Testing

/// InfoNCE's `false_negatives` (GISTEmbed's masking with the model as its guide).
extension RecipeTests {
  @Test func falseNegativesTakeAMarginOrARelativeMargin() throws {
    func with(_ section: String) -> String {
      valid.replacingOccurrences(of: "      temperature: 0.05\n", with: "      temperature: 0.05\n      false_negatives: \(section)\n")
    }
    #expect(try Recipe.load(path: try write(with("{guide: self, margin: 0.1}"))).stages[0].falseNegatives
      == Recipe.FalseNegatives(margin: .absolute(0.1)))
    #expect(try Recipe.load(path: try write(with("{guide: self, relative_margin: 0.05}"))).stages[0].falseNegatives
      == Recipe.FalseNegatives(margin: .relative(0.05)))
    #expect(try Recipe.load(path: try write(valid)).stages[0].falseNegatives == nil)
    try expectError(with("{guide: self}"), "stages.0.loss.false_negatives", "needs a margin or a relative_margin")
    try expectError(with("{guide: self, margin: 0.1, relative_margin: 0.1}"), "false_negatives.relative_margin", "not both")
    try expectError(with("{guide: models/teacher, margin: 0.1}"), "false_negatives.guide", "not supported yet")
    try expectError(with("{guide: self, relative_margin: 1}"), "false_negatives.relative_margin", "below 1")
    try expectError(with("{guide: self, margin: -0.1}"), "false_negatives.margin")
    try expectError(with("{margin: 0.1}"), "false_negatives", "guide")
  }
}

/// `matryoshka` on InfoNCE and CoSENT losses.
extension RecipeTests {
  @Test func matryoshkaTakesDimsAndWeights() throws {
    func with(_ section: String) -> String {
      valid.replacingOccurrences(of: "      temperature: 0.05\n", with: "      temperature: 0.05\n      matryoshka: \(section)\n")
    }
    #expect(try Recipe.load(path: try write(with("{dims: [384, 128, 64], weights: [1, 0.5, 0.5]}"))).stages[0].matryoshka
      == Recipe.Matryoshka(dims: [384, 128, 64], weights: [1, 0.5, 0.5]))
    #expect(try Recipe.load(path: try write(with("{dims: [384, 64]}"))).stages[0].matryoshka == Recipe.Matryoshka(dims: [384, 64], weights: [1, 1]))
    #expect(try Recipe.load(path: try write(valid)).stages[0].matryoshka == nil)
    try expectError(with("{dims: []}"), "stages.0.loss.matryoshka.dims", "at least one dimension")
    try expectError(with("{dims: [64, 64]}"), "matryoshka.dims", "listed twice")
    try expectError(with("{dims: [0]}"), "matryoshka.dims.0")
    try expectError(with("{dims: [384, 64], weights: [1]}"), "matryoshka.weights", "1 weights for 2 dims")
    try expectError(with("{dims: [384, 64], weights: [0, 0]}"), "matryoshka.weights", "above 0")
    try expectError(with("{weights: [1]}"), "matryoshka", "dims")
  }
}
