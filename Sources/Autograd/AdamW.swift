import Foundation

/// AdamW (decoupled weight decay) over a whole `ParameterStore`, in one pass over the flat
/// buffers, with PyTorch's arithmetic (torch.optim.AdamW, non-fused):
///   p ← p·(1 − lr·wd);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
///   p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε).
/// Parameters excluded from weight decay (biases and LayerNorm weights, by default) get wd = 0.
///
/// Embedding tables are updated row by row: a row that has never had a gradient (its moments
/// are zero) and has none now only shrinks by the weight decay, which is exactly what the full
/// formula computes for it (m = v = 0 makes the Adam term 0), without touching its moments. That
/// shrink is deferred: the store keeps what each such row owes and applies it, factor by factor,
/// before the row is read (`ParameterStore.oweDecay`), so a step visits only the rows that have
/// had a gradient and the values are the same bits as with a sweep of the table.
/// Which rows have a gradient comes from the store's row tracking when it knows
/// (`ParameterStore.gradientRows`), else from looking at the gradient.
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
  /// Per view with many rows (embedding tables): whether each row has had a gradient, and
  /// those rows in the order they first had one.
  private var activeRows: [Int: [Bool]] = [:]
  private var activeList: [Int: [Int32]] = [:]

  /// `decays(name)` says whether a parameter gets weight decay; by default everything except
  /// biases and LayerNorm weights.
  public init(store: ParameterStore, settings: Settings, decays: (String) -> Bool = AdamW.defaultDecays) {
    self.store = store
    self.settings = settings
    m = Tensor(shape: [store.count])
    v = Tensor(shape: [store.count])
    decayed = store.views.map { decays($0.name) }
    for (k, view) in store.views.enumerated() where ParameterStore.isTable(view) {
      activeRows[k] = [Bool](repeating: false, count: view.shape[0])  // fresh moments are zero
      activeList[k] = []
    }
  }

  /// Marks the rows of embedding tables whose moments are not zero (after loading moments).
  public func recomputeActiveRows() {
    activeRows = [:]
    activeList = [:]
    for (k, view) in store.views.enumerated() where ParameterStore.isTable(view) {
      let width = view.shape[1]
      let flags = (0..<view.shape[0]).map { r in
        let base = view.offset + r * width
        return (0..<width).contains { m.data[base + $0] != 0 || v.data[base + $0] != 0 }
      }
      activeRows[k] = flags
      activeList[k] = flags.indices.filter { flags[$0] }.map { Int32($0) }
    }
  }

  public static func defaultDecays(_ name: String) -> Bool {
    !(name.hasSuffix(".bias") || name.contains("LayerNorm") || name.contains("layer_norm"))
  }

  /// One update with learning rate `lr` from the gradients in the store, each multiplied by
  /// `gradientScale` first (gradient clipping folded into the same pass; 1 leaves them as they are).
  public func update(lr: Float, gradientScale: Float = 1) {
    step += 1
    store.bf16Copies.invalidate()  // the weights change: their bf16 copies are made anew on next use
    let s = settings
    let bc1 = 1 - powf(s.beta1, Float(step)), bc2 = 1 - powf(s.beta2, Float(step))
    let k = Kernel(
      beta1: s.beta1, beta2: s.beta2, eps: s.eps, stepSize: lr / bc1, bc2Root: bc2.squareRoot(), gradientScale: gradientScale)
    let p = store.unsettledValues, g = store.gradientBuffer, m = m.data, v = v.data
    for (index, view) in store.views.enumerated() {
      let base = view.offset
      let shrink = 1 - lr * (decayed[index] ? s.weightDecay : 0)
      guard var active = activeRows[index] else {
        parallelFor(view.count, minChunk: 1 << 15) { r in
          k.run(p + base + r.lowerBound, g + base + r.lowerBound, m + base + r.lowerBound, v + base + r.lowerBound,
                count: r.count, shrink: shrink)
        }
        continue
      }
      let width = view.shape[1]
      // rows the store knows may have a gradient become active; without that knowledge, every
      // inactive row is checked for a non-zero gradient
      var newly: [Int32] = []
      if let gradientRows = store.gradientRows(view: index) {
        for r in gradientRows where !active[Int(r)] {
          active[Int(r)] = true
          newly.append(r)
        }
      } else {
        for r in 0..<view.shape[0] where !active[r] {
          let o = base + r * width
          if (0..<width).contains(where: { g[o + $0] != 0 }) {
            active[r] = true
            newly.append(Int32(r))
          }
        }
      }
      activeRows[index] = active
      activeList[index]!.append(contentsOf: newly)
      let rows = activeList[index]!
      // the rows updated in full first catch up on the shrink they owe; the rest owe this one
      store.settle(view: index, rows: newly)
      rows.withUnsafeBufferPointer { rows in
        parallelFor(rows.count, minChunk: 64) { range in
          for j in range {
            let o = base + Int(rows[j]) * width
            k.run(p + o, g + o, m + o, v + o, count: width, shrink: shrink)
          }
        }
      }
      store.oweDecay(view: index, factor: shrink, settled: rows)
    }
  }

  /// The element-wise update, 8 lanes at a time (the same arithmetic in every lane and in the tail).
  struct Kernel {
    let beta1, beta2, eps, stepSize, bc2Root, gradientScale: Float

    @inline(__always)
    func run(
      _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>,
      _ v: UnsafeMutablePointer<Float>, count n: Int, shrink: Float
    ) {
      typealias V8 = SIMD8<Float>
      let rp = UnsafeMutableRawPointer(p), rg = UnsafeRawPointer(g), rm = UnsafeMutableRawPointer(m), rv = UnsafeMutableRawPointer(v)
      var i = 0
      while i + 8 <= n {
        let o = 4 * i
        let gi = rg.loadUnaligned(fromByteOffset: o, as: V8.self) * gradientScale
        let mi = beta1 * rm.loadUnaligned(fromByteOffset: o, as: V8.self) + (1 - beta1) * gi
        let vi = beta2 * rv.loadUnaligned(fromByteOffset: o, as: V8.self) + (1 - beta2) * gi * gi
        var pi = rp.loadUnaligned(fromByteOffset: o, as: V8.self) * shrink
        pi -= stepSize * mi / (vi.squareRoot() / bc2Root + eps)
        rm.storeBytes(of: mi, toByteOffset: o, as: V8.self)
        rv.storeBytes(of: vi, toByteOffset: o, as: V8.self)
        rp.storeBytes(of: pi, toByteOffset: o, as: V8.self)
        i += 8
      }
      while i < n {
        let gi = g[i] * gradientScale
        m[i] = beta1 * m[i] + (1 - beta1) * gi
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
        p[i] *= shrink
        p[i] -= stepSize * m[i] / (v[i].squareRoot() / bc2Root + eps)
        i += 1
      }
    }
  }
}
