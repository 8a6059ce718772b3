import Foundation
import Recipes

/// The learning rate of step t (0-based) of a stage: linear warmup from 0, then linear or cosine
/// decay to 0 at the last step, or constant (transformers' get_*_schedule_with_warmup).
public struct LearningRate: Sendable {
  public let peak: Float
  public let warmup: Int
  public let total: Int
  public let decay: Recipe.Decay

  public init(peak: Float, schedule: Recipe.Schedule, totalSteps: Int) {
    self.peak = peak
    self.total = totalSteps
    self.decay = schedule.decay
    if let w = schedule.warmupSteps {
      warmup = w
    } else {
      warmup = Int((schedule.warmupRatio ?? 0) * Double(totalSteps) + 0.999_999)  // ceil, as transformers
    }
  }

  public func at(_ t: Int) -> Float {
    if t < warmup { return peak * Float(t) / Float(max(1, warmup)) }
    let progress = Double(t - warmup) / Double(max(1, total - warmup))
    switch decay {
    case .constant: return peak
    case .linear: return peak * Float(max(0, Double(total - t) / Double(max(1, total - warmup))))
    case .cosine: return peak * Float(max(0, 0.5 * (1 + cos(Double.pi * progress))))
    }
  }
}
