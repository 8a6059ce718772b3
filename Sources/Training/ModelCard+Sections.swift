import Recipes
import TextEncoder

/// The card's description of the model (architecture, prompts), its usage and its evaluations.
extension ModelCard {
  func modelSection() -> String {
    var s = "\n## Model Details\n\n"
    s += "- **Model type:** \(recipe.model.crossEncoder ? "Cross Encoder" : "Sentence Transformer")\n"
    s += "- **Base model:** \(base.isHubID ? "[\(base.name)](https://huggingface.co/\(base.name))" : "`\(base.name)`")\n"
    s += "- **Maximum sequence length:** \(recipe.model.maxLength) tokens\n"
    if !recipe.model.crossEncoder {
      let dims = layout.truncateDim.map { "\($0) (`truncate_dim`: the first \($0) of the encoder's \(config.hiddenSize))" } ?? "\(config.hiddenSize)"
      s += "- **Output dimensionality:** \(dims)\n- **Similarity function:** cosine similarity\n"
    }
    if !datasetNames.isEmpty { s += "- **Training datasets:** \(datasetNames.joined(separator: ", "))\n" }
    if !languages.isEmpty { s += "- **Languages:** \(languages.joined(separator: ", "))\n" }
    if let l = base.license { s += "- **License:** \(l) (the base model's)\n" }
    s += "\n### Full Model Architecture\n\n```\n"
    let arch = recipe.model.crossEncoder ? config.modelType.classifierClass : config.modelType.modelClass
    if recipe.model.crossEncoder {
      s += "CrossEncoder(\n  (0): \(arch)(layers=\(config.numHiddenLayers), hidden=\(config.hiddenSize), heads=\(config.numAttentionHeads), num_labels=1)\n)\n"
    } else {
      s += "SentenceTransformer(\n"
      s += "  (0): Transformer({'max_seq_length': \(layout.maxSeqLength ?? recipe.model.maxLength), 'do_lower_case': False}) with Transformer model: \(arch)\n"
      s += "      (\(config.numHiddenLayers) layers, hidden size \(config.hiddenSize), \(config.numAttentionHeads) heads, feed-forward \(config.intermediateSize), vocabulary \(config.vocabSize))\n"
      s += "  (1): Pooling({'word_embedding_dimension': \(config.hiddenSize), 'pooling_mode_cls_token': \(layout.pooling == .cls ? "True" : "False"), 'pooling_mode_mean_tokens': \(layout.pooling == .mean ? "True" : "False"), 'pooling_mode_max_tokens': \(layout.pooling == .max ? "True" : "False"), 'include_prompt': True})\n"
      if layout.normalize { s += "  (2): Normalize()\n" }
      s += ")\n"
    }
    s += "```\n"
    if !recipe.model.crossEncoder && !layout.prompts.isEmpty {
      s += "\n### Prompts\n\nStored in `config_sentence_transformers.json`; the training put them before its texts as this table says.\n\n"
      s += "| prompt_name | prompt | used for |\n|---|---|---|\n"
      for (name, text) in layout.prompts.sorted(by: { $0.key < $1.key }) {
        s += "| `\(name)`\(name == layout.defaultPromptName ? " (default)" : "") | `\(Self.escaped(text))` | \(promptUse(name)) |\n"
      }
      s += layout.defaultPromptName.map {
        "\nEvery text of the training and of the evaluations got the same prefix, so `\($0)` is the default prompt: `model.encode(texts)` applies it.\n"
      } ?? "\nNo default prompt: give `prompt_name=` (or use `encode_query` / `encode_document`) as the training did.\n"
    }
    return s
  }

  func promptUse(_ name: String) -> String {
    for st in recipe.stages where st.kind == .instruct {
      for (k, d) in st.data.enumerated() where (d.promptName ?? "\(st.name)-\(k + 1)") == name {
        return "queries of instruct stage `\(st.name)`"
      }
    }
    switch name {
    case "query": return "queries (and both texts of STS pairs)"
    case "passage", "document": return "passages (positives and negatives)"
    default: return "from the base model"
    }
  }

  /// A prompt in a table cell: newlines and pipes escaped.
  static func escaped(_ s: String) -> String {
    s.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "|", with: "\\|")
  }

  func usageSection() -> String {
    if recipe.model.crossEncoder {
      return """

        ## Usage

        ```python
        from sentence_transformers import CrossEncoder

        model = CrossEncoder("path/to/this/model")
        scores = model.predict([("query", "passage"), ("query", "another passage")])
        ```

        """
    }
    let q = layout.prompts["query"] ?? recipe.model.queryPrefix
    // example sentences in the training data's language where that is Korean
    let korean = languages.contains("ko")
    let examples = korean ? ["첫 번째 문장입니다.", "두 번째 문장입니다.", "전혀 다른 이야기."] : ["The first sentence.", "A second sentence.", "Something else entirely."]
    let promptArg = layout.defaultPromptName == nil && !q.isEmpty ? ", prompt_name=\"query\"" : ""
    let pooling = switch layout.pooling {
    case .cls: "embeddings = output.last_hidden_state[:, 0]"
    case .mean:
      "mask = batch[\"attention_mask\"].unsqueeze(-1).float()\n    embeddings = (output.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1e-9)"
    case .max:
      "mask = batch[\"attention_mask\"].unsqueeze(-1).bool()\n    embeddings = output.last_hidden_state.masked_fill(~mask, -1e9).max(1).values"
    }
    return """

      ## Usage

      With sentence-transformers (`pip install -U sentence-transformers`):

      ```python
      from sentence_transformers import SentenceTransformer

      model = SentenceTransformer("path/to/this/model")
      sentences = [\(examples.map { "\"\($0)\"" }.joined(separator: ", "))]
      embeddings = model.encode(sentences\(promptArg))
      print(embeddings.shape)  # (3, \(layout.truncateDim ?? config.hiddenSize))
      print(model.similarity(embeddings, embeddings))
      ```

      With transformers alone (the prompt put in front by hand):

      ```python
      import torch
      from transformers import AutoModel, AutoTokenizer

      tokenizer = AutoTokenizer.from_pretrained("path/to/this/model")
      model = AutoModel.from_pretrained("path/to/this/model")
      texts = ["\(Self.pythonEscaped(q))" + s for s in [\(examples.prefix(2).map { "\"\($0)\"" }.joined(separator: ", "))]]
      batch = tokenizer(texts, padding=True, truncation=True, max_length=\(recipe.model.maxLength), return_tensors="pt")
      with torch.no_grad():
          output = model(**batch)
          \(pooling)
      embeddings = torch.nn.functional.normalize(embeddings, dim=-1)\(layout.truncateDim.map { "\nembeddings = embeddings[:, :\($0)]  # truncate_dim: the first \($0) dimensions, not renormalized" } ?? "")
      ```

      """
  }

  static func pythonEscaped(_ s: String) -> String {
    s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
  }

  func evaluationSection() -> String {
    guard !evaluations.isEmpty else { return "" }
    var s = "\n## Evaluation\n"
    for e in reportedEvaluations {
      let when = e.stage == "final" ? "at the end" : "after \(e.stage)"
      s += "\n### \(e.name) (\(when))\n\nEvaluated at step \(e.globalStep), as sentence-transformers' \(Self.task(of: e, crossEncoder: recipe.model.crossEncoder, recipe: recipe).type == "information-retrieval" ? "`InformationRetrievalEvaluator`" : "`EmbeddingSimilarityEvaluator`") computes it.\n\n"
      s += "| metric | value |\n|:---|---:|\n"
      for m in e.metrics { s += "| \(m.name == e.mainMetric ? "**\(m.name)**" : m.name) | \(Self.formatted(m.value)) |\n" }
    }
    s += "\n### All evaluations\n\n| set | after | step | metric | value |\n|---|---|---:|---|---:|\n"
    for e in evaluations {
      let after = e.stage == TrainingRun.baselineStage ? "(before training)" : e.stage
      s += "| \(e.name) | \(after) | \(e.globalStep) | \(e.mainMetric) | \(Self.formatted(e.main)) |\n"
    }
    if let best {
      s += "\nBest checkpoint: `\(best.checkpoint)` (step \(best.globalStep)), \(best.set) \(best.metric) \(Self.formatted(best.value))"
      s += recipe.best?.loadAtEnd == true ? "; these are its weights.\n" : ".\n"
    }
    return s
  }
}
