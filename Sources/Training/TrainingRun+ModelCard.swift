import Foundation

/// The README.md model card written into checkpoints and the final model (`ModelCard`).
extension TrainingRun {
  func modelCard(_ setup: Setup, evaluations: [TrainerState.Evaluation], best: TrainerState.Best?, stepsDone: Int) -> String {
    let log = FileManager.default.contents(atPath: metricsURL.path).map { String(decoding: $0, as: UTF8.self) } ?? ""
    return ModelCard(
      recipe: recipe, base: setup.baseInfo, layout: setup.layout, config: setup.encoder.config, statistics: setup.statistics,
      evaluations: evaluations, best: best, stepsDone: stepsDone, log: log,
      precision: (try? stagePrecisions()).map(precisionRecord) ?? "fp32"
    ).render()
  }
}
