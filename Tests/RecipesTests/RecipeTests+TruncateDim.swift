import Foundation
import Recipes
import TestSupport
import Testing

/// `truncate_dim` under `model:` (the exported model's, and the evaluation sets' default) and on
/// an evaluation set; a dimension above the base model's width is refused once the width is known.
extension RecipeTests {
  @Test func truncateDimOnTheModelAndOnEvaluationSets() throws {
    let sets = valid.replacingOccurrences(
      of: "    path: DIR/sts.tsv\nstages:",
      with: "    path: DIR/sts.tsv\n  - name: dev-128\n    path: DIR/sts.tsv\n    truncate_dim: 128\nstages:")
    let r = try Recipe.load(path: try write(sets))
    #expect(r.model.truncateDim == nil && r.evaluation.map(\.truncateDim) == [nil, 128])
    // no model truncate_dim: the base's (if below the width), a set's own wins
    #expect(r.exportedTruncateDim(base: nil, width: 384) == nil && r.exportedTruncateDim(base: 256, width: 384) == 256)
    #expect(r.exportedTruncateDim(base: 512, width: 384) == nil)
    #expect(r.truncateDim(of: r.evaluation[0], base: nil, width: 384) == nil)
    #expect(r.truncateDim(of: r.evaluation[1], base: nil, width: 384) == 128)
    #expect(r.truncateDim(of: r.evaluation[0], base: 64, width: 384) == 64)
    #expect(r.truncateDim(of: r.evaluation[1], base: 64, width: 384) == 128)
    try r.checkTruncateDims(width: 128)

    let m = try Recipe.load(path: try write(sets), overrides: ["model.truncate_dim=256"])
    #expect(m.model.truncateDim == 256 && m.exportedTruncateDim(base: 64, width: 384) == 256)
    #expect(m.truncateDim(of: m.evaluation[0], base: nil, width: 384) == 256)
    #expect(m.truncateDim(of: m.evaluation[1], base: nil, width: 384) == 128)
    // the whole width is no truncation: the base's truncate_dim is dropped that way
    let whole = try Recipe.load(path: try write(sets), overrides: ["model.truncate_dim=384"])
    #expect(whole.exportedTruncateDim(base: 64, width: 384) == nil && whole.truncateDim(of: whole.evaluation[0], base: 64, width: 384) == nil)

    #expect { try m.checkTruncateDims(width: 200) } throws: {
      let s = "\($0)"
      return s.contains("r.recipe") && s.contains("model.truncate_dim") && s.contains("truncate_dim 256 is above the width of the base model's embeddings (200)")
    }
    #expect { try r.checkTruncateDims(width: 100) } throws: {
      "\($0)".contains("evaluation.1.truncate_dim") && "\($0)".contains("truncate_dim 128 is above")
    }
    try expectError(sets.replacingOccurrences(of: "truncate_dim: 128", with: "truncate_dim: 0"), "evaluation.1.truncate_dim", "expected a positive integer, got 0")
    try expectError(sets.replacingOccurrences(of: "truncate_dim: 128", with: "truncate_dim: 1.5"), "evaluation.1.truncate_dim", "expected an integer")
    try expectError(valid, overrides: ["model.truncate_dim=-3"], "model.truncate_dim", "expected a positive integer")
    try expectError(valid, overrides: ["model.cross_encoder=true", "model.truncate_dim=8"], "model.truncate_dim", "a cross-encoder has no embeddings")
    try expectError(sets, overrides: ["model.cross_encoder=true"], "evaluation.1.truncate_dim", "a cross-encoder's evaluation sets take no truncate_dim")
  }
}
