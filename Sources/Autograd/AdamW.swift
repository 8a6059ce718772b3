import Foundation

/// AdamW (decoupled weight decay) over a whole `ParameterStore`, in one pass over the flat
/// buffers, with PyTorch's arithmetic (torch.optim.AdamW, non-fused):
///   p ← p·(1 − lr·wd);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
///   p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε).
/// Parameters excluded from weight decay (biases and LayerNorm weights, by default) get wd = 0.
public final class AdamW: @unchecked Sendable {
  public struct Settings: Sendable, Equatable, Codable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var eps: Float = 1e-8
    public var weightDecay: Float = 0.01
    public init(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01) {
      self.beta1 = beta1
      self.beta2 = beta2
      self.eps = eps
      self.weightDecay = weightDecay
    }
  }

  public let store: ParameterStore
  public let settings: Settings
  /// First and second moments, laid out like the store.
  public let m: Tensor
  public let v: Tensor
  /// Steps taken so far.
  public var step: Int = 0
  private let decayed: [Bool]  // per view

  /// `decays(name)` says whether a parameter gets weight decay; by default everything except
  /// biases and LayerNorm weights.
  public init(store: ParameterStore, settings: Settings, decays: (String) -> Bool = AdamW.defaultDecays) {
    self.store = store
    self.settings = settings
    m = Tensor(shape: [store.count])
    v = Tensor(shape: [store.count])
    decayed = store.views.map { decays($0.name) }
  }

  public static func defaultDecays(_ name: String) -> Bool {
    !(name.hasSuffix(".bias") || name.contains("LayerNorm") || name.contains("layer_norm"))
  }

  /// One update with learning rate `lr` from the gradients in the store.
  public func update(lr: Float) {
    step += 1
    let s = settings
    let bc1 = 1 - powf(s.beta1, Float(step)), bc2 = 1 - powf(s.beta2, Float(step))
    let stepSize = lr / bc1, bc2Root = bc2.squareRoot()
    let p = store.values, g = store.gradients, m = m.data, v = v.data
    for (view, decay) in zip(store.views, decayed) {
      let base = view.offset
      let shrink = 1 - lr * (decay ? s.weightDecay : 0)
      parallelFor(view.count, minChunk: 1 << 15) { range in
        for j in range {
          let i = base + j
          p[i] *= shrink
          m[i] = s.beta1 * m[i] + (1 - s.beta1) * g[i]
          v[i] = s.beta2 * v[i] + (1 - s.beta2) * g[i] * g[i]
          p[i] -= stepSize * m[i] / (v[i].squareRoot() / bc2Root + s.eps)
        }
      }
    }
  }
}
