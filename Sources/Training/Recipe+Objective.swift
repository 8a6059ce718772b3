import Losses
import Recipes

extension Recipe.Loss {
  /// The objective this recipe loss names, with the stage's distillation and false-negative
  /// masking (InfoNCE only): the one place a recipe's loss is matched.
  public func objective(distill: Recipe.Distill? = nil, falseNegatives: Recipe.FalseNegatives? = nil) -> any Objective {
    switch self {
    case .infoNCE(let temperature, let symmetric, let hardNegatives):
      InfoNCE(
        temperature: temperature, symmetric: symmetric, hardNegatives: hardNegatives,
        distill: distill.flatMap { d in
          let loss: Distillation
          switch d.kind {
          case .kl(let t): loss = .kl(temperature: t)
          case .marginMSE: loss = .marginMSE
          case .embedding: return nil  // the stage wraps InfoNCE (`Recipe.Stage.objective`)
          }
          return InfoNCE.Distill(loss: loss, weight: d.weight, infoNCEWeight: d.infoNCEWeight)
        },
        falseNegatives: falseNegatives.map { f in
          switch f.margin {
          case .absolute(let m): InfoNCE.FalseNegatives(margin: .absolute(m))
          case .relative(let r): InfoNCE.FalseNegatives(margin: .relative(r))
          }
        })
    case .cosent(let scale): CoSENT(scale: scale)
    case .binary(let maxScore): BinaryCrossEntropy(maxScore: maxScore)
    case .listwise(let k): Listwise(hardNegatives: k)
    }
  }
}

extension Recipe.Stage {
  /// The stage's objective: its loss with its distillation and false-negative masking, trained
  /// Matryoshka-style when the stage says so.
  public var objective: any Objective { objective() }

  /// The stage's objective; embedding distillation compares the student's embeddings normalized
  /// as the model's output is (`normalize`), through `projection` when the teacher's width differs.
  public func objective(normalize: Bool = true, projection: EmbeddingDistillation.Projection? = nil) -> any Objective {
    let plain = loss.objective(distill: distill, falseNegatives: falseNegatives)
    if let d = distill, let teacher = d.embeddingTeacher, let infoNCE = plain as? InfoNCE {
      return EmbeddingDistillation(
        infoNCE: d.infoNCEWeight > 0 ? infoNCE : nil, infoNCEWeight: d.infoNCEWeight, weight: d.weight, klWeight: teacher.kl,
        temperature: infoNCE.temperature, hardNegatives: infoNCE.hardNegatives, normalize: normalize, projection: projection)
    }
    guard let matryoshka else { return plain }
    return Matryoshka(inner: plain, dims: matryoshka.dims, weights: matryoshka.weights)
  }
}
