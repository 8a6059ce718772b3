import Autograd
import Foundation
import Recipes

extension TrainingRun {
  /// Each stage's precision on this CPU (its own `precision:`, else the recipe's), checked before
  /// any work: a bf16 stage on a CPU without native bf16 dot products is refused at the start.
  func stagePrecisions() throws -> [Precision] {
    try recipe.stages.map { stage in
      let setting = PrecisionSetting(stage.precision ?? recipe.precision)
      do {
        return try setting.resolve()
      } catch let e as PrecisionError {
        let key = stage.precision != nil ? "stage '\(stage.name)': precision" : "precision"
        throw TrainingError.precision(file: recipe.file, key: key, detail: e.description)
      }
    }
  }

  /// The recipe's own precision (the prepare steps' mining, scoring and teacher embeddings).
  func recipePrecision() throws -> Precision {
    do {
      return try PrecisionSetting(recipe.precision).resolve()
    } catch let e as PrecisionError {
      throw TrainingError.precision(file: recipe.file, key: "precision", detail: e.description)
    }
  }

  /// "bf16 (auto: <CPU> has native bf16 dot products)": what the run says at its start.
  static func describe(_ precision: Precision, setting: Recipe.PrecisionChoice) -> String {
    guard setting == .auto else { return precision.rawValue }
    let has = precision == .bf16 ? "native bf16 dot products" : "no native bf16 dot products"
    return "\(precision.rawValue) (auto: \(Precision.cpuName) has \(has))"
  }

  /// The run's precision for its records: one name, or each stage's ("stage1 bf16, stage2 fp32").
  func precisionRecord(_ precisions: [Precision]) -> String {
    if Set(precisions).count <= 1 { return precisions.first?.rawValue ?? "fp32" }
    return zip(recipe.stages, precisions).map { "\($0.name) \($1.rawValue)" }.joined(separator: ", ")
  }
}
