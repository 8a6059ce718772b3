/// The `merge` section: at the end of the run the trained weights are interpolated with another
/// model's (LM-Cocktail, against forgetting).
extension Recipe {
  /// θ = w·θ_trained + (1 − w)·θ_with, after the last stage and before the final evaluation.
  public struct Merge: Sendable, Equatable {
    /// The model merged with; nil: the recipe's base model.
    public var with: String?
    /// The trained model's weights to try, each in [0, 1]. With more than one, each merge is
    /// evaluated on the `best` set and the best kept.
    public var weights: [Double]

    public init(with: String?, weights: [Double]) {
      self.with = with
      self.weights = weights
    }
  }

  static func parseMerge(_ r: RecipeReader, best: Best?, crossEncoder: Bool) throws -> Merge {
    if crossEncoder { throw r.fail("merge applies to sentence encoders (a cross-encoder recipe has none)") }
    return try r.map { m in
      let withReader = m.optional("with")
      let with = try withReader.flatMap { r -> String? in
        let name = try r.string()
        return name == "base" ? nil : try existing(r, directory: true)
      }
      let weightReader = try m.required("weight")
      let readers = (try? weightReader.list()) ?? [weightReader]
      guard !readers.isEmpty else { throw weightReader.fail("expected a weight or a list of weights") }
      let weights = try readers.map { r -> Double in
        let v = try r.double()
        guard v >= 0, v <= 1 else { throw r.fail("a merge weight is in [0, 1] (the trained model's share), got \(v)") }
        return v
      }
      if weights.count > 1 && best == nil {
        throw weightReader.fail("several merge weights are chosen among on the best set: the recipe needs a 'best' section")
      }
      return Merge(with: with, weights: weights)
    }
  }
}
