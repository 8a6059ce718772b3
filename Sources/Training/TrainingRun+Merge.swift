import Evaluation
import Foundation
import Recipes
import SafeTensors
import TextEncoder

extension TrainingRun {
  /// The recipe's merge (LM-Cocktail): θ = w·θ_trained + (1 − w)·θ_with, summed in Double and
  /// rounded once (w = 1 keeps the trained weights and w = 0 takes the other model's, bit for
  /// bit). With several weights each merge is evaluated on the `best` set (logged with stage
  /// `merge`) and the best is kept; a tie keeps the earlier weight.
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
    var chosen = merge.weights[0]
    if merge.weights.count > 1, let best = recipe.best, let (set, data) = setup.evalSets.first(where: { $0.0.name == best.set }) {
      var bestValue: Double?
      for w in merge.weights {
        apply(w)
        let t0 = Date()
        let metrics = try data.evaluate(with: evaluator(for: set, setup), similarities: set.similarities.map(Similarity.init))
        let e = TrainerState.Evaluation(
          name: set.name, stage: "merge", globalStep: progress.state.globalStep, mainMetric: set.mainMetric, metrics: metrics,
          seconds: Date().timeIntervalSince(t0))
        progress.state.evaluations.append(e)
        var line: [String: Any] = [
          "eval": set.name, "stage": "merge", "merge_weight": w, "global_step": e.globalStep, "main_metric": e.mainMetric,
          "seconds": e.seconds.isFinite ? e.seconds : NSNull(),
        ]
        for m in metrics { line[m.name] = m.jsonValue }
        try appendMetrics(line)
        emit(.evaluation(e, best: false))
        if let value = metrics[best.metric], best.improves(value, on: bestValue) {
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
