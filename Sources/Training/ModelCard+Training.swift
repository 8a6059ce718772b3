import Foundation
import Recipes

/// The card's training details: each stage's data (names, licences, statistics), loss and
/// hyperparameters (those that differ from the recipe's defaults marked), and the training log.
extension ModelCard {
  /// The loss names of a stage, as tags (`loss:InfoNCE`) and citations know them.
  static func lossNames(_ st: Recipe.Stage) -> [String] {
    if st.hasSourceLosses {
      var out: [String] = []
      for k in st.data.indices { for name in lossNames(st.trainingSource(k).withoutSourceLosses) where !out.contains(name) { out.append(name) } }
      return out
    }
    var out: [String]
    switch st.loss {
    case .infoNCE: out = st.distill.map { $0.embeddingTeacher != nil && $0.infoNCEWeight == 0 } == true ? [] : ["InfoNCE"]
    case .cosent: out = ["CoSENT"]
    case .binary: out = ["BinaryCrossEntropy"]
    case .listwise: out = ["Listwise"]
    }
    if st.miniBatch != nil { out.append("GradCache") }
    switch st.distill?.kind {
    case .kl: out.append("KLDistillation")
    case .marginMSE: out.append("MarginMSE")
    case .embedding: out.append("MSELoss")
    case nil: break
    }
    return out
  }

  static func lossDescription(_ st: Recipe.Stage) -> String {
    if st.hasSourceLosses {
      let labels = st.sourceLabels
      return "each batch from one source, with that source's loss: "
        + st.data.indices.map { "\(labels[$0]): \(lossDescription(st.trainingSource($0).withoutSourceLosses))" }.joined(separator: "; ")
    }
    var loss: String
    switch st.loss {
    case .infoNCE(let t, let sym, let k):
      loss = "InfoNCE (as sentence-transformers' MultipleNegativesRankingLoss): cross-entropy of each query's cosine similarities "
        + "to its positive, the batch's other positives and \(k) hard negative(s) per query, divided by the temperature \(t) (scale \(Self.short(1 / Double(t))))"
        + (sym ? ", plus the symmetric passage-to-query term" : "")
    case .cosent(let scale): loss = "CoSENT (scale \(Self.short(Double(scale)))): every pair of pairs whose gold scores are ordered is penalized when their cosines are not"
    case .binary(let m): loss = "binary cross-entropy of each pair's logit (graded pairs: score / \(m))"
    case .listwise(let k): loss = "listwise cross-entropy over the positive and \(k) hard negative(s)"
    }
    if let d = st.distill {
      let kind = switch d.kind {
      case .kl(let t): "KL distillation from the teacher's scores (temperature \(t))"
      case .marginMSE: "MarginMSE distillation from the teacher's scores"
      case .embedding(let t):
        "MSE to the embeddings of the bi-encoder teacher \((t.directory as NSString).lastPathComponent)"
          + (t.kl > 0 ? " (plus \(t.kl) × the KL of the in-batch similarity distributions)" : "")
      }
      if d.embeddingTeacher != nil && d.infoNCEWeight == 0, case .infoNCE(_, _, let k) = st.loss {
        // embedding distillation alone
        loss = "\(d.weight) × \(kind), over each query, its positive and \(k) hard negative(s)"
      } else {
        loss += "; plus \(d.weight) × \(kind), InfoNCE weighted \(d.infoNCEWeight)"
      }
    }
    if let mb = st.miniBatch {
      switch mb {
      case .texts(let n): loss += "; through GradCache, \(n) texts per forward pass (the same loss and gradients)"
      case .auto(let mbytes): loss += "; through GradCache, mini-batches sized to \(mbytes) MB (the same loss and gradients)"
      }
    }
    return loss
  }

  static func short(_ v: Double) -> String { String(format: "%g", v) }

  /// A stage's hyperparameters: (key, value, default) in recipe terms.
  static func hyperparameters(_ st: Recipe.Stage) -> [(key: String, value: String, default: String)] {
    let o = st.optimizer, a = o.settings
    var rows: [(String, String, String)] = [
      ("batch_size", "\(st.batchSize)", "–"),
      ("epochs / steps", st.steps.map { "\($0) steps" } ?? "\(st.epochs ?? 1) epoch(s)", "1 epoch"),
      ("optimizer.lr", short(Double(o.lr)), "2e-05"),
      ("optimizer.betas", "[\(short(Double(a.beta1))), \(short(Double(a.beta2)))]", "[0.9, 0.999]"),
      ("optimizer.eps", short(Double(a.eps)), "1e-08"),
      ("optimizer.weight_decay", short(Double(a.weightDecay)), "0.01"),
      ("schedule.warmup", st.schedule.warmupRatio.map { "ratio \(short($0))" } ?? st.schedule.warmupSteps.map { "\($0) steps" } ?? "none", "none"),
      ("schedule.decay", st.schedule.decay.rawValue, "linear"),
      ("max_grad_norm", st.maxGradNorm.map { short(Double($0)) } ?? "none", "none"),
      ("dropout", st.dropout ? "true" : "false", "true"),
      ("mixing", st.mixing.rawValue, st.kind == .pretrain ? "per_source" : "mixed"),
    ]
    // the stage's loss where some source trains with it; each source's own under data.K.loss
    if st.data.contains(where: { $0.loss == nil }) { rows += lossRows(st.loss, key: "loss", kind: st.kind) }
    for (k, d) in st.data.enumerated() {
      if let own = d.loss { rows += lossRows(own.loss, key: "data.\(k).loss", kind: st.kind) }
    }
    return rows
  }

  /// A loss's settings as hyperparameter rows under `key`.
  static func lossRows(_ loss: Recipe.Loss, key: String, kind: Recipe.StageKind) -> [(key: String, value: String, default: String)] {
    switch loss {
    case .infoNCE(let t, let sym, let k):
      [
        ("\(key).temperature", short(Double(t)), "0.05"), ("\(key).symmetric", "\(sym)", "false"),
        ("\(key).hard_negatives", "\(k)", kind == .pretrain ? "0" : "1"),
      ]
    case .cosent(let scale): [("\(key).scale", short(Double(scale)), "20")]
    case .binary(let m): [("\(key).max_score", short(Double(m)), "5")]
    case .listwise(let k): [("\(key).hard_negatives", "\(k)", "1")]
    }
  }

  func trainingSection() -> String {
    var s = "\n## Training Details\n\n"
    s += "Texts were prefixed with `\(Self.escaped(recipe.model.queryPrefix))` (queries) and `\(Self.escaped(recipe.model.passagePrefix))` (passages); "
    s += "instruct stages put their instruction before queries and nothing before passages. At most \(recipe.model.maxLength) tokens per text.\n"
    for (i, st) in recipe.stages.enumerated() {
      s += "\n### Stage \(i + 1): \(st.name) (\(st.kind.rawValue))\n\n#### Data\n\n"
      for d in st.data {
        let files = d.paths.map { "`\(($0 as NSString).lastPathComponent)`" }.joined(separator: ", ")
        s += "- \(d.name.map { "**\($0)**: " } ?? "")\(d.format.rawValue) \(files)"
        if let l = d.license { s += ", licence \(l)" }
        if !d.languages.isEmpty { s += ", language \(d.languages.joined(separator: ", "))" }
        if let ins = d.instruction { s += ", instruction \"\(Self.escaped(ins))\"" }
        s += "\n"
      }
      if let stats = statistics.first(where: { $0.stage == st.name }) {
        s += "\n\(stats.examples) examples. Token lengths over the first \(stats.sampled) (prefix and special tokens included, truncated as trained):\n\n"
        s += "| | " + stats.columns.map(\.name).joined(separator: " | ") + " |\n|---|" + stats.columns.map { _ in "---|" }.joined() + "\n"
        s += "| type | " + stats.columns.map { _ in "text" }.joined(separator: " | ") + " |\n"
        s += "| details | " + stats.columns.map { c in
          "min: \(c.minTokens) tokens, mean: \(String(format: "%.2f", c.meanTokens)) tokens, max: \(c.maxTokens) tokens"
        }.joined(separator: " | ") + " |\n"
        if let sc = stats.scores {
          s += "\nScores: min \(Self.short(Double(sc.min))), mean \(String(format: "%.2f", sc.mean)), max \(Self.short(Double(sc.max))).\n"
        }
      }
      s += "\n#### Loss\n\n\(Self.lossDescription(st)).\n\n#### Hyperparameters\n\n"
      s += "| key | value | default |\n|---|---|---|\n"
      for h in Self.hyperparameters(st) {
        let changed = h.default != "–" && h.value != h.default
        s += "| \(h.key) | \(changed ? "**\(h.value)** ✱" : h.value) | \(h.default) |\n"
      }
      s += "\n✱ differs from the recipe's default.\n"
    }
    return s
  }

  /// The training log: a row at every evaluation and at about 20 even steps, with the mean
  /// training loss since the previous row and each set's main metric where it was evaluated.
  func logSection() -> String {
    var losses: [(step: Int, stage: String, loss: Double)] = []
    var evals: [Int: [String: Double]] = [:]
    var sets: [String] = []
    for line in log.split(separator: "\n") {
      guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
        let step = o["global_step"] as? Int
      else { continue }
      if let name = o["eval"] as? String {
        guard o["stage"] as? String != "final", let metric = o["main_metric"] as? String, let v = o[metric] as? Double else { continue }
        evals[step, default: [:]][name] = v
        if !sets.contains(name) { sets.append(name) }
      } else if let loss = o["loss"] as? Double, let stage = o["stage"] as? String {
        losses.append((step, stage, loss))
      }
    }
    guard !losses.isEmpty || !evals.isEmpty else { return "" }
    let last = max(losses.last?.step ?? 0, evals.keys.max() ?? 0)
    let every = max(1, last / 20)
    let rowSteps = Set(evals.keys).union(losses.map(\.step).filter { $0 % every == 0 || $0 == last }).sorted()
    var s = "\n### Training Logs\n\n| step | stage | training loss | " + sets.joined(separator: " | ") + (sets.isEmpty ? "" : " |")
    s += "\n|---:|---|---:|" + sets.map { _ in "---:|" }.joined() + "\n"
    var k = 0
    for step in rowSteps {
      var sum = 0.0, n = 0, stage = ""
      while k < losses.count && losses[k].step <= step {
        if losses[k].loss.isFinite { sum += losses[k].loss; n += 1 }
        stage = losses[k].stage
        k += 1
      }
      if step == 0 { stage = "(before training)" }
      s += "| \(step) | \(stage) | \(n > 0 ? String(format: "%.4f", sum / Double(n)) : "–") |"
      s += sets.map { " \(evals[step]?[$0].map { String(format: "%.4f", $0) } ?? "–") |" }.joined() + "\n"
    }
    return s
  }

  /// "float32", or bf16 autocast's description: the weights are float32 either way.
  var precisionLine: String {
    precision == "fp32"
      ? "float32"
      : "matrix products \(precision) with float32 accumulation (bf16 autocast), on \(RunInfo.cpuModel()); float32 master weights, optimizer and checkpoints"
  }

  func frameworkSection() -> String {
    """

    ### Framework Versions

    - trainer: \(TrainerVersion.number) (Swift; its own autograd over OpenBLAS, tokenization through libsentencepiece)
    - PyTorch, transformers and sentence-transformers were not used in training; the files follow sentence-transformers' layout (3.0) and load with transformers and sentence-transformers
    - Precision: \(precisionLine); \(recipe.stages.count) stage(s), seed \(recipe.seed)

    """
  }
}

extension Recipe.Stage {
  /// The stage with its sources' own losses left out (one loss, the stage's).
  fileprivate var withoutSourceLosses: Recipe.Stage {
    var s = self
    for k in s.data.indices { s.data[k].loss = nil }
    return s
  }
}
