import Foundation
import Recipes

/// The README.md model card written into checkpoints and the final model.
extension TrainingRun {
  func modelCard(evaluations: [TrainerState.Evaluation], stepsDone: Int) -> String {
    var s = "---\nlibrary_name: sentence-transformers\npipeline_tag: sentence-similarity\ntags:\n- sentence-transformers\n- trainer\n---\n\n"
    s += "# Fine-tuned from \(recipe.model.base)\n\nTrained by `trainer run \(recipe.file)` (\(stepsDone) steps, seed \(recipe.seed)).\n\n"
    s += "Texts are prefixed with `\(recipe.model.queryPrefix)` (queries) and `\(recipe.model.passagePrefix)` (passages); at most \(recipe.model.maxLength) tokens.\n\n## Stages\n\n"
    for st in recipe.stages {
      let loss: String
      switch st.loss {
      case .infoNCE(let t, let sym, let k): loss = "InfoNCE (temperature \(t)\(sym ? ", symmetric" : ""), \(k) hard negative(s) per query)"
      case .cosent(let scale): loss = "CoSENT (scale \(scale))"
      }
      s += "- **\(st.name)** (\(st.kind.rawValue)): \(loss) on \(st.data.flatMap(\.paths).joined(separator: ", ")); batch \(st.batchSize), lr \(st.optimizer.lr), \(st.epochs.map { "\($0) epoch(s)" } ?? "\(st.steps ?? 0) steps")\n"
    }
    if !evaluations.isEmpty {
      s += "\n## Evaluation (Spearman of cosine similarity)\n\n| set | after | step | Spearman |\n|---|---|---|---|\n"
      for e in evaluations { s += "| \(e.name) | \(e.stage) | \(e.globalStep) | \(String(format: "%.4f", e.spearman)) |\n" }
    }
    s += "\n## Recipe\n\n```yaml\n\(recipe.canonicalText)\n```\n"
    return s
  }
}
