import Recipes

extension Recipe {
  /// The prompts an exported model carries, as its training used them: `query`, and `passage`
  /// and `document` (the prefixes of queries and passages, replacing the base model's prompts of
  /// those names),
  /// each instruct source's instruction under its `prompt_name`, and the other prompts of the
  /// base. `defaultName` is `query` when every text of the run got that same prefix (no instruct
  /// stage and equal, non-empty query and passage prefixes), so sentence-transformers' plain
  /// `encode(texts)` embeds as the run's training and evaluations did; nil otherwise.
  public func exportedPrompts(base: [String: String]) -> (prompts: [String: String], defaultName: String?) {
    var prompts = base
    if !model.crossEncoder {
      prompts["query"] = model.queryPrefix
      prompts["passage"] = model.passagePrefix
      // sentence-transformers' encode_document looks for "document" before "passage" (and
      // fills in an empty "document" when the file has none)
      prompts["document"] = model.passagePrefix
    }
    for stage in stages where stage.kind == .instruct {
      for (k, source) in stage.data.enumerated() {
        if let task = source.instruction { prompts[source.promptName ?? "\(stage.name)-\(k + 1)"] = model.instructionPrefix(task) }
      }
    }
    let uniform =
      !model.crossEncoder && !model.queryPrefix.isEmpty && model.queryPrefix == model.passagePrefix
      && !stages.contains { $0.kind == .instruct } && prompts["query"] == model.queryPrefix
    return (prompts, uniform ? "query" : nil)
  }
}
