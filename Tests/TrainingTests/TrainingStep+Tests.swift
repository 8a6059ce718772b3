import DataSets
import Losses
import Recipes
import TextEncoder
import Training

extension TrainingStep {
  /// A step of the recipe loss `loss` on `model`, the loss mapped to its objective as `trainer run` maps it.
  init(
    _ model: SentenceEncoder, loss: Recipe.Loss, distill: Recipe.Distill? = nil, falseNegatives: Recipe.FalseNegatives? = nil,
    matryoshka: Recipe.Matryoshka? = nil, maxLength: Int, queryPrefix: String = "",
    passagePrefix: String = "", dataSets: DataSetFiles? = nil
  ) {
    self.init(
      encoder: model.encoder, pooling: .mean, objective: matryoshka.map { m in
        Matryoshka(inner: loss.objective(distill: distill, falseNegatives: falseNegatives), dims: m.dims, weights: m.weights)
      } ?? loss.objective(distill: distill, falseNegatives: falseNegatives),
      texts: TextPreparation(
        tokenizer: model.tokenizer, maxLength: maxLength, queryPrefix: queryPrefix, passagePrefix: passagePrefix, dataSets: dataSets))
  }
}
