import Foundation
import Recipes
import TestSupport
import Testing

/// Evaluation sets made from STS and NLI files: `sts_retrieval` (min_score) and `nli_retrieval`
/// (direction).
extension RecipeTests {
  @Test func retrievalSetsFromSTSAndNLIFiles() throws {
    let sets = valid.replacingOccurrences(
      of: "    path: DIR/sts.tsv\nstages:",
      with: "    path: DIR/sts.tsv\n  - name: para\n    format: sts_retrieval\n    path: DIR/sts.tsv\n    min_score: 3.5\n"
        + "  - name: nli\n    format: nli_retrieval\n    path: DIR/a.ko.tsv\n    direction: hypothesis_to_premise\n"
        + "  - name: nli2\n    format: nli_retrieval\n    path: DIR/b.ko.tsv\nstages:")
    let r = try Recipe.load(path: try write(sets))
    guard case .stsRetrieval(let sts, let minScore) = r.evaluation[1].source,
      case .nliRetrieval(let nli, let direction) = r.evaluation[2].source,
      case .nliRetrieval(_, let defaultDirection) = r.evaluation[3].source
    else {
      Issue.record("sources: \(r.evaluation.map(\.source))")
      return
    }
    #expect(sts.hasSuffix("sts.tsv") && minScore == 3.5 && nli.hasSuffix("a.ko.tsv"))
    #expect(direction == .hypothesisToPremise && defaultDirection == .premiseToHypothesis)
    #expect(r.evaluation[1].mainMetric == "cosine_ndcg@10" && r.evaluation[2].mainMetric == "cosine_ndcg@10")
    let noMin = try Recipe.load(path: try write(sets.replacingOccurrences(of: "    min_score: 3.5\n", with: "")))
    guard case .stsRetrieval(_, 4) = noMin.evaluation[1].source else {
      Issue.record("min_score is 4 by default, got \(noMin.evaluation[1].source)")
      return
    }

    try expectError(sets.replacingOccurrences(of: "hypothesis_to_premise", with: "sideways"), "evaluation.2.direction",
                    "expected one of premise_to_hypothesis, hypothesis_to_premise")
    try expectError(sets.replacingOccurrences(of: "min_score: 3.5", with: "min_score: .inf"), "evaluation.1.min_score")
    try expectError(sets.replacingOccurrences(of: "min_score: 3.5", with: "direction: premise_to_hypothesis"),
                    "evaluation.1.direction", "belongs to nli_retrieval")
    try expectError(sets.replacingOccurrences(of: "    path: DIR/a.ko.tsv\n", with: ""), "evaluation.2", "an nli_retrieval evaluation set needs a path")
    try expectError(sets.replacingOccurrences(of: "DIR/a.ko.tsv", with: "DIR/none.tsv"), "evaluation.2.path")
    try expectError(sets.replacingOccurrences(of: "format: sts_retrieval", with: "format: sts_pairs"), "evaluation.1.format",
                    "expected format sts_tsv, retrieval, sts_retrieval or nli_retrieval")
  }
}

/// The `merge` section.
extension RecipeTests {
  @Test func mergeTakesAWeightOrSeveralWithABestSet() throws {
    let one = try Recipe.load(path: try write(valid + "\nmerge: {with: base, weight: 0.5}\n"))
    #expect(one.merge == Recipe.Merge(with: nil, weights: [0.5]))
    let other = try Recipe.load(path: try write(valid + "\nmerge: {with: DIR/model, weight: [0.3, 0.6]}\nbest: {set: dev}\n"))
    #expect(other.merge?.with?.hasSuffix("/model") == true && other.merge?.weights == [0.3, 0.6])
    #expect(try Recipe.load(path: try write(valid)).merge == nil)
    try expectError(valid + "\nmerge: {weight: 1.5}\n", "merge.weight", "in [0, 1]")
    try expectError(valid + "\nmerge: {weight: [0.3, 0.6]}\n", "merge.weight", "needs a 'best' section")
    try expectError(valid + "\nmerge: {with: DIR/nowhere, weight: 0.5}\n", "merge.with", "not found")
    try expectError(valid + "\nmerge: {with: base}\n", "merge", "weight")
    try expectError(valid + "\nmerge: {weight: 0.5, ratio: 2}\n", "merge.ratio")
  }
}
