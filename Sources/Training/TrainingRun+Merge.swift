import Evaluation
import Foundation
import Recipes
import SafeTensors
import TextEncoder

extension TrainingRun {
  /// The recipe's merge (LM-Cocktail): θ = w·θ_trained + (1 − w)·θ_with, summed in Double and
  /// rounded once (w = 1 keeps the trained weights and w = 0 takes the other model's, bit for
  /// bit). Each merge is evaluated on the sets evaluated during training (logged with stage
  /// `merge`); with several weights the best on the `best` set is kept, a tie keeping the earlier
  /// weight.
  func merge(_ merge: Recipe.Merge, _ setup: Setup, _ progress: inout Progress) throws {
    let store = setup.encoder.store
    let directory = merge.with ?? recipe.model.base
    let file = try SafeTensorsFile(path: URL(fileURLWithPath: directory).appendingPathComponent("model.safetensors").path)
    let other = try Encoder(config: setup.encoder.config, weights: file)
    let theirs = other.store.withSettledValues { Array(UnsafeBufferPointer(start: $0, count: other.store.count)) }
    let trained = store.withSettledValues { Array(UnsafeBufferPointer(start: $0, count: store.count)) }
    func apply(_ w: Double) {
      store.withSettledValues { p in
        for i in 0..<trained.count {
          p[i] = w == 1 ? trained[i] : w == 0 ? theirs[i] : Float(w * Double(trained[i]) + (1 - w) * Double(theirs[i]))
        }
      }
    }
    // each weight's merge is evaluated on every set evaluated during training (logged with
    // stage `merge` and its weight), so that what merging does to each is on record; with
    // several weights the best set chooses
    let sets = setup.evalSets.filter { !$0.0.final }
    var chosen = merge.weights[0], bestValue: Double?
    for w in merge.weights {
      apply(w)
      let cache = EmbeddingCache()
      for (set, data) in sets {
        let metrics = try evaluateSet(set, data, setup, &progress, stage: "merge", cache: cache, extra: ["merge_weight": w])
        if merge.weights.count > 1, let best = recipe.best, best.set == set.name, let value = metrics[best.metric],
          best.improves(value, on: bestValue)
        {
          bestValue = value
          chosen = w
        }
      }
    }
    apply(chosen)
    progress.savedWeights = nil  // model/ gets the merged weights, not a checkpoint's
    emit(.merged(with: directory, weight: chosen))
  }
}
