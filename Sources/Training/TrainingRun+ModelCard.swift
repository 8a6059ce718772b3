import Foundation
import Recipes

/// The README.md model card written into checkpoints and the final model.
extension TrainingRun {
  func modelCard(evaluations: [TrainerState.Evaluation], best: TrainerState.Best?, stepsDone: Int) -> String {
    var s: String
    if recipe.model.crossEncoder {
      s = "---\nlibrary_name: sentence-transformers\npipeline_tag: text-ranking\ntags:\n- cross-encoder\n- trainer\n---\n\n"
      s += "# Cross-encoder fine-tuned from \(recipe.model.base)\n\nTrained by `trainer run \(recipe.file)` (\(stepsDone) steps, seed \(recipe.seed)). "
      s += "`XLMRobertaForSequenceClassification` with one logit per pair `<s> query </s></s> passage </s>`, at most \(recipe.model.maxLength) tokens; "
      s += "it loads in transformers and as a sentence-transformers `CrossEncoder`.\n\n## Stages\n\n"
    } else {
      s = "---\nlibrary_name: sentence-transformers\npipeline_tag: sentence-similarity\ntags:\n- sentence-transformers\n- trainer\n---\n\n"
      s += "# Fine-tuned from \(recipe.model.base)\n\nTrained by `trainer run \(recipe.file)` (\(stepsDone) steps, seed \(recipe.seed)).\n\n"
      s += "Texts are prefixed with `\(recipe.model.queryPrefix)` (queries) and `\(recipe.model.passagePrefix)` (passages); at most \(recipe.model.maxLength) tokens.\n\n## Stages\n\n"
    }
    for st in recipe.stages {
      var loss: String
      switch st.loss {
      case .infoNCE(let t, let sym, let k): loss = "InfoNCE (temperature \(t)\(sym ? ", symmetric" : ""), \(k) hard negative(s) per query)"
      case .cosent(let scale): loss = "CoSENT (scale \(scale))"
      case .binary(let m): loss = "binary cross-entropy of each pair's logit (graded pairs: score / \(m))"
      case .listwise(let k): loss = "listwise cross-entropy over the positive and \(k) hard negative(s)"
      }
      if let d = st.distill {
        let kind = switch d.kind {
        case .kl(let t): "KL distillation from teacher scores (temperature \(t))"
        case .marginMSE: "MarginMSE distillation from teacher scores"
        }
        loss += " + \(d.weight) × \(kind), InfoNCE weight \(d.infoNCEWeight)"
      }
      s += "- **\(st.name)** (\(st.kind.rawValue)): \(loss) on \(st.data.flatMap(\.paths).joined(separator: ", ")); batch \(st.batchSize), lr \(st.optimizer.lr), \(st.epochs.map { "\($0) epoch(s)" } ?? "\(st.steps ?? 0) steps")\n"
    }
    if !evaluations.isEmpty {
      s += "\n## Evaluation\n\nThe numbers `metrics.jsonl` of the run holds and `trainer report` draws (`report.html` in the run directory).\n\n"
      s += "| set | after | step | metric | value |\n|---|---|---|---|---|\n"
      for e in evaluations {
        s += "| \(e.name) | \(e.stage) | \(e.globalStep) | \(e.mainMetric) | \(Self.formatted(e.main)) |\n"
      }
      if let best {
        s += "\nBest checkpoint: `\(best.checkpoint)` (step \(best.globalStep)), \(best.set) \(best.metric) \(Self.formatted(best.value))"
        s += recipe.best?.loadAtEnd == true ? "; these are its weights.\n" : ".\n"
      }
      for e in evaluations where e.stage == "final" {
        s += "\n### \(e.name) (at the end)\n\n| metric | value |\n|---|---|\n"
        for m in e.metrics { s += "| \(m.name) | \(Self.formatted(m.value)) |\n" }
      }
    }
    s += "\n## Recipe\n\n```yaml\n\(recipe.canonicalText)\n```\n"
    return s
  }

  /// A metric in the card: four decimals, or "–" where there is none or it is not finite.
  static func formatted(_ value: Double?) -> String {
    guard let value, value.isFinite else { return "–" }
    return String(format: "%.4f", value)
  }
}
