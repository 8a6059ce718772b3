import Recipes

/// The card's YAML front matter, as the Hugging Face Hub and `huggingface_hub.ModelCard` read it.
extension ModelCard {
  /// The evaluations model-index reports: those at the end of the run, else the last of each set.
  var reportedEvaluations: [TrainerState.Evaluation] {
    let final = evaluations.filter { $0.stage == "final" }
    if !final.isEmpty { return final }
    var last: [String: Int] = [:]
    for (i, e) in evaluations.enumerated() where e.stage != TrainingRun.baselineStage { last[e.name] = i }
    return last.values.sorted().map { evaluations[$0] }
  }

  /// The languages of the data sources (`language:`), else the base model's.
  var languages: [String] {
    var out: [String] = []
    for st in recipe.stages { for d in st.data { for l in d.languages where !out.contains(l) { out.append(l) } } }
    return out.isEmpty ? base.languages : out
  }

  var lossTags: [String] {
    var out: [String] = []
    for st in recipe.stages {
      for t in Self.lossNames(st) where !out.contains(t) { out.append(t) }
    }
    return out
  }

  func frontMatter() -> String {
    let q = ModelCardYAML.quoted
    var s = "---\n"
    if !languages.isEmpty { s += "language:\n" + languages.map { "- \(q($0))\n" }.joined() }
    if let l = base.license { s += "license: \(q(l))\n" }
    s += "library_name: sentence-transformers\n"
    s += "pipeline_tag: \(recipe.model.crossEncoder ? "text-ranking" : "sentence-similarity")\n"
    var tags = recipe.model.crossEncoder ? ["sentence-transformers", "cross-encoder", "text-ranking"]
      : ["sentence-transformers", "sentence-similarity", "feature-extraction"]
    tags += ["trainer", "dataset_size:\(statistics.reduce(0) { $0 + $1.examples })"] + lossTags.map { "loss:\($0)" }
    s += "tags:\n" + tags.map { "- \(q($0))\n" }.joined()
    if base.isHubID { s += "base_model: \(q(base.name))\n" }
    if !datasetNames.isEmpty { s += "datasets:\n" + datasetNames.map { "- \(q($0))\n" }.joined() }
    let reported = reportedEvaluations
    var metricNames: [String] = []
    for e in reported { for m in e.metrics where m.value.isFinite && !metricNames.contains(m.name) { metricNames.append(m.name) } }
    if !metricNames.isEmpty { s += "metrics:\n" + metricNames.map { "- \(q($0))\n" }.joined() }
    if !reported.isEmpty {
      s += "model-index:\n- name: \(q(modelName))\n  results:\n"
      for e in reported {
        let metrics = e.metrics.filter(\.value.isFinite)
        guard !metrics.isEmpty else { continue }
        let (type, name) = Self.task(of: e, crossEncoder: recipe.model.crossEncoder, recipe: recipe)
        s += "  - task:\n      type: \(type)\n      name: \(q(name))\n"
        s += "    dataset:\n      name: \(q(e.name))\n      type: \(q(e.name))\n"
        s += "    metrics:\n"
        for m in metrics {
          s += "    - type: \(q(m.name))\n      value: \(ModelCardYAML.number(m.value))\n      name: \(q(Self.metricTitle(m.name)))\n"
        }
      }
    }
    return s + "---\n"
  }

  /// model-index's task of an evaluation: semantic similarity (STS sets) or information retrieval.
  static func task(of e: TrainerState.Evaluation, crossEncoder: Bool, recipe: Recipe) -> (type: String, name: String) {
    let set = recipe.evaluation.first { $0.name == e.name }
    if case .retrieval = set?.source { return ("information-retrieval", "Information Retrieval") }
    return ("semantic-similarity", "Semantic Similarity")
  }

  /// `spearman_cosine` → "Spearman Cosine", `cosine_ndcg@10` → "Cosine Ndcg@10", as sentence-transformers titles them.
  static func metricTitle(_ name: String) -> String {
    name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
  }
}
