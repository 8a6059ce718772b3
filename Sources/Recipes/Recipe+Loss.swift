/// Reading a stage's `loss` section (and an InfoNCE loss's `distill`).
extension Recipe {
  /// The loss of a stage of this kind; InfoNCE may come with distillation.
  static func parseLoss(_ lossReader: RecipeReader, kind: StageKind, crossEncoder: Bool) throws -> (Loss, Distill?) {
    var distill: Distill?
    let loss: Loss = try lossReader.map { lm in
      let kindReader = try lm.required("kind")
      switch try kindReader.string() {
      case "infonce":
        distill = try lm.optional("distill").map { try parseDistill($0) }
        let t = try lm.optional("temperature")?.double() ?? 0.05
        guard t > 0 else { throw lm.reader.fail("temperature must be positive", path: lm.reader.path + ".temperature") }
        return .infoNCE(
          temperature: Float(t), symmetric: try lm.optional("symmetric")?.bool() ?? false,
          hardNegatives: try lm.optional("hard_negatives").map { r -> Int in
            let k = try r.int()
            guard k >= 0 else { throw r.fail("expected 0 or more hard negatives per query, got \(k)") }
            if kind == .pretrain && k > 0 { throw r.fail("a pretrain stage uses in-batch negatives only (hard_negatives: 0)") }
            return k
          } ?? (kind == .pretrain ? 0 : 1))
      case "binary":
        guard crossEncoder else { throw kindReader.fail("binary is a cross-encoder loss (model: {cross_encoder: true})") }
        let maxScore = try lm.optional("max_score")?.double() ?? 5
        guard maxScore > 0 else { throw lm.reader.fail("max_score must be positive", path: lm.reader.path + ".max_score") }
        return .binary(maxScore: Float(maxScore))
      case "listwise":
        guard crossEncoder else { throw kindReader.fail("listwise is a cross-encoder loss (model: {cross_encoder: true})") }
        let k = try lm.optional("hard_negatives").map { r -> Int in
          let k = try r.int()
          guard k > 0 else { throw r.fail("listwise ranks the positive among hard negatives: expected 1 or more, got \(k)") }
          return k
        } ?? 1
        return .listwise(hardNegatives: k)
      case "cosent":
        let scale = try lm.optional("scale")?.double() ?? 20
        guard scale > 0 else { throw lm.reader.fail("scale must be positive", path: lm.reader.path + ".scale") }
        return .cosent(scale: Float(scale))
      case let other:
        throw kindReader.fail("unknown loss '\(other)' (known: infonce, cosent; for cross-encoders binary, listwise)")
      }
    }
    return (loss, distill)
  }

  static func parseDistill(_ r: RecipeReader) throws -> Distill {
    try r.map { dm in
      let kind: Distill.Kind
      let kr = try dm.required("kind")
      switch try kr.string() {
      case "kl":
        let t = try dm.optional("temperature")?.double() ?? 1
        guard t > 0 else { throw dm.reader.fail("temperature must be positive", path: dm.reader.path + ".temperature") }
        kind = .kl(temperature: Float(t))
      case "margin_mse":
        if let t = dm.optional("temperature") { throw t.fail("margin_mse has no temperature") }
        kind = .marginMSE
      case let other: throw kr.fail("unknown distillation loss '\(other)' (known: kl, margin_mse)")
      }
      let weight = try dm.optional("weight")?.double() ?? 1
      let nce = try dm.optional("infonce_weight")?.double() ?? 1
      guard weight >= 0, nce >= 0, weight + nce > 0 else {
        throw dm.reader.fail("weight and infonce_weight must be 0 or more, not both 0")
      }
      return Distill(kind: kind, weight: Float(weight), infoNCEWeight: Float(nce))
    }
  }
}
