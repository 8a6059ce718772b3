import Foundation

/// Reading a stage's `loss` section (and an InfoNCE loss's `distill`).
extension Recipe {
  /// The loss of a stage of this kind; InfoNCE may come with distillation and false-negative
  /// masking.
  static func parseLoss(_ lossReader: RecipeReader, kind: StageKind, crossEncoder: Bool) throws
    -> (Loss, Distill?, FalseNegatives?, Matryoshka?)
  {
    var distill: Distill?
    var falseNegatives: FalseNegatives?
    var matryoshka: Matryoshka?
    let loss: Loss = try lossReader.map { lm in
      let kindReader = try lm.required("kind")
      let kindName = try kindReader.string()
      if kindName == "infonce" || kindName == "cosent" {
        matryoshka = try lm.optional("matryoshka").map { try parseMatryoshka($0) }
      }
      switch kindName {
      case "infonce":
        distill = try lm.optional("distill").map { try parseDistill($0) }
        falseNegatives = try lm.optional("false_negatives").map { try parseFalseNegatives($0) }
        // the similarities are divided by the temperature
        let t = try lm.optional("temperature")?.invertibleFloat() ?? Float(0.05 as Double)
        return .infoNCE(
          temperature: t, symmetric: try lm.optional("symmetric")?.bool() ?? false,
          hardNegatives: try lm.optional("hard_negatives").map { r -> Int in
            let k = try r.int()
            guard k >= 0 else { throw r.fail("expected 0 or more hard negatives per query, got \(k)") }
            if kind == .pretrain && k > 0 { throw r.fail("a pretrain stage uses in-batch negatives only (hard_negatives: 0)") }
            return k
          } ?? (kind == .pretrain ? 0 : 1))
      case "binary":
        guard crossEncoder else { throw kindReader.fail("binary is a cross-encoder loss (model: {cross_encoder: true})") }
        // graded pairs' labels are their score divided by max_score
        return .binary(maxScore: try lm.optional("max_score")?.invertibleFloat() ?? 5)
      case "listwise":
        guard crossEncoder else { throw kindReader.fail("listwise is a cross-encoder loss (model: {cross_encoder: true})") }
        let k = try lm.optional("hard_negatives").map { r -> Int in
          let k = try r.int()
          guard k > 0 else { throw r.fail("listwise ranks the positive among hard negatives: expected 1 or more, got \(k)") }
          return k
        } ?? 1
        return .listwise(hardNegatives: k)
      case "cosent":
        return .cosent(scale: try lm.optional("scale")?.float(.positive) ?? 20)
      case "embedding_distillation":
        // embedding distillation alone: InfoNCE's batch layout and temperature, its term weighted 0
        let (loss, d) = try parseEmbeddingDistillation(&lm)
        distill = d
        return loss
      case let other:
        throw kindReader.fail("unknown loss '\(other)' (known: infonce, cosent, embedding_distillation; for cross-encoders binary, listwise)")
      }
    }
    return (loss, distill, falseNegatives, matryoshka)
  }

  /// `matryoshka: {dims: [384, 256, 128, 64], weights: [1, 1, 1, 1]}` (weights default to 1).
  static func parseMatryoshka(_ r: RecipeReader) throws -> Matryoshka {
    try r.map { mm in
      let dimsReader = try mm.required("dims")
      let dims = try dimsReader.list().map { try $0.int(atLeast: 1) }
      guard !dims.isEmpty else { throw dimsReader.fail("expected at least one dimension") }
      guard Set(dims).count == dims.count else { throw dimsReader.fail("a dimension is listed twice: \(dims)") }
      var weights = [Float](repeating: 1, count: dims.count)
      if let weightsReader = mm.optional("weights") {
        weights = try weightsReader.list().map { try $0.float(.nonNegative) }
        guard weights.count == dims.count else {
          throw weightsReader.fail("\(weights.count) weights for \(dims.count) dims")
        }
        guard weights.contains(where: { $0 > 0 }) else { throw weightsReader.fail("at least one weight must be above 0") }
      }
      return Matryoshka(dims: dims, weights: weights)
    }
  }

  /// `false_negatives: {guide: self, margin: M}` or `{guide: self, relative_margin: R}`.
  static func parseFalseNegatives(_ r: RecipeReader) throws -> FalseNegatives {
    try r.map { fm in
      let guide = try fm.required("guide")
      guard try guide.string() == "self" else {
        throw guide.fail("the guide is the model itself ('self'): a separate guide model is not supported yet")
      }
      let margin = fm.optional("margin"), relative = fm.optional("relative_margin")
      switch (margin, relative) {
      case (let m?, nil):
        return FalseNegatives(margin: .absolute(try m.float(.nonNegative)))
      case (nil, let r?):
        let v = try r.float(.nonNegative)
        guard v < 1 else { throw r.fail("a relative margin is below 1 (a share of the positive's similarity), got \(v)") }
        return FalseNegatives(margin: .relative(v))
      case (nil, nil): throw fm.reader.fail("false_negatives needs a margin or a relative_margin")
      case (_, let r?): throw r.fail("give margin or relative_margin, not both")
      }
    }
  }

  static func parseDistill(_ r: RecipeReader) throws -> Distill {
    try r.map { dm in
      let kind: Distill.Kind
      let kr = try dm.required("kind")
      switch try kr.string() {
      case "kl":
        // the logits are divided by T and the KL multiplied by T²
        let t = try dm.optional("temperature").map { r -> Float in
          let t = try r.invertibleFloat()
          guard (t * t).isFinite else { throw r.fail("temperature \(t) is too large: its square is infinite as a 32-bit float") }
          return t
        } ?? 1
        kind = .kl(temperature: t)
      case "margin_mse":
        if let t = dm.optional("temperature") { throw t.fail("margin_mse has no temperature") }
        kind = .marginMSE
      case "embedding":
        if let t = dm.optional("temperature") { throw t.fail("embedding distillation's KL takes the InfoNCE temperature") }
        kind = .embedding(try parseEmbeddingTeacher(&dm))
      case let other: throw kr.fail("unknown distillation loss '\(other)' (known: kl, margin_mse, embedding)")
      }
      let weight = try dm.optional("weight")?.float(.nonNegative) ?? 1
      let nce = try dm.optional("infonce_weight")?.float(.nonNegative) ?? 1
      guard weight + nce > 0 else { throw dm.reader.fail("weight and infonce_weight must be 0 or more, not both 0") }
      return Distill(kind: kind, weight: weight, infoNCEWeight: nce)
    }
  }

  /// `distill: {kind: embedding, teacher: DIR, kl: w, prompt: P}`'s teacher keys (weight and
  /// infonce_weight are read with the other distillation keys).
  static func parseEmbeddingTeacher(_ dm: inout MapReader) throws -> Distill.EmbeddingTeacher {
    let teacherReader = try dm.required("teacher")
    let directory = try teacherReader.string()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory + "/config.json", isDirectory: &isDirectory), !isDirectory.boolValue else {
      throw teacherReader.fail("teacher \(directory) is not a model directory (no config.json there)")
    }
    return Distill.EmbeddingTeacher(
      directory: directory, kl: try dm.optional("kl")?.float(.nonNegative) ?? 0, prompt: try dm.optional("prompt")?.string())
  }

  /// `loss: {kind: embedding_distillation, teacher: DIR, weight: w, kl: w2, temperature: T,
  /// hard_negatives: k, prompt: P}`: embedding distillation alone, over each example's query,
  /// positive and first k hard negatives (default 0); as an InfoNCE loss whose own term weighs 0.
  static func parseEmbeddingDistillation(_ lm: inout MapReader) throws -> (Loss, Distill) {
    let teacher = try parseEmbeddingTeacher(&lm)
    let t = try lm.optional("temperature")?.invertibleFloat() ?? Float(0.05 as Double)
    let k = try lm.optional("hard_negatives")?.int(atLeast: 0) ?? 0
    let weight = try lm.optional("weight")?.float(.nonNegative) ?? 1
    guard weight + teacher.kl > 0 else { throw lm.reader.fail("weight and kl must be 0 or more, not both 0") }
    return (.infoNCE(temperature: t, symmetric: false, hardNegatives: k), Distill(kind: .embedding(teacher), weight: weight, infoNCEWeight: 0))
  }
}

extension Recipe {
  /// Embedding distillation reads its teacher's embeddings from hdf5 data sets, and its
  /// projection works on the whole embedding (no Matryoshka truncation).
  static func validateEmbeddingDistillation(stage: Stage, teacher: Distill.EmbeddingTeacher, keys: StageKeys) throws {
    if let bad = stage.data.firstIndex(where: { $0.format != .hdf5 }) {
      throw keys.stage.fail(
        "embedding distillation stores the teacher's embeddings in hdf5 data sets (trainer data build); this source is \(stage.data[bad].format.rawValue)",
        path: keys.stage.path + ".data.\(bad).format")
    }
    if stage.matryoshka != nil { throw keys.loss.fail("embedding distillation does not combine with matryoshka") }
  }
}
