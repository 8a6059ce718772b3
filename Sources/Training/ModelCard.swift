import Foundation
import Recipes
import TextEncoder

/// The README.md model card of a run's checkpoints and final model, laid out as
/// sentence-transformers' generator writes one: YAML metadata (base model, datasets, language,
/// licence, tags, model-index with the evaluations), the model and its prompts, usage,
/// training data statistics, each stage's loss and hyperparameters, the training log,
/// evaluation tables, framework versions and citations. It names no absolute path: files by
/// their name, the recipe's paths by their last component.
struct ModelCard {
  var recipe: Recipe
  var base: BaseModelInfo
  var layout: SentenceTransformersLayout
  var config: EncoderConfig
  var statistics: [DataStatistics]
  var evaluations: [TrainerState.Evaluation]
  var best: TrainerState.Best?
  var stepsDone: Int
  /// metrics.jsonl of the run so far (its text; empty when there is none).
  var log: String
  /// The matrix products' precision ("fp32", "bf16", or each stage's: `TrainingRun.precisionRecord`).
  var precision: String = "fp32"

  func render() -> String {
    var s = frontMatter()
    s += "\n" + title()
    s += modelSection()
    s += usageSection()
    s += evaluationSection()
    s += trainingSection()
    s += logSection()
    s += frameworkSection()
    s += citationSection()
    s += "\n## Recipe\n\n```yaml\n\(Self.portableText(recipe.canonicalText))\n```\n"
    return s
  }

  /// What the card calls the model (model-index's name too).
  var modelName: String {
    let kind = recipe.model.crossEncoder ? "CrossEncoder" : "SentenceTransformer"
    let data = datasetNames
    return "\(kind) based on \(base.name)" + (data.isEmpty ? "" : " trained on " + data.joined(separator: ", "))
  }

  /// The named data sets of all stages, once each, in order.
  var datasetNames: [String] {
    var out: [String] = []
    for st in recipe.stages { for d in st.data { if let n = d.name, !out.contains(n) { out.append(n) } } }
    return out
  }

  func title() -> String {
    var s = "# \(modelName)\n\n"
    let what = recipe.model.crossEncoder ? "a cross-encoder (`\(config.modelType.classifierClass)`, one logit per pair)" : "a [sentence-transformers](https://www.SBERT.net) model"
    let from = base.isHubID ? "[\(base.name)](https://huggingface.co/\(base.name))" : "`\(base.name)`"
    s += "This is \(what) fine-tuned from \(from) by `trainer run \(Self.portable(recipe.file))` (\(stepsDone) steps, seed \(recipe.seed)), "
    s += "a CPU trainer written in Swift. "
    s += recipe.model.crossEncoder
      ? "It scores a pair `<s> query </s></s> passage </s>` of at most \(recipe.model.maxLength) tokens and loads in transformers and as a sentence-transformers `CrossEncoder`.\n"
      : "It maps texts to \(layout.truncateDim ?? config.hiddenSize)-dimensional vectors for semantic textual similarity, semantic search, paraphrase mining, clustering and classification.\n"
    return s
  }

  /// A path as the card may show it: as written when relative, else its last component.
  static func portable(_ path: String) -> String {
    path.hasPrefix("/") || path.hasPrefix("~") ? URL(fileURLWithPath: path).lastPathComponent : path
  }

  /// A text with every absolute path (a `/` or `~/` at the start of a word or after `=`, a quote,
  /// `:`, `[` or `,`) replaced by its last component.
  static func portableText(_ text: String) -> String {
    guard let re = try? NSRegularExpression(pattern: #"(?<=^|[\s"'=:\[,(])~?/[^\s"',\])]*"#, options: [.anchorsMatchLines]) else { return text }
    let ns = text as NSString
    var out = "", last = 0
    for m in re.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
      out += ns.substring(with: NSRange(location: last, length: m.range.location - last))
      let path = ns.substring(with: m.range)
      let name = URL(fileURLWithPath: path).lastPathComponent
      out += name == "/" || name.isEmpty ? "…" : name
      last = m.range.location + m.range.length
    }
    return out + ns.substring(from: last)
  }

  /// A metric in the card: four decimals, or "–" where there is none or it is not finite.
  static func formatted(_ value: Double?) -> String {
    guard let value, value.isFinite else { return "–" }
    return String(format: "%.4f", value)
  }
}
